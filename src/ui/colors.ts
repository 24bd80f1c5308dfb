/**
 * Colours: chalk when they are on; with them off (a pipe, CI, NO_COLOR), the strings as given, and chalk is
 * not even loaded. chalk asks the terminal about colours as it loads, which costs about a tenth of a bare
 * Node start; the bundle loads it on first use only (scripts/build.mjs).
 */
import chalk, { type ChalkInstance } from 'chalk';
import { isTerminal } from './terminal.js';

/** Whether colours are off, decided once. */
let off: boolean | undefined;

/** What chalk does with colours off (strings as given), without loading it. */
const plain: ChalkInstance = new Proxy(((...text: unknown[]) => text.join(' ')) as ChalkInstance, {
  get: (target, key) => (key === 'level' ? 0 : typeof key === 'symbol' ? Reflect.get(target, key) : plain),
});

/** No colour for NO_COLOR, a dumb terminal, or output that is not a terminal. */
export function colorsOff(env: NodeJS.ProcessEnv = process.env, stdoutIsTerminal = isTerminal(1)): boolean {
  return 'NO_COLOR' in env || env.TERM === 'dumb' || !stdoutIsTerminal;
}

/** The painter for this process (`paint().bold(...)`). */
export function paint(): ChalkInstance {
  return (off ??= colorsOff()) ? plain : chalk;
}
