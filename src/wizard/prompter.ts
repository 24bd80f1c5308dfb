/**
 * The wizard's terminal: injectable prompts and streams, Esc and Ctrl-C turned into InterruptedError,
 * and plain lines wrapped to 80 columns. Nothing here knows about providers.
 */
import { emitKeypressEvents } from 'node:readline';
import { Writable } from 'node:stream';
import { styleText } from 'node:util';
import { confirm, input, number, password, search, select } from '@inquirer/prompts';
import { InterruptedError } from '../core/errors.js';

export const prompts = { confirm, input, number, password, search, select };
export type PromptSet = typeof prompts;

/** What a prompt gets besides its config (inquirer's Context). */
export interface PromptContext {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  signal: AbortSignal;
}

/** Everything the wizard touches outside itself; tests replace any of it. */
export interface WizardIO {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  prompts?: Partial<PromptSet>;
  isPortFree?: (host: string, port: number) => Promise<boolean>;
  readFile?: (path: string) => string;
}

/** Esc: leave this step for the one before (the flow decides what that is; before the first, the wizard ends). */
export class GoBack extends Error {
  constructor(options?: { cause?: unknown }) {
    super('Esc: back one step', options);
    this.name = 'GoBack';
  }
}

export const WIDTH = 80;
export const CANCELLED = 'setup cancelled: nothing was written and no container was created';

/** Key help in words (no arrows or symbols a plain Linux console may lack). */
const KEY_WORDS: Record<string, string> = { '↑↓': 'up/down', '⏎': 'enter', space: 'space' };
export const plainKeysTheme = {
  style: {
    keysHelpTip: (keys: [string, string][]) =>
      styleText('dim', keys.map(([key, action]) => `${KEY_WORDS[key] ?? key} ${action}`).join(', ')),
  },
};

/** Splits a line into pieces of at most `width` characters, breaking at spaces where it can. */
export function wrap(line: string, width = WIDTH, indent = '    '): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= indent.length) cut = width;
    out.push(rest.slice(0, cut).trimEnd());
    rest = indent + rest.slice(cut).trimStart();
  }
  out.push(rest);
  return out;
}

/**
 * Each prompt ends the stream it writes to when it is done; process.stdout ignores that, any other
 * output (tests) gets a fresh forwarder per prompt so it stays open for the next one.
 */
function promptOutput(target: NodeJS.WritableStream): NodeJS.WritableStream {
  if (target === process.stdout || target === process.stderr) return target;
  const forward = new Writable({ write: (chunk, _encoding, done) => void target.write(chunk, () => done()) });
  Object.defineProperty(forward, 'columns', { get: () => (target as { columns?: number }).columns ?? WIDTH });
  return forward;
}

const isPromptExit = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');

export class Prompter {
  readonly prompts: PromptSet;
  private readonly input: NodeJS.ReadableStream;
  private readonly output: NodeJS.WritableStream;

  constructor(io: WizardIO = {}) {
    this.prompts = { ...prompts, ...io.prompts };
    this.input = io.input ?? process.stdin;
    this.output = io.output ?? process.stdout;
  }

  /**
   * Shows one prompt. Esc aborts it through the context's signal and throws GoBack; Ctrl-C ends the wizard
   * with InterruptedError (exit 130).
   */
  async ask<T>(show: (prompts: PromptSet, context: PromptContext) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const onKey = (_text: unknown, key?: { name?: string }) => {
      if (key?.name === 'escape') controller.abort(new GoBack());
    };
    // Started first: the prompt's readline sets the input up for keypress events (the call below is then a no-op).
    const pending = show(this.prompts, { input: this.input, output: promptOutput(this.output), signal: controller.signal });
    emitKeypressEvents(this.input as NodeJS.ReadStream);
    this.input.on('keypress', onKey);
    try {
      return await pending;
    } catch (error) {
      if (controller.signal.aborted && error instanceof Error && error.name === 'AbortPromptError') throw new GoBack({ cause: error });
      throw isPromptExit(error) ? new InterruptedError(CANCELLED, { cause: error }) : error;
    } finally {
      this.input.removeListener('keypress', onKey);
    }
  }

  /** Plain text between prompts, each line at most 80 columns. */
  say(text = ''): void {
    for (const line of text.split('\n')) for (const piece of wrap(line)) this.output.write(`${piece}\n`);
  }
}
