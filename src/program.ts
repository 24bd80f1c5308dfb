import { Command } from 'commander';
import { SUMMARIES, type CommandName } from './commands/summaries.js';
import { CLI_VERSION } from './version.js';
import { isTerminal, write } from './ui/terminal.js';

/** `only`: the subcommand this run reaches (`config list` → "list"); undefined when it reaches none or shows help. */
type Register = (program: Command, only?: string) => void;

/** Each command's definition is loaded only when that command runs: start-up stays close to bare Node. */
const COMMANDS: Record<CommandName, () => Promise<Register>> = {
  start: async () => (await import('./commands/start.js')).registerStart,
  stop: async () => (await import('./commands/stop.js')).registerStop,
  delete: async () => (await import('./commands/delete.js')).registerDelete,
  config: async () => (await import('./commands/config.js')).registerConfig,
  route: async () => (await import('./commands/route.js')).registerRoute,
  access: async () => (await import('./commands/access.js')).registerAccess,
  status: async () => (await import('./commands/status.js')).registerStatus,
  logs: async () => (await import('./commands/logs.js')).registerLogs,
  usage: async () => (await import('./commands/usage.js')).registerUsage,
  doctor: async () => (await import('./commands/doctor.js')).registerDoctor,
  models: async () => (await import('./commands/models.js')).registerModels,
  openclaw: async () => (await import('./commands/openclaw.js')).registerOpenClaw,
};

const isCommand = (name: string | undefined): name is CommandName => name !== undefined && Object.hasOwn(COMMANDS, name);

/** The command these arguments run: `start` is the default; top-level help and version need none. */
export function selectedCommand(args: string[]): CommandName | undefined {
  const [first, second] = args;
  if (first === undefined) return 'start';
  if (isCommand(first)) return first;
  if (first === 'help') return isCommand(second) ? second : undefined;
  if (['-h', '--help', '-v', '--version'].includes(first)) return undefined;
  return 'start';
}

/** The subcommand these arguments reach, if any: commands may define only that one's flags (start-up cost). */
export function selectedSubcommand(args: string[]): string | undefined {
  if (!isCommand(args[0])) return undefined;
  const sub = args.slice(1).find((arg) => !arg.startsWith('-'));
  return sub === 'help' ? undefined : sub; // `config help add` shows add's help: everything is defined
}

export async function buildProgram(args: string[]): Promise<Command> {
  const program = new Command('get-ai-gateway')
    .description('Deploy and run the Higress AI Gateway on this machine and manage its LLM providers and routing.')
    .version(CLI_VERSION, '-v, --version')
    // Errors are printed by cli.ts (one line, a hint, JSON under --json), not by commander. Help goes out through
    // ui/terminal.ts: Node's stdout stream is made only for a terminal (its width and colours).
    .configureOutput({
      outputError: () => {},
      writeOut: (text) => write(1, text),
      writeErr: (text) => write(2, text),
      getOutHelpWidth: () => (isTerminal(1) ? process.stdout.columns : 80),
      getErrHelpWidth: () => (isTerminal(2) ? process.stderr.columns : 80),
      getOutHasColors: () => isTerminal(1) && process.stdout.hasColors(),
      getErrHasColors: () => isTerminal(2) && process.stderr.hasColors(),
    })
    .exitOverride()
    .hook('preAction', async (_program, action) => {
      const { checkOptionValues } = await import('./core/input-guard.js');
      checkOptionValues(action.opts());
    });
  const selected = selectedCommand(args);
  for (const name of Object.keys(COMMANDS) as CommandName[]) {
    if (name === selected) (await COMMANDS[name]())(program, selectedSubcommand(args));
    else program.command(name, { isDefault: name === 'start' }).description(SUMMARIES[name]);
  }
  program.addHelpText(
    'after',
    `
Examples:
  $ get-ai-gateway start --non-interactive --openai-key sk-...
  $ get-ai-gateway config add --provider deepseek --key-env DEEPSEEK_API_KEY
  $ get-ai-gateway route add --model deepseek-reasoner --trigger "think|prove"`,
  );
  return program;
}
