/**
 * The data folder is ours or refused: we write only into a folder that is new, empty, carries our marker
 * or has upstream's layout (take-over), and `delete --purge` removes only the files of a gateway folder.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { lstat, readdir, rm, rmdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, parse } from 'node:path';
import { OperationalError, UsageError } from './errors.js';
import { FILES, MARKER_FILE } from './gateway-files.js';
import { SETTINGS_FILE } from './settings.js';
import { LOCK_NAME, STATE_DIR, errorCode, errorMessage } from './store/paths.js';

/** Our marker's content. The image's template writes an empty marker of the same name (upstream folders). */
export const OUR_MARKER = 'configured by get-ai-gateway\n';

/**
 * The apiserver keeps each resource kind in `<root>/<lower-case plural>/` (higress-standalone
 * src/apiserver/pkg/registry/file_rest.go:74); these are the kinds its storage serves.
 */
const KIND_FOLDERS = [
  'configmaps', 'secrets', 'services', 'endpoints', 'endpointslices', 'namespaces', 'pods', 'nodes',
  'ingresses', 'ingressclasses', 'mcpbridges', 'wasmplugins', 'envoyfilters', 'http2rpcs',
  'gateways', 'gatewayclasses', 'httproutes', 'referencegrants', 'customresourcedefinitions',
  'mutatingwebhookconfigurations', 'validatingwebhookconfigurations',
];
/** Files and folders of a gateway data folder besides the kind folders. */
const LAYOUT_FILES = [SETTINGS_FILE, MARKER_FILE, LOCK_NAME, STATE_DIR, 'logs'];
/** Ours alone: a folder holding only these is still empty (a lock left by a command that failed). */
const MACHINERY = new Set([LOCK_NAME, STATE_DIR]);

export type FolderState = 'absent' | 'empty' | 'ours' | 'upstream';

const HINT = 'name a folder of its own with --data-folder, e.g. --data-folder ~/higress';

/** What the data folder is; throws a UsageError for a file, a dangling symlink, `/`, the home folder or someone else's folder. */
export function checkDataFolder(folder: string): FolderState {
  try {
    return inspectDataFolder(folder);
  } catch (err) {
    // Gone between two looks: a concurrent command that failed removed the folder it had created.
    if (errorCode(err) === 'ENOENT') return 'absent';
    throw err;
  }
}

function inspectDataFolder(folder: string): FolderState {
  let entry;
  try {
    entry = lstatSync(folder);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return 'absent';
    if (errorCode(err) === 'ENOTDIR') throw new UsageError(`the data folder ${folder} is inside a file, not a folder`, { hint: HINT });
    throw new OperationalError(`could not open the data folder ${folder}: ${errorMessage(err)}`, { cause: err });
  }
  if (entry.isSymbolicLink()) {
    try {
      statSync(folder);
    } catch {
      throw new UsageError(`the data folder ${folder} is a symlink to nothing`, { hint: `point it at a folder, or ${HINT}` });
    }
  }
  if (!statSync(folder).isDirectory()) throw new UsageError(`the data folder ${folder} is a file, not a folder`, { hint: HINT });
  const real = realpathSync(folder);
  if (real === parse(real).root) throw new UsageError(`refusing to use ${folder} as the data folder: it is the file system root`, { hint: HINT });
  if (real === realHome()) throw new UsageError(`refusing to use ${folder} as the data folder: it is your home folder`, { hint: HINT });
  const names = readdirSync(real).filter((name) => !MACHINERY.has(name));
  if (names.length === 0) return 'empty';
  if (markerText(real) === OUR_MARKER) return 'ours';
  if (names.includes(MARKER_FILE) || names.includes(SETTINGS_FILE) || names.includes(FILES.aiProxy.split('/')[0]!)) return 'upstream';
  throw new UsageError(`the data folder ${folder} is not empty and holds no gateway configuration; nothing was written`, {
    hint: `choose a new or empty folder with --data-folder (a gateway folder has ${MARKER_FILE} or ${SETTINGS_FILE})`,
  });
}

function realHome(): string | undefined {
  try {
    return realpathSync(homedir());
  } catch {
    return undefined;
  }
}

function markerText(folder: string): string | null {
  try {
    return readFileSync(join(folder, MARKER_FILE), 'utf8');
  } catch {
    return null;
  }
}

/** Refuses anything but a folder with our marker; `/` and the home folder never qualify. */
export function checkPurgeable(folder: string): void {
  const state = checkDataFolder(folder);
  if (state === 'ours' || state === 'absent') return;
  throw new UsageError(`--purge: ${folder} does not carry get-ai-gateway's marker; not deleting it`, {
    hint: state === 'upstream' ? 'take it over first with get-ai-gateway start --data-folder, or delete it yourself' : 'delete it yourself if it is really a gateway folder',
  });
}

/**
 * Deletes the files of a gateway folder's layout (resource files in the kind folders, logs, settings,
 * marker, lock, our state) and the folder once empty. Returns what it left (not ours), by name.
 */
export async function purgeDataFolder(folder: string): Promise<string[]> {
  for (const kind of KIND_FOLDERS) {
    const dir = join(folder, kind);
    for (const e of await entries(dir)) {
      // Resource files and their temps only; symlinks are removed as links (never followed).
      if ((e.isFile() || e.isSymbolicLink()) && /\.yaml(\.tmp)?$/.test(e.name)) await rm(join(dir, e.name), { force: true });
    }
    await rmdir(dir).catch(() => undefined); // kept when something else is in it
  }
  for (const name of LAYOUT_FILES) await rm(join(folder, name), { recursive: true, force: true });
  const left = (await entries(folder)).map((e) => e.name).sort();
  if (left.length === 0) await rmdir(folder);
  return left;
}

async function entries(dir: string): Promise<Dirent[]> {
  try {
    if (!(await lstat(dir)).isDirectory()) return [];
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') return [];
    throw err;
  }
}

/**
 * After a failed change, under the lock: true when the folder holds nothing but our lock and an empty
 * state folder, i.e. no other command wrote into it; the state folder is then removed.
 */
export async function holdsNothingButOurLock(folder: string): Promise<boolean> {
  const names = (await entries(folder)).map((e) => e.name);
  if (names.some((name) => !MACHINERY.has(name))) return false;
  const state = join(folder, STATE_DIR);
  const inside = await entries(state);
  if (inside.some((e) => e.name !== 'staging' || !e.isDirectory())) return false;
  if ((await entries(join(state, 'staging'))).length > 0) return false;
  await rm(state, { recursive: true, force: true });
  return true;
}

/** Removes the empty folders from `folder` up to `created` (the first one this command made); stops at one not empty. */
export async function removeCreatedFolders(folder: string, created: string): Promise<void> {
  for (let dir = folder; dir.startsWith(created); dir = join(dir, '..')) {
    try {
      await rmdir(dir);
    } catch {
      return; // not empty (another command wrote meanwhile), or gone: leave it
    }
    if (dir === created) return;
  }
}
