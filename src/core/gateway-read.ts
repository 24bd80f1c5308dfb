/** Reading the gateway files without the write protocol: what listings need, and nothing heavier. */
// Synchronous reads: a listing reads a few dozen small files, and the asynchronous API costs more than the reading.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deployment } from './deployment.js';
import { OperationalError } from './errors.js';
import { GatewayFiles } from './gateway-files.js';
import { journalPath } from './store/paths.js';
import { ParseCache } from './parse-cache.js';

async function readIfPresent(path: string): Promise<string | null> {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new OperationalError(`could not read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** File names in a folder of the data folder ([] when it does not exist). */
export function listDataDir(dataFolder: string): (dir: string) => Promise<string[]> {
  return async (dir) => {
    try {
      return readdirSync(join(dataFolder, dir));
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw new OperationalError(`could not list ${join(dataFolder, dir)}: ${message}`, { cause: error });
    }
  };
}

/** A change a crashed command left half-done is repaired (under the lock) before anything is read. */
export async function repairBeforeRead(dataFolder: string): Promise<void> {
  if (!existsSync(journalPath(dataFolder))) return;
  const { repairIfInterrupted } = await import('./store/index.js');
  await repairIfInterrupted(dataFolder);
}

export async function loadFiles(deployment: Pick<Deployment, 'dataFolder'>): Promise<GatewayFiles> {
  await repairBeforeRead(deployment.dataFolder);
  // Parses kept by earlier changes are used; a listing writes none.
  const parsed = ParseCache.open(deployment.dataFolder);
  return GatewayFiles.load((rel) => readIfPresent(join(deployment.dataFolder, rel)), { list: listDataDir(deployment.dataFolder), parsed });
}
