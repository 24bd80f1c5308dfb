/** Reading the gateway files without the write protocol: what listings need, and nothing heavier. */
import { readFile } from 'node:fs/promises';
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

export function loadFiles(deployment: Pick<Deployment, 'dataFolder'>): Promise<GatewayFiles> {
  return GatewayFiles.load((rel) => readIfPresent(join(deployment.dataFolder, rel)));
}
