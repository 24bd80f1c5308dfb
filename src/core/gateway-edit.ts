/**
 * One change to a live (or stopped) gateway: lock the data folder, read, change, commit through the write
 * protocol, then confirm the gateway reloaded. Every command that changes files goes through `editGateway`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkDataFolder, holdsNothingButOurLock, OUR_MARKER, removeCreatedFolders } from './data-folder-guard.js';
import { OperationalError, UsageError } from './errors.js';
import { FILES, GatewayFiles, MARKER_FILE, type FileChange } from './gateway-files.js';
import { listDataDir } from './gateway-read.js';
import { commandHint } from './command-line.js';
import type { Deployment } from './deployment.js';
import { commitChanges, readDataFile, withDataFolderLock, type InContainerOps } from './store/index.js';
import { errorMessage } from './store/paths.js';
import { formatSettings, parseSettings, SETTINGS_FILE, DEFAULT_SETTINGS, type Settings } from './settings.js';
import { phaseDone } from './timings.js';
import { ParseCache } from './parse-cache.js';

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
  /** False when no Docker engine answered: `running` is then unknown. */
  engine?: boolean;
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
  if (reload.engine === false) return 'No Docker engine answered, so the reload is not confirmed: a running gateway picks the change up from its files, a stopped one when it starts.';
  if (!reload.running) return 'The gateway is not running: it reads the change when it starts.';
  if (reload.confirmed) return `Hot-reloaded in ${reload.ms} ms (no restart).`;
  return `Written; the gateway did not confirm the reload within ${RELOAD_WAIT_MS / 1000} s. It usually follows; see ${commandHint('logs', deployment, '--component apiserver')}.`;
}

/**
 * `takeOver` (start): an upstream-made folder gets our marker, so it counts as ours from then on (purge).
 * A folder this call created is removed again when the change fails, but only if no other command wrote
 * into it meanwhile (decided under the lock); a lock timeout removes nothing.
 */
export async function editGateway<T>(
  deployment: Deployment,
  mutate: (ctx: EditContext) => Promise<T> | T,
  opts: { writeMode?: WriteMode; takeOver?: boolean } = {},
): Promise<EditResult<T>> {
  const { dataFolder } = deployment;
  checkDataFolder(dataFolder);
  const gatewayHere = existsSync(join(dataFolder, MARKER_FILE)) || existsSync(join(dataFolder, FILES.aiProxy));
  // Only `start` creates a gateway in the default place; other edits there need one to exist.
  if (deployment.source === 'default' && !gatewayHere) {
    throw new OperationalError(`no gateway configuration in ${dataFolder}`, {
      code: 'deployment.not-found',
      hint: `run ${commandHint('start')} first, or name the folder with --data-folder or the container with --container-name`,
    });
  }
  const created = await createFolder(dataFolder);
  phaseDone('start-up');
  // The engine is asked for the container, then for where the gateway's log ends, while the files are read and
  // changed (dockerd answers in 10-20 ms, all of it on the hot-reload path); both are awaited before the commit.
  const lookup = liveContainer(deployment, opts.writeMode ?? 'auto');
  const marking = lookup.then((found) => (found === 'no-engine' ? undefined : found?.logMark()));
  // Awaited below unless the change fails first; its error then is the one to report.
  marking.catch(() => undefined);
  const startedAt = Date.now();
  let removable = false;
  const outcome = await withDataFolderLock(dataFolder, async () => {
    try {
      const parsed = ParseCache.open(dataFolder);
      const files = await GatewayFiles.load((path) => readDataFile(dataFolder, path), { editable: true, list: listDataDir(dataFolder), parsed });
      const settingsText = await readDataFile(dataFolder, SETTINGS_FILE);
      const settings = settingsText === null ? { ...DEFAULT_SETTINGS, models: {} } : parseSettings(settingsText);
      phaseDone('lock, read, parse');
      const before = JSON.stringify(settings);
      const alsoWrite: FileChange[] = [];
      const result = await mutate({ files, settings, alsoWrite });
      await files.syncRoutes();
      const changes: FileChange[] = [...files.changes(), ...alsoWrite];
      phaseDone('change, serialise');
      if (settingsText === null || JSON.stringify(settings) !== before) changes.push({ path: SETTINGS_FILE, content: formatSettings(settings, settingsText ?? undefined) });
      // The marker also keeps the image's template from overwriting our files when the container first starts.
      const marker = await readDataFile(dataFolder, MARKER_FILE);
      if (changes.length > 0 && marker !== OUR_MARKER && (marker === null || opts.takeOver)) changes.push({ path: MARKER_FILE, content: OUR_MARKER });
      const found = await lookup;
      const live = found === 'no-engine' ? undefined : found;
      const mark = changes.length > 0 ? await marking : undefined;
      phaseDone('engine lookup, log mark');
      const inContainer = await live?.inContainer();
      await commitChanges(dataFolder, changes, inContainer ? { inContainer: { ops: inContainer, mountPoint: '/data' } } : {});
      phaseDone('commit');
      // Only a change writes anything, its kept parses too.
      if (changes.length > 0) parsed?.save(changes.map((c) => c.path), files.parsedChanges());
      return { result, changes, mark, found, live };
    } catch (error) {
      // Bad input changes nothing: not even a folder this call had to create for its lock.
      removable = created !== undefined && (await holdsNothingButOurLock(dataFolder).catch(() => false));
      throw error;
    }
  }).catch(async (error: unknown) => {
    if (removable) await removeCreatedFolders(dataFolder, created!);
    throw error;
  });
  const { found, live } = outcome;
  const changedResources = outcome.changes.filter((c) => c.path.endsWith('.yaml')).map((c) => c.path);
  let reload: ReloadReport = { running: Boolean(live), confirmed: false, unchanged: changedResources.length === 0, ...(found === 'no-engine' ? { engine: false } : {}) };
  if (live && changedResources.length > 0) {
    const confirmed = await live.confirmReload(changedResources, outcome.mark, RELOAD_WAIT_MS);
    reload = { running: true, confirmed, ms: confirmed ? Date.now() - startedAt : undefined };
    phaseDone('confirm');
  }
  return { result: outcome.result, changed: outcome.changes.map((c) => c.path), reload };
}

/**
 * mkdir -p of the data folder; the first folder it created, or undefined. A concurrent command that fails
 * removes a folder it created (editGateway), possibly between mkdir's own two looks (EEXIST, then stat:
 * ENOENT): the folder is then absent, and creating it again is the right answer, not an error.
 */
async function createFolder(dataFolder: string, attempts = 3): Promise<string | undefined> {
  try {
    return mkdirSync(dataFolder, { recursive: true, mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempts > 1 && existsSync(dirname(dataFolder))) return createFolder(dataFolder, attempts - 1);
    throw new OperationalError(`could not create the data folder ${dataFolder}: ${errorMessage(err)}`, { cause: err });
  }
}

interface LiveContainer {
  inContainer(): Promise<InContainerOps | undefined>;
  logMark(): Promise<number>;
  confirmReload(paths: string[], mark: number | undefined, waitMs: number): Promise<boolean>;
}

/** The running container of this deployment, if any; loads the Docker layer only when there is an engine. */
async function liveContainer(deployment: Deployment, writeMode: WriteMode): Promise<LiveContainer | 'no-engine' | undefined> {
  const { openLiveContainer } = await import('../docker/live-container.js');
  return openLiveContainer(deployment, writeMode);
}
