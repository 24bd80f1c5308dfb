// An in-memory terminal for the wizard's prompts: the wizard reads keys from `input` (a MuteStream, as
// @inquirer/testing uses) and writes to `output`; tests wait for text to appear, then type.
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import MuteStream from 'mute-stream';
import type { WizardIO } from '../../../src/wizard/prompter.js';

export const KEY = { enter: '\r', down: '\x1b[B', up: '\x1b[A', clearLine: '\x15', ctrlC: '\x03' } as const;

export class FakeTerminal {
  readonly input = new MuteStream();
  readonly output: Writable;
  /** Everything written, escape sequences removed. */
  text = '';
  /** Where the next waitFor starts looking. */
  private mark = 0;
  private readonly changed = new EventEmitter();

  constructor() {
    this.input.unmute();
    this.output = new Writable({
      write: (chunk, _encoding, callback) => {
        this.text += stripVTControlCharacters(String(chunk));
        this.changed.emit('change');
        callback();
      },
    });
  }

  io(extra: Partial<WizardIO> = {}): WizardIO {
    return { input: this.input, output: this.output, ...extra };
  }

  /** Resolves once `needle` appears after the previous match; rejects after timeoutMs with the recent output. */
  async waitFor(needle: string | RegExp, timeoutMs = 3000): Promise<string> {
    const find = () => {
      const rest = this.text.slice(this.mark);
      // A space in a string needle also matches a line break (the wizard wraps at 80 columns).
      const pattern = typeof needle === 'string' ? new RegExp(needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+')) : needle;
      const m = pattern.exec(rest);
      return m ? { at: m.index, length: m[0].length } : undefined;
    };
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        const hit = find();
        if (!hit) return false;
        this.mark += hit.at + hit.length;
        this.changed.off('change', check);
        clearTimeout(timer);
        resolve();
        return true;
      };
      const timer = setTimeout(() => {
        this.changed.off('change', check);
        reject(new Error(`timed out waiting for ${String(needle)}; output since last match:\n${this.text.slice(this.mark).slice(-1500)}`));
      }, timeoutMs);
      if (!check()) this.changed.on('change', check);
    });
    // Let the prompt settle (renders and async validation happen in microtasks) before keys are sent.
    await new Promise((r) => setImmediate(r));
    return this.text;
  }

  type(text: string): void {
    this.input.write(text);
  }

  /** Types the text and Enter. */
  answer(text = ''): void {
    this.input.write(text + KEY.enter);
  }

  /** An Esc keypress as readline reports it (a lone ESC byte is reported only after readline's delay). */
  escape(): void {
    this.input.emit('keypress', '\x1b', { name: 'escape', sequence: '\x1b', ctrl: false, meta: false, shift: false });
  }
}
