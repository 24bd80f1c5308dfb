import { isAbsolute, join } from 'node:path';

/** proper-lockfile's lock directory, inside the data folder so every process that sees the folder sees the lock. */
export const LOCK_NAME = '.get-ai-gateway.lock';
/** Our own state; its staging files never end in `.yaml`, so the gateway's watcher ignores them. */
export const STATE_DIR = '.get-ai-gateway';
/** The gateway API server treats a younger `<name>.yaml.tmp` as a write in progress. */
export const DEFAULT_TMP_TTL_MS = 10_000;
export const POLL_MS = 50;

export function stagingDir(folder: string): string {
  return join(folder, STATE_DIR, 'staging');
}

/** The intent of a multi-file change in progress: present only between its first and last rename. */
export function journalPath(folder: string): string {
  return join(folder, STATE_DIR, 'journal.json');
}

/** Validates a data-folder-relative path ('wasmplugins/x.yaml', either slash) and returns it with '/'. */
export function dataPath(path: string): string {
  const parts = path.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  const bad =
    isAbsolute(path) ||
    /^[a-zA-Z]:/.test(path) ||
    parts.length === 0 ||
    parts.includes('..') ||
    parts[0] === STATE_DIR ||
    parts[0] === LOCK_NAME ||
    path.endsWith('.tmp');
  if (bad) throw new Error(`not a file of the data folder: ${JSON.stringify(path)}`);
  return parts.join('/');
}

export function absPath(folder: string, rel: string): string {
  return join(folder, ...rel.split('/'));
}

export function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** ENOTDIR too: a path under a regular file cannot exist either. */
export function isMissing(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
