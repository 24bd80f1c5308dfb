import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterEach } from 'vitest';

const made: string[] = [];

/** A fresh data folder, removed after the test. */
export function tempDataFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gag-store-'));
  made.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Every file below `dir`, relative with '/'. */
export function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

export function tmpFiles(dir: string): string[] {
  return allFiles(dir).filter((f) => f.endsWith('.tmp'));
}

export function stagingFiles(dir: string): string[] {
  return allFiles(dir).filter((f) => f.startsWith('.get-ai-gateway/staging/'));
}
