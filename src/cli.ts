import { CommanderError } from 'commander';
import { CliError, UsageError } from './core/errors.js';
import { closest } from './core/suggest.js';
import { SUMMARIES } from './commands/summaries.js';
import { buildProgram, selectedCommand } from './program.js';
import { configureColors } from './ui/output.js';

export interface ErrorReport {
  code: string;
  message: string;
  hint: string | null;
  exitCode: number;
}

/** Commander's own failures, as stable codes (so `--json` callers need not parse its wording). */
const COMMANDER_CODES: Record<string, string> = {
  'commander.unknownOption': 'usage.unknown-flag',
  'commander.unknownCommand': 'usage.unknown-command',
  'commander.missingArgument': 'usage.missing-argument',
  'commander.optionMissingArgument': 'usage.missing-flag-value',
  'commander.missingMandatoryOptionValue': 'usage.missing-required-flag',
  'commander.invalidArgument': 'usage.invalid-value',
  'commander.excessArguments': 'usage.too-many-arguments',
  'commander.conflictingOption': 'usage.conflicting-flags',
};

/** The one place that turns errors into a report: message, hint, machine code and exit code. */
export function describeError(error: unknown): ErrorReport {
  if (error instanceof CliError) return { code: error.code, message: error.message, hint: error.hint ?? null, exitCode: error.exitCode };
  if (error instanceof CommanderError) {
    const [first = '', ...rest] = error.message.replace(/^error: /, '').split('\n');
    const hint = rest.join(' ').replace(/^\((.*)\)$/, '$1').trim();
    return { code: COMMANDER_CODES[error.code] ?? 'usage.invalid', message: first, hint: hint || null, exitCode: 2 };
  }
  if (error instanceof Error && error.name === 'ExitPromptError') return { code: 'interrupted', message: 'Cancelled.', hint: null, exitCode: 130 };
  return { code: 'internal', message: error instanceof Error ? error.message : String(error), hint: null, exitCode: 1 };
}

export function renderError(error: unknown): { message: string; exitCode: number } {
  const report = describeError(error);
  if (report.code === 'interrupted' && !(error instanceof CliError)) return { message: report.message, exitCode: 130 };
  return { message: `error: ${report.message}${report.hint ? ` — ${report.hint}` : ''}`, exitCode: report.exitCode };
}

/** `--json` anywhere before a `--` end-of-options marker. */
const wantsJson = (args: string[]) => {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
};

async function main(argv: string[]): Promise<number> {
  configureColors();
  const args = argv.slice(2);
  const json = wantsJson(args);
  try {
    if (args[0] !== undefined && !args[0].startsWith('-') && args[0] !== 'help' && selectedCommand(args) === 'start' && args[0] !== 'start') {
      const near = closest(args[0], Object.keys(SUMMARIES), 2);
      throw new UsageError(`unknown command "${args[0]}"`, {
        code: 'usage.unknown-command',
        hint: near.length ? `did you mean ${near.join(' or ')}? Commands: ${Object.keys(SUMMARIES).join(', ')}` : `commands: ${Object.keys(SUMMARIES).join(', ')}`,
      });
    }
    const program = await buildProgram(args);
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    // Help and version end parsing through an exception too; they are not errors.
    if (error instanceof CommanderError && error.exitCode === 0) return 0;
    const report = describeError(error);
    if (json) process.stdout.write(JSON.stringify({ error: report }, null, 2) + '\n');
    // Commander already printed its own message to stderr.
    if (!(error instanceof CommanderError)) process.stderr.write(renderError(error).message + '\n');
    if (process.env.GET_AI_GATEWAY_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return report.exitCode;
  }
}

process.on('SIGINT', () => process.exit(130));
main(process.argv).then((code) => process.exit(code));
