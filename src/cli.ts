import { CommanderError, type Command } from 'commander';
import { CliError, UsageError } from './core/errors.js';
import { closest } from './core/suggest.js';
import { SUMMARIES } from './commands/summaries.js';
import { buildProgram, selectedCommand } from './program.js';
import { flushed, write } from './ui/terminal.js';

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
    const hint = rest.join(' ').replace(/^\((.*)\)$/, '$1').replace(/^Did you/, 'did you').trim();
    return { code: COMMANDER_CODES[error.code] ?? 'usage.invalid', message: first, hint: hint || null, exitCode: 2 };
  }
  if (error instanceof Error && error.name === 'ExitPromptError') return { code: 'interrupted', message: 'Cancelled.', hint: null, exitCode: 130 };
  return { code: 'internal', message: error instanceof Error ? error.message : String(error), hint: null, exitCode: 1 };
}

/** The command these arguments reached, for suggestions: `config add` → its Command. */
function reachedCommand(program: Command, args: string[]): Command | undefined {
  let command = program;
  for (const arg of args) {
    const sub = arg.startsWith('-') ? undefined : command.commands.find((c) => c.name() === arg);
    if (!sub) break;
    command = sub;
  }
  return command === program ? program.commands.find((c) => c.name() === 'start') : command;
}

/** Commander's suggestion leaves out hidden options (the provider alias flags); ours covers every flag. */
function withSuggestion(error: CommanderError, program: Command | undefined, args: string[]): ErrorReport {
  const report = describeError(error);
  if (error.code === 'commander.unknownOption' && !report.hint && program) {
    const typed = /'(--[^'=]+)/.exec(report.message)?.[1];
    const flags = (reachedCommand(program, args)?.options ?? []).map((o) => o.long).filter((f): f is string => Boolean(f));
    const near = typed ? closest(typed, flags, 2) : [];
    return { ...report, hint: near.length ? `did you mean ${near.join(' or ')}? (see --help)` : 'see --help for the flags' };
  }
  if (!report.hint && error.code.startsWith('commander.')) return { ...report, hint: 'see --help' };
  return report;
}

/** `--json` anywhere before a `--` end-of-options marker. */
const wantsJson = (args: string[]) => {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
};

async function main(argv: string[]): Promise<number> {
  const args = argv.slice(2);
  const json = wantsJson(args);
  let program: Command | undefined;
  try {
    if (args[0] !== undefined && !args[0].startsWith('-') && args[0] !== 'help' && selectedCommand(args) === 'start' && args[0] !== 'start') {
      const near = closest(args[0], Object.keys(SUMMARIES), 2);
      throw new UsageError(`unknown command "${args[0]}"`, {
        code: 'usage.unknown-command',
        hint: near.length ? `did you mean ${near.join(' or ')}? Commands: ${Object.keys(SUMMARIES).join(', ')}` : `commands: ${Object.keys(SUMMARIES).join(', ')}`,
      });
    }
    program = await buildProgram(args);
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    // Help and version end parsing through an exception too; they are not errors.
    if (error instanceof CommanderError && error.exitCode === 0) return 0;
    const report = error instanceof CommanderError ? withSuggestion(error, program, args) : describeError(error);
    if (json) write(1, JSON.stringify({ error: report }, null, 2) + '\n');
    write(2, `error: ${report.message}${report.hint ? ` — ${report.hint}` : ''}\n`);
    if (process.env.GET_AI_GATEWAY_DEBUG && error instanceof Error) write(2, `${error.stack}\n`);
    return report.exitCode;
  }
}

// 128 + the signal's number, as a shell reports a command ended by it. A commit in progress delays them (store/exit-guard).
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));
process.on('SIGHUP', () => process.exit(129));
main(process.argv).then(async (code) => {
  await flushed();
  process.exit(code);
});
