/** Reading the gateway files without the write protocol: what listings need, and nothing heavier. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Deployment } from './deployment.js';
import { OperationalError } from './errors.js';
import { GatewayFiles } from './gateway-files.js';

async function readIfPresent(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new OperationalError(`could not read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** File names in a folder of the data folder ([] when it does not exist). */
export function listDataDir(dataFolder: string): (dir: string) => Promise<string[]> {
  return (dir) =>
    readdir(join(dataFolder, dir)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
      throw new OperationalError(`could not list ${join(dataFolder, dir)}: ${error.message}`, { cause: error });
    });
}

export function loadFiles(deployment: Pick<Deployment, 'dataFolder'>): Promise<GatewayFiles> {
  return GatewayFiles.load((rel) => readIfPresent(join(deployment.dataFolder, rel)), { list: listDataDir(deployment.dataFolder) });
}
