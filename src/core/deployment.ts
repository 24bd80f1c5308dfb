/**
 * The one resolver: which data folder and container every command works on.
 * Explicit `--container-name`/`--data-folder`, then the settings of `./higress` (or the named folder),
 * then the one container carrying our labels, then the defaults. None of this needs the container to run.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_SETTINGS, readSettingsIn, type Settings } from './settings.js';
import { MARKER_FILE } from './gateway-files.js';

export const DEFAULT_DATA_FOLDER = './higress';

/** Where the data folder came from: a flag, `./higress` of the current directory, a container's label, or the default. */
export type FolderSource = '--data-folder' | './higress' | 'container label' | 'default' | 'start';
/** Where the container name came from. */
export type NameSource = '--container-name' | 'default.cfg' | 'container label' | 'default';

export interface Deployment {
  dataFolder: string;
  containerName: string;
  /** How the data folder was found, for messages and for "may this command create it". */
  source: FolderSource;
  nameSource: NameSource;
}

export interface DeploymentOptions {
  containerName?: unknown;
  dataFolder?: unknown;
}

export function resolveDataFolder(value: string | undefined, cwd = process.cwd()): string {
  const folder = value ?? DEFAULT_DATA_FOLDER;
  return isAbsolute(folder) ? folder : resolve(cwd, folder);
}

/** A folder that holds a deployment: our settings file or our marker. */
export function holdsDeployment(dataFolder: string): boolean {
  return existsSync(join(dataFolder, 'default.cfg')) || existsSync(join(dataFolder, MARKER_FILE));
}

export interface LabelledContainer {
  name: string;
  dataFolder: string;
}

export interface ResolveDeps {
  cwd: string;
  /** Our containers (label `managed=true`), or undefined when no engine answers. */
  labelled(): Promise<LabelledContainer[] | undefined>;
}

const realDeps = (): ResolveDeps => ({
  cwd: process.cwd(),
  labelled: async () => (await import('../docker/label-lookup.js')).labelledContainers(),
});

const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

export async function resolveDeployment(options: DeploymentOptions, deps: ResolveDeps = realDeps()): Promise<Deployment> {
  const givenFolder = text(options.dataFolder);
  const givenName = text(options.containerName);
  const nameFrom = (settings: Settings | undefined): Pick<Deployment, 'containerName' | 'nameSource'> =>
    givenName
      ? { containerName: givenName, nameSource: '--container-name' }
      : settings
        ? { containerName: settings.containerName, nameSource: 'default.cfg' }
        : { containerName: DEFAULT_SETTINGS.containerName, nameSource: 'default' };

  if (givenFolder) {
    const dataFolder = resolveDataFolder(givenFolder, deps.cwd);
    const settings = readSettingsIn(dataFolder);
    if (!settings && !givenName) {
      // A folder without settings: the container that was created on it names itself.
      const ours = (await deps.labelled())?.find((c) => c.dataFolder === dataFolder);
      if (ours) return { dataFolder, containerName: ours.name, source: '--data-folder', nameSource: 'container label' };
    }
    return { dataFolder, ...nameFrom(settings), source: '--data-folder' };
  }

  // The implicit ./higress is the same folder named explicitly: its settings decide, when it holds a deployment.
  const here = resolveDataFolder(DEFAULT_DATA_FOLDER, deps.cwd);
  const hereSettings = readSettingsIn(here);
  if (holdsDeployment(here) && (!givenName || (hereSettings?.containerName ?? DEFAULT_SETTINGS.containerName) === givenName)) {
    return { dataFolder: here, ...nameFrom(hereSettings), source: './higress' };
  }

  const labelled = (await deps.labelled()) ?? [];
  if (givenName) {
    const named = labelled.find((c) => c.name === givenName);
    if (named) return { dataFolder: named.dataFolder, containerName: givenName, source: 'container label', nameSource: '--container-name' };
    return { dataFolder: here, containerName: givenName, source: 'default', nameSource: '--container-name' };
  }
  // One deployment on this engine is the one meant; of several, the default-named one (as before names existed).
  const only = labelled.length === 1 ? labelled[0] : labelled.find((c) => c.name === DEFAULT_SETTINGS.containerName);
  if (only) return { dataFolder: only.dataFolder, containerName: only.name, source: 'container label', nameSource: 'container label' };
  return { dataFolder: here, containerName: DEFAULT_SETTINGS.containerName, source: 'default', nameSource: 'default' };
}

/** A deployment as hints name it; without a container name, the one its folder's default.cfg gives. */
export type DeploymentRef = Pick<Deployment, 'dataFolder'> & { containerName?: string };

/**
 * The flags a later command needs to reach this deployment from the current directory. Decision: hints do not
 * lean on the label lookup (it stops finding "the one" container as soon as a second deployment exists), so
 * `--data-folder` is given unless the folder is `./higress` here, and `--container-name` unless the name is the
 * one that folder's `default.cfg` names (or the default when it has none).
 */
export function deploymentFlags(deployment: DeploymentRef, cwd = process.cwd()): string[] {
  const flags: string[] = [];
  if (resolve(deployment.dataFolder) !== resolveDataFolder(DEFAULT_DATA_FOLDER, cwd)) flags.push('--data-folder', shellQuote(deployment.dataFolder));
  const named = readSettingsIn(deployment.dataFolder)?.containerName ?? DEFAULT_SETTINGS.containerName;
  if (deployment.containerName !== undefined && deployment.containerName !== named) flags.push('--container-name', shellQuote(deployment.containerName));
  return flags;
}

export const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
