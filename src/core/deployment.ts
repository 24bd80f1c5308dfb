/** Which data folder (and container) a `config`/`route`/operating command works on. */
import { resolveDataFolder, readSettingsIn, DEFAULT_DATA_FOLDER } from './start-plan.js';
import { DEFAULT_SETTINGS } from './settings.js';

export interface Deployment {
  dataFolder: string;
  containerName: string;
  /** How the data folder was found, for messages. */
  source: '--data-folder' | 'container label' | 'default' | 'start';
}

export interface DeploymentOptions {
  containerName?: string;
  dataFolder?: string;
}

/**
 * `--data-folder`, else the data folder recorded in the container's label, else ./higress.
 * None of this needs the container to run: the files are the configuration.
 */
export async function resolveDeployment(options: DeploymentOptions): Promise<Deployment> {
  if (options.dataFolder) {
    const dataFolder = resolveDataFolder(options.dataFolder);
    const containerName = options.containerName ?? readSettingsIn(dataFolder)?.containerName ?? DEFAULT_SETTINGS.containerName;
    return { dataFolder, containerName, source: '--data-folder' };
  }
  const containerName = options.containerName ?? DEFAULT_SETTINGS.containerName;
  const { containerDataFolder } = await import('../docker/label-lookup.js');
  const labelled = await containerDataFolder(containerName);
  if (labelled) return { dataFolder: labelled, containerName, source: 'container label' };
  return { dataFolder: resolveDataFolder(DEFAULT_DATA_FOLDER), containerName, source: 'default' };
}
