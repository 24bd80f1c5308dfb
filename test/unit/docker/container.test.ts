import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { OperationalError } from '../../../src/core/errors.js';
import {
  createAndStart,
  findContainer,
  LABEL_BIND,
  LABEL_DATA_FOLDER,
  LABEL_MANAGED,
  LABEL_VERSION,
  managedLabels,
  removeContainer,
  startContainer,
  stopContainer,
  toCreateOptions,
  type ContainerPlan,
} from '../../../src/docker/container.js';

const plan: ContainerPlan = {
  name: 'higress-ai-gateway',
  image: '127.0.0.1:5000/higress/all-in-one:latest',
  bindAddress: '127.0.0.1',
  ports: { http: 8080, https: 8443, console: 8001 },
  dataFolder: '/home/u/higress',
  env: { MODE: 'full', CONFIG_TEMPLATE: 'ai-gateway' },
  labels: managedLabels({ dataFolder: '/home/u/higress', version: '0.1.0', bindAddress: '127.0.0.1' }),
};

const engineError = (statusCode: number) => Object.assign(new Error(`(HTTP code ${statusCode})`), { statusCode });

describe('toCreateOptions', () => {
  it('produces exactly the create request', () => {
    const binding = (port: number) => [{ HostIp: '127.0.0.1', HostPort: String(port) }];
    expect(toCreateOptions(plan)).toStrictEqual({
      name: 'higress-ai-gateway',
      Image: '127.0.0.1:5000/higress/all-in-one:latest',
      Env: ['MODE=full', 'CONFIG_TEMPLATE=ai-gateway'],
      ExposedPorts: { '8080/tcp': {}, '8443/tcp': {}, '8001/tcp': {} },
      HostConfig: {
        PortBindings: { '8080/tcp': binding(8080), '8443/tcp': binding(8443), '8001/tcp': binding(8001) },
        RestartPolicy: { Name: 'always' },
        Binds: ['/home/u/higress:/data', '/home/u/higress/logs:/var/log/proxy'],
      },
      Labels: {
        'io.higress.get-ai-gateway.managed': 'true',
        'io.higress.get-ai-gateway.data-folder': '/home/u/higress',
        'io.higress.get-ai-gateway.version': '0.1.0',
        'io.higress.get-ai-gateway.bind-address': '127.0.0.1',
      },
    });
    expect([LABEL_MANAGED, LABEL_DATA_FOLDER, LABEL_VERSION, LABEL_BIND]).toEqual(Object.keys(plan.labels));
  });
});

function inspectInfo(overrides: { Name?: string; Id?: string; Status?: string; StartedAt?: string } = {}) {
  return {
    Id: overrides.Id ?? 'c0ffee',
    Name: overrides.Name ?? '/higress-ai-gateway',
    Image: 'sha256:123',
    State: { Status: overrides.Status ?? 'running', StartedAt: overrides.StartedAt ?? '2025-01-02T03:04:05Z' },
    Config: { Image: plan.image, Labels: plan.labels },
    HostConfig: { PortBindings: toCreateOptions(plan).HostConfig?.PortBindings },
  };
}

/** A container double whose calls fail with the given status codes. */
function fakeDocker(options: { inspect?: object | number; start?: number; stop?: number; remove?: number; create?: number } = {}) {
  const calls: string[] = [];
  const act = async (name: string, status: number | undefined, value: unknown = undefined) => {
    calls.push(name);
    if (status) throw engineError(status);
    return value;
  };
  const container = (id: string) => ({
    id,
    inspect: () =>
      typeof options.inspect === 'number' ? act('inspect', options.inspect) : act('inspect', undefined, options.inspect ?? inspectInfo()),
    start: () => act('start', options.start),
    stop: (o: unknown) => act(`stop ${JSON.stringify(o)}`, options.stop),
    remove: (o: unknown) => act(`remove ${JSON.stringify(o)}`, options.remove),
  });
  const docker = {
    getContainer: container,
    createContainer: async (opts: { name: string }) => {
      await act('create', options.create);
      return container('new-id');
    },
  } as unknown as Dockerode;
  return { docker, calls };
}

describe('findContainer', () => {
  it('summarises our container', async () => {
    const found = await findContainer(fakeDocker().docker, 'higress-ai-gateway');
    expect(found).toMatchObject({
      id: 'c0ffee',
      name: 'higress-ai-gateway',
      state: 'running',
      managed: true,
      image: plan.image,
      startedAt: '2025-01-02T03:04:05Z',
    });
    expect(found?.labels[LABEL_DATA_FOLDER]).toBe('/home/u/higress');
    expect(found?.ports).toContainEqual({ containerPort: 8443, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8443 });
  });

  it('returns null on 404 and for a container only matched by ID prefix', async () => {
    expect(await findContainer(fakeDocker({ inspect: 404 }).docker, 'x')).toBeNull();
    expect(await findContainer(fakeDocker({ inspect: inspectInfo({ Name: '/other', Id: 'abc123' }) }).docker, 'abc')).toBeNull();
  });

  it('leaves startedAt out for a container that never started', async () => {
    const docker = fakeDocker({ inspect: inspectInfo({ Status: 'created', StartedAt: '0001-01-01T00:00:00Z' }) }).docker;
    expect(await findContainer(docker, 'higress-ai-gateway')).toMatchObject({ state: 'created', startedAt: undefined });
  });

  it('raises other engine errors', async () => {
    await expect(findContainer(fakeDocker({ inspect: 500 }).docker, 'x')).rejects.toBeInstanceOf(OperationalError);
  });
});

describe('container lifecycle', () => {
  it('treats 304 as a state', async () => {
    expect(await startContainer(fakeDocker({ start: 304 }).docker, 'c')).toBe('already-running');
    expect(await startContainer(fakeDocker().docker, 'c')).toBe('started');
    expect(await stopContainer(fakeDocker({ stop: 304 }).docker, 'c')).toBe('already-stopped');
    expect(await stopContainer(fakeDocker().docker, 'c')).toBe('stopped');
  });

  it('passes the stop timeout and the force flag', async () => {
    const engine = fakeDocker();
    await stopContainer(engine.docker, 'c', { timeoutSeconds: 3 });
    await removeContainer(engine.docker, 'c', { force: true });
    expect(engine.calls).toEqual(['stop {"t":3}', 'remove {"force":true}']);
  });

  it('reports a missing container by status code', async () => {
    expect(await removeContainer(fakeDocker({ remove: 404 }).docker, 'c')).toBe('not-found');
    await expect(startContainer(fakeDocker({ start: 404 }).docker, 'c')).rejects.toThrow(/container c not found/);
    await expect(removeContainer(fakeDocker({ remove: 409 }).docker, 'c')).rejects.toMatchObject({ hint: 'Stop the container first.' });
  });

  it('creates and starts, and removes a container that fails to start', async () => {
    const good = fakeDocker();
    expect(await createAndStart(good.docker, plan)).toEqual({ id: 'new-id' });
    expect(good.calls).toEqual(['create', 'start']);

    const bad = fakeDocker({ start: 500 });
    const error = await createAndStart(bad.docker, plan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationalError);
    expect((error as OperationalError).message).toMatch(/^could not start container higress-ai-gateway: /);
    expect((error as OperationalError).hint).toContain('8080, 8443, 8001');
    expect(bad.calls).toEqual(['create', 'start', 'remove {"force":true}']);
  });

  it('explains a name conflict on create', async () => {
    await expect(createAndStart(fakeDocker({ create: 409 }).docker, plan)).rejects.toThrow(
      /^a container named higress-ai-gateway already exists/,
    );
  });
});
