import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderFreshDataFolder } from '../../src/core/start-plan.js';
import { planFromArgs } from './golden.js';

/** A data folder exactly as `start` renders it, written without Docker (for config/route tests). */
export async function renderDataFolder(dataFolder: string, startArgs: string[]): Promise<void> {
  const plan = planFromArgs(startArgs, { dataFolder });
  for (const file of await renderFreshDataFolder(plan)) {
    const path = join(dataFolder, file.path);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, file.content, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
}
