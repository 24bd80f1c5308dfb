/** The running gateway seen from a file edit: where the final rename happens and how a reload is confirmed. */
import { commandHint } from '../core/command-line.js';
import type { Deployment } from '../core/deployment.js';
import { OperationalError } from '../core/errors.js';
import type { WriteMode } from '../core/gateway-edit.js';
import type { InContainerOps } from '../core/store/index.js';
import { realpathSync } from 'node:fs';
import { LABEL_DATA_FOLDER, LABEL_MANAGED } from './container.js';
import { connectLightEngine, fileInContainer, fileSizeInContainer, inspectContainer, inspectPath } from './light-engine.js';
import { waitUntil, WaitTimeoutError } from './wait.js';

const APISERVER_LOG = '/var/log/higress/apiserver.log';

/** `wasmplugins/ai-proxy.internal.yaml` → the apiserver's event text `wasmplugins higress-system/ai-proxy.internal`. */
export function eventKey(path: string): string {
  const [kind, file] = path.split('/') as [string, string];
  return `${kind} higress-system/${file.replace(/\.yaml$/, '')}`;
}

export function eventsSeen(logText: string, paths: string[]): boolean {
  return paths.every((path) => new RegExp(`event (ADDED|MODIFIED|DELETED) ${escapeRegExp(eventKey(path))}(\\s|$)`, 'm').test(logText));
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function openLiveContainer(deployment: Deployment, writeMode: WriteMode) {
  const engine = await connectLightEngine(undefined, inspectPath(deployment.containerName));
  const container = engine && (await inspectContainer(engine, deployment.containerName, engine.alongside).catch(() => undefined));
  const labels = container?.Config.Labels ?? {};
  // Only the container that mounts this data folder: a default-named container of another deployment is not ours to reload.
  const ours = labels[LABEL_MANAGED] === 'true' && sameFolder(labels[LABEL_DATA_FOLDER], deployment.dataFolder);
  // No engine answered: whether the gateway runs is unknown (not the same as "not running").
  if (!engine && writeMode !== 'container') return 'no-engine' as const;
  if (!engine || !container?.State.Running || !ours) {
    if (writeMode === 'container') {
      throw new OperationalError(`--write-mode container needs the running container ${deployment.containerName}`, {
        code: 'container.not-running',
        hint: `start it with ${commandHint('start', deployment)}, or use --write-mode host`,
      });
    }
    return undefined;
  }
  let inContainer: Promise<InContainerOps | undefined> | undefined;
  return {
    /** Where the final renames run: inside the container on Docker Desktop (or when asked), else undefined (here). */
    inContainer(): Promise<InContainerOps | undefined> {
      return (inContainer ??= (async () => {
        const inside = writeMode === 'container' || (writeMode === 'auto' && (await engine.isDockerDesktop()));
        return inside ? inContainerOps(container.Id) : undefined;
      })());
    },
    /** Where the apiserver log ends now; events after it belong to this change. */
    async logMark(): Promise<number> {
      return (await fileSizeInContainer(engine, container.Id, APISERVER_LOG).catch(() => undefined)) ?? 0;
    },
    async confirmReload(paths: string[], mark: number | undefined, waitMs: number): Promise<boolean> {
      const seen = async () => {
        const log = await fileInContainer(engine, container.Id, APISERVER_LOG).catch(() => undefined);
        return log && eventsSeen(log.subarray(mark ?? 0).toString('utf8'), paths) ? true : undefined;
      };
      return waitUntil(seen, { timeoutMs: waitMs, intervalMs: 25, describe: 'the reload' }).catch((error: unknown) => {
        if (error instanceof WaitTimeoutError) return false;
        throw error;
      });
    },
  };
}

/** Renames and deletes run inside the container (its kernel fires the file events); needs the full client. */
async function inContainerOps(id: string): Promise<InContainerOps> {
  const [{ connectEngine }, { execInContainer }] = await Promise.all([import('./engine.js'), import('./container-io.js')]);
  const { docker } = await connectEngine({ probeTimeoutMs: 1500 });
  const run = async (cmd: string[]) => {
    const result = await execInContainer(docker, id, cmd);
    if (result.exitCode !== 0) throw new OperationalError(`${cmd.join(' ')} failed in the container: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
  };
  return { rename: (from, to) => run(['mv', '-f', from, to]), remove: (path) => run(['rm', '-f', path]) };
}

function sameFolder(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  return real(a) === real(b);
}
