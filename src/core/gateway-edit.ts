/**
 * One change to a live (or stopped) gateway: lock the data folder, read, change, commit through the write
 * protocol, then confirm the gateway reloaded. Every command that changes files goes through `editGateway`.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { OperationalError, UsageError } from './errors.js';
import { FILES, GatewayFiles, MARKER_FILE, type FileChange } from './gateway-files.js';
import { commandHint } from './command-line.js';
import type { Deployment } from './deployment.js';
import { commitChanges, readDataFile, withDataFolderLock, type InContainerOps } from './store/index.js';
import { formatSettings, parseSettings, SETTINGS_FILE, DEFAULT_SETTINGS, type Settings } from './settings.js';

export type WriteMode = 'auto' | 'host' | 'container';

export interface EditContext {
  files: GatewayFiles;
  settings: Settings;
  /** Other files to commit in the same all-or-nothing step (the marker). */
  alsoWrite: FileChange[];
}

export interface ReloadReport {
  /** No running container: the files are read when it starts. */
  running: boolean;
  confirmed: boolean;
  ms?: number;
  /** No gateway file changed: there is nothing to reload. */
  unchanged?: boolean;
}

export interface EditResult<T> {
  result: T;
  changed: string[];
  reload: ReloadReport;
}

export function parseWriteMode(value: unknown, env: NodeJS.ProcessEnv = process.env): WriteMode {
  const raw = String(value ?? env.GET_AI_GATEWAY_WRITE_MODE ?? 'auto');
  if (raw === 'auto' || raw === 'host' || raw === 'container') return raw;
  throw new UsageError(`--write-mode must be auto, host or container (got "${raw}")`);
}

const RELOAD_WAIT_MS = 2000;

/** The line every changing command ends with. */
export function describeReload(reload: ReloadReport, deployment: Pick<Deployment, 'dataFolder' | 'containerName'>): string {
  if (reload.unchanged) return 'Nothing changed: the gateway files already say this.';
  if (!reload.running) return 'The gateway is not running: it reads the change when it starts.';
  if (reload.confirmed) return `Hot-reloaded in ${reload.ms} ms (no restart).`;
  return `Written; the gateway did not confirm the reload within ${RELOAD_WAIT_MS / 1000} s. It usually follows; see ${commandHint('logs', deployment, '--component apiserver')}.`;
}

export async function editGateway<T>(
  deployment: Deployment,
  mutate: (ctx: EditContext) => Promise<T> | T,
  opts: { writeMode?: WriteMode } = {},
): Promise<EditResult<T>> {
  const { dataFolder } = deployment;
  const gatewayHere = existsSync(join(dataFolder, MARKER_FILE)) || existsSync(join(dataFolder, FILES.aiProxy));
  // Only `start` creates a gateway in the default place; other edits there need one to exist.
  if (deployment.source === 'default' && !gatewayHere) {
    throw new OperationalError(`no gateway configuration in ${dataFolder}`, {
      code: 'deployment.not-found',
      hint: `run ${commandHint('start')} first, or name the folder with --data-folder or the container with --container-name`,
    });
  }
  const folderExisted = existsSync(dataFolder);
  // The engine lookup and the editing parser load in parallel: both sit on the hot-reload path.
  const [live] = await Promise.all([liveContainer(deployment, opts.writeMode ?? 'auto'), import('yaml')]);
  const startedAt = Date.now();
  const outcome = await withDataFolderLock(dataFolder, async () => {
    const files = await GatewayFiles.load((path) => readDataFile(dataFolder, path), { editable: true });
    const settingsText = await readDataFile(dataFolder, SETTINGS_FILE);
    const settings = settingsText === null ? { ...DEFAULT_SETTINGS, models: {} } : parseSettings(settingsText);
    const before = JSON.stringify(settings);
    const alsoWrite: FileChange[] = [];
    const result = await mutate({ files, settings, alsoWrite });
    const changes: FileChange[] = [...files.changes(), ...alsoWrite];
    if (settingsText === null || JSON.stringify(settings) !== before) changes.push({ path: SETTINGS_FILE, content: formatSettings(settings, settingsText ?? undefined) });
    const mark = changes.length > 0 ? await live?.logMark() : undefined;
    await commitChanges(dataFolder, changes, live?.inContainer ? { inContainer: { ops: live.inContainer, mountPoint: '/data' } } : {});
    return { result, changes, mark };
  }).catch(async (error: unknown) => {
    // Bad input changes nothing: not even a folder this call had to create for its lock.
    if (!folderExisted) await rm(dataFolder, { recursive: true, force: true });
    throw error;
  });
  const changedResources = outcome.changes.filter((c) => c.path.endsWith('.yaml')).map((c) => c.path);
  let reload: ReloadReport = { running: Boolean(live), confirmed: false, unchanged: changedResources.length === 0 };
  if (live && changedResources.length > 0) {
    const confirmed = await live.confirmReload(changedResources, outcome.mark, RELOAD_WAIT_MS);
    reload = { running: true, confirmed, ms: confirmed ? Date.now() - startedAt : undefined };
  }
  return { result: outcome.result, changed: outcome.changes.map((c) => c.path), reload };
}

interface LiveContainer {
  inContainer?: InContainerOps;
  logMark(): Promise<number>;
  confirmReload(paths: string[], mark: number | undefined, waitMs: number): Promise<boolean>;
}

/** The running container of this deployment, if any; loads the Docker layer only when there is an engine. */
async function liveContainer(deployment: Deployment, writeMode: WriteMode): Promise<LiveContainer | undefined> {
  const { openLiveContainer } = await import('../docker/live-container.js');
  return openLiveContainer(deployment, writeMode);
}
