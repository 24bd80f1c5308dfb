import path from 'node:path';
import type Dockerode from 'dockerode';
import { OperationalError } from '../core/errors.js';
import { engineFailure, statusOf } from './engine-errors.js';

export const LABEL_MANAGED = 'io.higress.get-ai-gateway.managed';
export const LABEL_DATA_FOLDER = 'io.higress.get-ai-gateway.data-folder';
export const LABEL_VERSION = 'io.higress.get-ai-gateway.version';
export const LABEL_BIND = 'io.higress.get-ai-gateway.bind-address';

export interface ContainerPlan {
  name: string;
  image: string;
  bindAddress: string;
  /** The gateway listens inside on the same numbers, so host port = container port. */
  ports: { http: number; https: number; console: number };
  /** Absolute host path. */
  dataFolder: string;
  env: Record<string, string>;
  labels: Record<string, string>;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface PublishedPort {
  containerPort: number;
  protocol: string;
  hostIp: string;
  hostPort: number;
}

export interface ContainerSummary {
  id: string;
  name: string;
  state: ContainerState;
  managed: boolean;
  labels: Record<string, string>;
  /** The reference the container was created from, as given at creation. */
  image: string;
  ports: PublishedPort[];
  /** ISO time of the last start; undefined if never started. */
  startedAt?: string;
  inspect: Dockerode.ContainerInspectInfo;
}

/** The labels that mark a container as ours and record how it was made. */
export function managedLabels(info: { dataFolder: string; version: string; bindAddress: string }): Record<string, string> {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_DATA_FOLDER]: info.dataFolder,
    [LABEL_VERSION]: info.version,
    [LABEL_BIND]: info.bindAddress,
  };
}

export function toCreateOptions(plan: ContainerPlan): Dockerode.ContainerCreateOptions {
  const ports = [plan.ports.http, plan.ports.https, plan.ports.console];
  return {
    name: plan.name,
    Image: plan.image,
    Env: Object.entries(plan.env).map(([key, value]) => `${key}=${value}`),
    ExposedPorts: Object.fromEntries(ports.map((port) => [`${port}/tcp`, {}])),
    HostConfig: {
      PortBindings: Object.fromEntries(
        ports.map((port) => [`${port}/tcp`, [{ HostIp: plan.bindAddress, HostPort: String(port) }]]),
      ),
      RestartPolicy: { Name: 'always' },
      Binds: [`${plan.dataFolder}:/data`, `${path.join(plan.dataFolder, 'logs')}:/var/log/proxy`],
    },
    Labels: { ...plan.labels },
  };
}

/** The container with exactly this name, or null. */
export async function findContainer(docker: Dockerode, name: string): Promise<ContainerSummary | null> {
  let info: Dockerode.ContainerInspectInfo;
  try {
    info = await docker.getContainer(name).inspect();
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw engineFailure(`could not look up container ${name}`, error);
  }
  // The engine also resolves ID prefixes; "abc" must not find a container whose ID starts with abc.
  if (info.Name !== `/${name}` && info.Id !== name) return null;
  return summarise(info);
}

function summarise(info: Dockerode.ContainerInspectInfo): ContainerSummary {
  const labels = info.Config?.Labels ?? {};
  const bindings = (info.HostConfig?.PortBindings ?? {}) as Record<string, Array<{ HostIp?: string; HostPort?: string }> | null>;
  const ports: PublishedPort[] = [];
  for (const [key, hosts] of Object.entries(bindings)) {
    const [port, protocol = 'tcp'] = key.split('/');
    for (const host of hosts ?? []) {
      ports.push({ containerPort: Number(port), protocol, hostIp: host.HostIp ?? '', hostPort: Number(host.HostPort) });
    }
  }
  const startedAt = info.State?.StartedAt;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    state: info.State.Status as ContainerState,
    managed: labels[LABEL_MANAGED] === 'true',
    labels,
    image: info.Config?.Image ?? info.Image,
    ports,
    startedAt: startedAt && !startedAt.startsWith('0001-') ? startedAt : undefined,
    inspect: info,
  };
}

/** Creates and starts the gateway container; a container that fails to start is removed again. */
export async function createAndStart(docker: Dockerode, plan: ContainerPlan): Promise<{ id: string }> {
  let container: Dockerode.Container;
  try {
    container = await docker.createContainer(toCreateOptions(plan));
  } catch (error) {
    const status = statusOf(error);
    if (status === 409) {
      throw engineFailure(`a container named ${plan.name} already exists`, error, 'Start or remove the existing container, or choose another container name.');
    }
    if (status === 404) {
      throw engineFailure(`image ${plan.image} is not present`, error, 'Pull the image first.');
    }
    throw engineFailure(`could not create container ${plan.name}`, error);
  }

  try {
    await container.start();
  } catch (error) {
    await container.remove({ force: true }).catch(() => {});
    const ports = [plan.ports.http, plan.ports.https, plan.ports.console].join(', ');
    throw engineFailure(
      `could not start container ${plan.name}`,
      error,
      `Check that ports ${ports} are free on ${plan.bindAddress} and that Docker may share ${plan.dataFolder}.`,
    );
  }
  return { id: container.id };
}

export async function startContainer(docker: Dockerode, id: string): Promise<'started' | 'already-running'> {
  try {
    await docker.getContainer(id).start();
    return 'started';
  } catch (error) {
    if (statusOf(error) === 304) return 'already-running';
    throw lifecycleFailure('start', id, error);
  }
}

export async function stopContainer(
  docker: Dockerode,
  id: string,
  options: { timeoutSeconds?: number } = {},
): Promise<'stopped' | 'already-stopped'> {
  try {
    await docker.getContainer(id).stop(options.timeoutSeconds === undefined ? {} : { t: options.timeoutSeconds });
    return 'stopped';
  } catch (error) {
    if (statusOf(error) === 304) return 'already-stopped';
    throw lifecycleFailure('stop', id, error);
  }
}

export async function removeContainer(
  docker: Dockerode,
  id: string,
  options: { force?: boolean } = {},
): Promise<'removed' | 'not-found'> {
  try {
    await docker.getContainer(id).remove({ force: options.force ?? false });
    return 'removed';
  } catch (error) {
    const status = statusOf(error);
    if (status === 404) return 'not-found';
    if (status === 409) throw engineFailure(`could not remove container ${id}`, error, 'Stop the container first.');
    throw lifecycleFailure('remove', id, error);
  }
}

function lifecycleFailure(action: string, id: string, error: unknown): OperationalError {
  if (statusOf(error) === 404) return engineFailure(`container ${id} not found`, error);
  return engineFailure(`could not ${action} container ${id}`, error);
}
