/** How the CLI talks: results to stdout, progress and diagnostics to stderr; `--json` leaves stdout to one JSON object. */
import { paint } from './colors.js';
import { write } from './terminal.js';

/** A person is watching: a TTY and not CI. Spinners and prompts only then. */
export function isInteractive(env: NodeJS.ProcessEnv = process.env, stream: NodeJS.WriteStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && !env.CI;
}

export interface Output {
  json: boolean;
  /** A line of the human result (stdout; stderr under --json). */
  say(line?: string): void;
  /** Progress and notes (stderr). */
  note(line: string): void;
  warn(line: string): void;
  /** The machine result: printed only under --json. */
  result(value: unknown): void;
}

export function createOutput(opts: { json?: boolean } = {}): Output {
  const json = Boolean(opts.json);
  return {
    json,
    say: (line = '') => write(json ? 2 : 1, line + '\n'),
    note: (line) => write(2, line + '\n'),
    warn: (line) => write(2, `${paint().yellow('warning:')} ${line}\n`),
    result: (value) => {
      if (json) write(1, JSON.stringify(value, null, 2) + '\n');
    },
  };
}
