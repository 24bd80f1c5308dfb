/** Checks every command's option values before it runs: what we would write must be printable text. */
import { UsageError } from './errors.js';

const CONTROL = /[\u0000-\u001f\u007f]/;

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Names the first control character, e.g. "NUL" or "U+001B". */
export function controlCharacter(value: string): string | undefined {
  const m = CONTROL.exec(value);
  if (!m) return undefined;
  const code = m[0].charCodeAt(0);
  return code === 0 ? 'NUL' : code === 10 || code === 13 ? 'a line break' : code === 9 ? 'a tab' : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function checkText(value: string, flag: string): void {
  const found = controlCharacter(value);
  if (found) throw new UsageError(`${flag} contains ${found}; only printable text is accepted`, { hint: 'check how the value was quoted or pasted' });
}

/** Docker's rule for container names (a leading '/' aside). */
export function checkContainerName(name: string, flag = '--container-name'): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) {
    throw new UsageError(`${flag} ${JSON.stringify(name)} is not a valid container name`, { hint: 'use two or more letters, digits, _ . and -, starting with a letter or digit' });
  }
  return name;
}

export function checkOptionValues(options: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(options)) {
    for (const item of Array.isArray(value) ? value : [value]) if (typeof item === 'string') checkText(item, flagName(key));
  }
  if (typeof options.containerName === 'string') checkContainerName(options.containerName);
}
