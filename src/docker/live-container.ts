/** The running gateway seen from a file edit: where the final rename happens and how a reload is confirmed. */
import type { Deployment } from '../core/deployment.js';
import { OperationalError } from '../core/errors.js';
import type { WriteMode } from '../core/gateway-edit.js';
import type { InContainerOps } from '../core/store/index.js';
import { findContainer, LABEL_DATA_FOLDER } from './container.js';
import { realpathSync } from 'node:fs';
import { execInContainer } from './container-io.js';
import { connectEngine } from './engine.js';
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
  const engine = await connectEngine({ probeTimeoutMs: 1500 }).catch((error: unknown) => {
    if (writeMode === 'container') throw error;
    return undefined;
  });
  const container = engine ? await findContainer(engine.docker, deployment.containerName) : null;
  // Only the container that mounts this data folder: a default-named container of another deployment is not ours to reload.
  const mountsThisFolder = container && sameFolder(container.labels[LABEL_DATA_FOLDER], deployment.dataFolder);
  if (!engine || !container || container.state !== 'running' || !container.managed || !mountsThisFolder) {
    if (writeMode === 'container') {
      throw new OperationalError(`--write-mode container needs the running container ${deployment.containerName}`, {
        hint: 'start it with get-ai-gateway start, or use --write-mode host',
      });
    }
    return undefined;
  }
  const { docker } = engine;
  const run = async (cmd: string[]) => {
    const result = await execInContainer(docker, container.id, cmd);
    if (result.exitCode !== 0) throw new OperationalError(`${cmd.join(' ')} failed in the container: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
    return result.stdout;
  };
  const inside = writeMode === 'container' || (writeMode === 'auto' && engine.isDockerDesktop);
  const inContainer: InContainerOps | undefined = inside
    ? { rename: async (from, to) => void (await run(['mv', '-f', from, to])), remove: async (path) => void (await run(['rm', '-f', path])) }
    : undefined;
  return {
    inContainer,
    async logMark(): Promise<number> {
      const out = await run(['sh', '-c', `wc -l < ${APISERVER_LOG} 2>/dev/null || echo 0`]).catch(() => '0');
      return Number.parseInt(out.trim(), 10) || 0;
    },
    async confirmReload(paths: string[], mark: number | undefined, waitMs: number): Promise<boolean> {
      const seen = async () => {
        const text = await run(['tail', '-n', `+${(mark ?? 0) + 1}`, APISERVER_LOG]).catch(() => '');
        return eventsSeen(text, paths) ? true : undefined;
      };
      return waitUntil(seen, { timeoutMs: waitMs, intervalMs: 50, describe: 'the reload' }).catch((error: unknown) => {
        if (error instanceof WaitTimeoutError) return false;
        throw error;
      });
    },
  };
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
