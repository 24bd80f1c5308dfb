import { lstatSync, readdirSync, rmSync, type Dirent } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { isOwnTemp } from './exit-guard.js';
import { heldLock, openDataFolder, withDataFolderLock } from './lock.js';
import { DEFAULT_TMP_TTL_MS, LOCK_NAME, STATE_DIR, isMissing, stagingDir } from './paths.js';

const NOT_SCANNED = new Set([STATE_DIR, LOCK_NAME, 'logs']);

/**
 * Removes what killed writers left behind: `.tmp` files older than the TTL in the data folder and its
 * first-level folders (where the resources live), `.tmp` files that are hard links of our staging files
 * (ours, whatever their age), `.tmp` symlinks (never a writer's; removed, not followed), and our staging files. Takes the data folder lock unless this call chain
 * holds it. Returns the removed paths, relative to the data folder.
 */
export async function cleanupStaleTemps(dataFolder: string, opts: { tmpTtlMs?: number } = {}): Promise<string[]> {
  const folder = await openDataFolder(dataFolder);
  const run = () => removeOrphans(folder, opts.tmpTtlMs ?? DEFAULT_TMP_TTL_MS);
  return heldLock(folder) ? run() : withDataFolderLock(folder, run);
}

async function removeOrphans(folder: string, ttlMs: number): Promise<string[]> {
  const removed: string[] = [];
  const remove = async (path: string) => {
    rmSync(path, { force: true });
    removed.push(relative(folder, path).split(sep).join('/'));
  };
  // Skip temps of a commit still running in this process (several commits inside one held lock).
  const staging = (await files(stagingDir(folder))).filter((path) => !isOwnTemp(path));
  const stagingInodes = new Set<string>();
  for (const path of staging) {
    const st = statOf(path);
    if (st) stagingInodes.add(`${st.dev}:${st.ino}`);
  }
  const kinds = (await entries(folder)).filter((e) => e.isDirectory() && !NOT_SCANNED.has(e.name));
  const dirs = [folder, ...kinds.map((e) => join(folder, e.name))];
  for (const dir of dirs) {
    for (const path of await files(dir)) {
      if (!path.endsWith('.tmp') || isOwnTemp(path)) continue;
      const st = statOf(path);
      if (!st) continue;
      const stale = st.isSymbolicLink() || Date.now() - Number(st.mtimeMs) > ttlMs;
      if (stale || stagingInodes.has(`${st.dev}:${st.ino}`)) await remove(path);
    }
  }
  for (const path of staging) await remove(path);
  return removed;
}

/** A file that cannot be looked at is left alone. */
function statOf(path: string) {
  try {
    return lstatSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** Synchronous, like the reads: a commit scans a handful of small folders. */
async function entries(dir: string): Promise<Dirent[]> {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

async function files(dir: string): Promise<string[]> {
  return (await entries(dir)).filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => join(dir, e.name));
}
