import { CommanderError } from 'commander';
import { CliError, UsageError } from './core/errors.js';
import { SUMMARIES } from './commands/summaries.js';
import { buildProgram, selectedCommand } from './program.js';
import { configureColors } from './ui/output.js';

/** The one place that turns errors into messages and exit codes. */
export function renderError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) {
    return { message: `error: ${error.message}${error.hint ? ` (${error.hint})` : ''}`, exitCode: error.exitCode };
  }
  if (error instanceof Error && error.name === 'ExitPromptError') return { message: 'Cancelled.', exitCode: 130 };
  const text = error instanceof Error ? error.message : String(error);
  return { message: `error: ${text}`, exitCode: 1 };
}

async function main(argv: string[]): Promise<number> {
  configureColors();
  try {
    const args = argv.slice(2);
    if (args[0] !== undefined && !args[0].startsWith('-') && args[0] !== 'help' && selectedCommand(args) === 'start' && args[0] !== 'start') {
      throw new UsageError(`unknown command "${args[0]}"`, { hint: `commands: ${Object.keys(SUMMARIES).join(', ')}` });
    }
    const program = await buildProgram(args);
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the message; help and version are not errors.
      return error.exitCode === 0 ? 0 : 2;
    }
    const { message, exitCode } = renderError(error);
    process.stderr.write(message + '\n');
    if (process.env.GET_AI_GATEWAY_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return exitCode;
  }
}

// 128 + the signal's number, as a shell reports a command ended by it. A commit in progress delays them (store/exit-guard).
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));
process.on('SIGHUP', () => process.exit(129));
main(process.argv).then((code) => process.exit(code));
