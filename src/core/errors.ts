export type ExitCode = 1 | 2 | 130;

/** An error meant for the user: one line, an exit code and, where we know it, what to do next. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly hint?: string;
  /** A stable machine code for `--json` (`usage.unknown-flag`, `engine.unreachable`, …). */
  readonly code: string;

  constructor(message: string, opts: ErrorOptions & { exitCode: ExitCode }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.exitCode = opts.exitCode;
    this.hint = opts.hint;
    this.code = opts.code ?? { 1: 'operation.failed', 2: 'usage.invalid', 130: 'interrupted' }[opts.exitCode];
  }
}

export interface ErrorOptions {
  hint?: string;
  cause?: unknown;
  code?: string;
}

/** Bad flags or input: exit 2, nothing changed. */
export class UsageError extends CliError {
  constructor(message: string, opts: ErrorOptions = {}) {
    super(message, { ...opts, exitCode: 2 });
  }
}

/** Something outside went wrong (engine, files, network): exit 1. */
export class OperationalError extends CliError {
  constructor(message: string, opts: ErrorOptions = {}) {
    super(message, { ...opts, exitCode: 1 });
  }
}

/** The user pressed Ctrl-C or Esc: exit 130. */
export class InterruptedError extends CliError {
  constructor(message = 'Interrupted', opts: { cause?: unknown } = {}) {
    super(message, { ...opts, exitCode: 130 });
  }
}
