/**
 * Our containers and the data folders on their labels, read with one plain Engine API call: the resolver
 * needs only this, and `config list`/`route list` must not pay for dockerode.
 */
import { LABEL_DATA_FOLDER, LABEL_MANAGED } from './container.js';
import { connectLightEngine } from './light-engine.js';

interface ListedContainer {
  Names?: string[];
  Labels?: Record<string, string>;
}

/** Every container carrying our labels; undefined when no engine answers. */
export async function labelledContainers(): Promise<{ name: string; dataFolder: string }[] | undefined> {
  const engine = await connectLightEngine();
  if (!engine) return undefined;
  const filters = encodeURIComponent(JSON.stringify({ label: [`${LABEL_MANAGED}=true`] }));
  const res = await engine.request('GET', `/containers/json?all=1&filters=${filters}`).catch(() => undefined);
  if (res?.status !== 200) return undefined;
  const listed = JSON.parse(res.body.toString('utf8')) as ListedContainer[];
  return listed.flatMap((c) => {
    const name = c.Names?.[0]?.replace(/^\//, '');
    const dataFolder = c.Labels?.[LABEL_DATA_FOLDER];
    return name && dataFolder ? [{ name, dataFolder }] : [];
  });
}
