import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Three gateway files a multi-file change touches. */
export const A = 'wasmplugins/ai-proxy.internal.yaml';
export const B = 'ingresses/ai-route-openai.internal.yaml';
export const C = 'configmaps/ai-route-openai.yaml';

export function put(data: string, rel: string, content: string): void {
  mkdirSync(join(data, rel, '..'), { recursive: true });
  writeFileSync(join(data, rel), content);
}

export function read(data: string, rel: string): string | null {
  return existsSync(join(data, rel)) ? readFileSync(join(data, rel), 'utf8') : null;
}
