/**
 * The data folder recorded on our container, read with one plain Engine API call:
 * `config list` and `route list` need only this.
 */
import { LABEL_DATA_FOLDER, LABEL_MANAGED } from './container.js';
import { connectLightEngine, inspectContainer } from './light-engine.js';

/** No engine, or no such container of ours, gives undefined. */
export async function containerDataFolder(name: string): Promise<string | undefined> {
  const engine = await connectLightEngine();
  const info = engine && (await inspectContainer(engine, name).catch(() => undefined));
  const labels = info?.Config.Labels ?? {};
  return labels[LABEL_MANAGED] === 'true' ? labels[LABEL_DATA_FOLDER] : undefined;
}
