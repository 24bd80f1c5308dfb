import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OperationalError } from '../../../src/core/errors.js';
import { discoverEndpoints, type EngineEndpoint, type EngineEnvironment } from '../../../src/docker/endpoints.js';
import { compareApiVersions, connectEngine, createDockerClient } from '../../../src/docker/engine.js';

type Behaviour = { api?: string; os?: string } | { error: Record<string, unknown> } | 'hang';

/** A machine with some socket files and engines that behave as told, keyed by endpoint host. */
function machine(options: {
  env?: Record<string, string>;
  files?: string[];
  texts?: Record<string, string>;
  platform?: NodeJS.Platform;
  engines?: Record<string, Behaviour>;
}) {
  const dialled: string[] = [];
  const environment: EngineEnvironment = {
    env: options.env ?? {},
    homeDir: '/home/u',
    platform: options.platform ?? 'linux',
    uid: 1000,
    fileExists: async (f) => (options.files ?? []).includes(f),
    readTextFile: async (f) => options.texts?.[f],
  };
  const createClient = (endpoint: EngineEndpoint) => {
    dialled.push(endpoint.host);
    const behaviour = options.engines?.[endpoint.host] ?? { error: { code: 'ECONNREFUSED', syscall: 'connect' } };
    const answer = async <T>(value: T): Promise<T> => {
      if (behaviour === 'hang') return new Promise<T>(() => {});
      if ('error' in behaviour) throw Object.assign(new Error('text that must not matter'), behaviour.error);
      return value;
    };
    const ok = behaviour !== 'hang' && !('error' in behaviour) ? behaviour : {};
    return {
      version: () => answer({ ApiVersion: ok.api ?? '1.45', Version: '27.0.0', Os: 'linux', Arch: 'amd64' }),
      info: () => answer({ OperatingSystem: ok.os ?? 'Debian GNU/Linux 12' }),
    } as unknown as Dockerode;
  };
  const connect = () => connectEngine({ environment, createClient, probeTimeoutMs: 50 });
  return { environment, dialled, connect };
}

async function failure(promise: Promise<unknown>): Promise<OperationalError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OperationalError);
  return error as OperationalError;
}

describe('engine discovery', () => {
  it('tries the usual sockets in order and uses the first that answers, skipping missing files', async () => {
    const m = machine({
      files: ['/home/u/.docker/run/docker.sock', '/home/u/.colima/default/docker.sock'],
      engines: { 'unix:///home/u/.colima/default/docker.sock': {} },
    });
    const engine = await m.connect();
    expect(engine.endpoint).toBe('unix:///home/u/.colima/default/docker.sock');
    expect(engine.source).toBe('socket');
    expect(engine.version.apiVersion).toBe('1.45');
    expect(m.dialled).toEqual(['unix:///home/u/.docker/run/docker.sock', 'unix:///home/u/.colima/default/docker.sock']);
  });

  it('lists every socket it looked for, in order, including rootless and podman ones', async () => {
    const m = machine({ env: { XDG_RUNTIME_DIR: '/run/user/1000' } });
    const { endpoints, exclusive } = await discoverEndpoints(m.environment);
    expect(exclusive).toBe(false);
    expect(endpoints.map((e) => e.label)).toEqual([
      '/var/run/docker.sock',
      '/home/u/.docker/run/docker.sock',
      '/home/u/.docker/desktop/docker.sock',
      '/home/u/.colima/default/docker.sock',
      '/home/u/.colima/docker.sock',
      '/run/user/1000/docker.sock',
      '/run/user/1000/podman/podman.sock',
      '/run/podman/podman.sock',
    ]);
  });

  it('uses the named pipe on Windows', async () => {
    const m = machine({ platform: 'win32', engines: { 'npipe:////./pipe/docker_engine': {} } });
    expect((await m.connect()).endpoint).toBe('npipe:////./pipe/docker_engine');
  });

  it('names every attempt in one error when nothing answers', async () => {
    const m = machine({ files: ['/var/run/docker.sock'] });
    const error = await failure(m.connect());
    expect(error.message).toMatch(/^Docker engine not reachable \(tried \/var\/run\/docker\.sock: connect ECONNREFUSED; \/home\/u\/\.docker\/run\/docker\.sock: not found; /);
    expect(error.message).toContain('/run/podman/podman.sock: not found)');
    expect(error.hint).toMatch(/Start Docker/);
    expect(error.exitCode).toBe(1);
  });

  it('does not fall back to other sockets when DOCKER_HOST is set, and says so', async () => {
    const m = machine({
      env: { DOCKER_HOST: 'unix:///x.sock' },
      files: ['/var/run/docker.sock'],
      engines: { 'unix:///x.sock': { error: { code: 'ENOENT', syscall: 'connect' } }, 'unix:///var/run/docker.sock': {} },
    });
    const error = await failure(m.connect());
    expect(error.message).toBe(
      'Docker engine not reachable (tried DOCKER_HOST=unix:///x.sock: connect ENOENT; other endpoints not tried because DOCKER_HOST is set)',
    );
    expect(error.hint).toMatch(/unset DOCKER_HOST/);
    expect(m.dialled).toEqual(['unix:///x.sock']);
  });

  it('reads TLS settings for a tcp DOCKER_HOST', async () => {
    const m = machine({
      env: { DOCKER_HOST: 'tcp://build:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' },
      texts: { '/certs/ca.pem': 'CA', '/certs/cert.pem': 'CERT', '/certs/key.pem': 'KEY' },
    });
    const { endpoints } = await discoverEndpoints(m.environment);
    expect(endpoints).toEqual([
      {
        source: 'DOCKER_HOST',
        label: 'DOCKER_HOST=tcp://build:2376',
        host: 'tcp://build:2376',
        tls: { ca: 'CA', cert: 'CERT', key: 'KEY', verify: true },
      },
    ]);
  });

  it('reports a malformed DOCKER_HOST without dialling', async () => {
    const m = machine({ env: { DOCKER_HOST: 'ftp://x' } });
    const error = await failure(m.connect());
    expect(error.message).toContain('DOCKER_HOST=ftp://x: unsupported scheme ftp://');
    expect(m.dialled).toEqual([]);
  });

  it('gives the docker group hint on EACCES', async () => {
    const m = machine({
      files: ['/var/run/docker.sock'],
      engines: { 'unix:///var/run/docker.sock': { error: { code: 'EACCES', syscall: 'connect' } } },
    });
    const error = await failure(m.connect());
    expect(error.message).toContain('/var/run/docker.sock: connect EACCES');
    expect(error.hint).toContain('add your user to the docker group (sudo usermod -aG docker $USER) and log in again');
  });

  it('refuses an engine whose API is older than 1.41', async () => {
    const m = machine({ files: ['/var/run/docker.sock'], engines: { 'unix:///var/run/docker.sock': { api: '1.40' } } });
    const error = await failure(m.connect());
    expect(error.message).toMatch(/^Docker engine not usable \(tried \/var\/run\/docker\.sock: API 1\.40, need 1\.41\+;/);
    expect(error.hint).toContain('Docker Engine too old (API 1.40, need 1.41+)');
  });

  it('gives up on an endpoint that does not answer in time', async () => {
    const m = machine({ files: ['/var/run/docker.sock'], engines: { 'unix:///var/run/docker.sock': 'hang' } });
    const error = await failure(m.connect());
    expect(error.message).toContain('/var/run/docker.sock: no answer within 50 ms');
  });

  it('recognises Docker Desktop from info()', async () => {
    const m = machine({
      files: ['/var/run/docker.sock'],
      engines: { 'unix:///var/run/docker.sock': { os: 'Docker Desktop' } },
    });
    expect((await m.connect()).isDockerDesktop).toBe(true);
  });

  it('compares API versions numerically', () => {
    expect(compareApiVersions('1.9', '1.41')).toBeLessThan(0);
    expect(compareApiVersions('1.41', '1.41')).toBe(0);
    expect(compareApiVersions('1.100', '1.41')).toBeGreaterThan(0);
    expect(compareApiVersions('', '1.41')).toBeLessThan(0);
  });
});

describe('docker contexts', () => {
  let home: string | undefined;
  afterEach(async () => {
    if (home) await rm(home, { recursive: true, force: true });
    home = undefined;
  });

  async function dockerHome(configDir: string, currentContext: string | undefined, contexts: Record<string, string>) {
    await mkdir(configDir, { recursive: true });
    if (currentContext) await writeFile(path.join(configDir, 'config.json'), JSON.stringify({ currentContext }));
    for (const [name, host] of Object.entries(contexts)) {
      const dir = path.join(configDir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'meta.json'), JSON.stringify({ Name: name, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
    }
  }

  function engines(answering: string) {
    const dialled: string[] = [];
    const createClient = (endpoint: EngineEndpoint) => {
      dialled.push(endpoint.host);
      const fail = endpoint.host !== answering;
      const answer = async <T>(v: T) => {
        if (fail) throw Object.assign(new Error('x'), { code: 'ECONNREFUSED', syscall: 'connect' });
        return v;
      };
      return { version: () => answer({ ApiVersion: '1.44' }), info: () => answer({}) } as unknown as Dockerode;
    };
    return { dialled, createClient };
  }

  it('resolves currentContext from ~/.docker/config.json through the meta folder', async () => {
    home = await mkdtemp(path.join(tmpdir(), 'gag-engine-'));
    await dockerHome(path.join(home, '.docker'), 'colima', { colima: 'unix:///tmp/colima-test.sock' });
    const e = engines('unix:///tmp/colima-test.sock');
    const engine = await connectEngine({ environment: { env: {}, homeDir: home, platform: 'linux' }, createClient: e.createClient });
    expect(engine.endpoint).toBe('unix:///tmp/colima-test.sock');
    expect(engine.source).toBe('context');
    expect(e.dialled).toEqual(['unix:///tmp/colima-test.sock']);
  });

  it('prefers DOCKER_CONTEXT and honours DOCKER_CONFIG', async () => {
    home = await mkdtemp(path.join(tmpdir(), 'gag-engine-'));
    const configDir = path.join(home, 'elsewhere');
    await dockerHome(configDir, 'a', { a: 'unix:///tmp/a.sock', b: 'tcp://10.0.0.2:2375' });
    const e = engines('tcp://10.0.0.2:2375');
    const engine = await connectEngine({
      environment: { env: { DOCKER_CONTEXT: 'b', DOCKER_CONFIG: configDir }, homeDir: home, platform: 'linux' },
      createClient: e.createClient,
    });
    expect(engine.endpoint).toBe('tcp://10.0.0.2:2375');
  });

  it('names a context whose metadata is missing, then falls back to the usual sockets', async () => {
    home = await mkdtemp(path.join(tmpdir(), 'gag-engine-'));
    await dockerHome(path.join(home, '.docker'), 'gone', {});
    const e = engines('none');
    const error = await failure(
      connectEngine({ environment: { env: {}, homeDir: home, platform: 'linux' }, createClient: e.createClient }),
    );
    expect(error.message).toMatch(/tried docker context "gone": not found \(no .*meta\.json\); \/var\/run\/docker\.sock: /);
  });

  it('ignores the "default" context', async () => {
    home = await mkdtemp(path.join(tmpdir(), 'gag-engine-'));
    await dockerHome(path.join(home, '.docker'), 'default', {});
    const { endpoints } = await discoverEndpoints({
      env: {},
      homeDir: home,
      platform: 'linux',
      fileExists: async () => false,
      readTextFile: async () => undefined,
    });
    expect(endpoints[0].source).toBe('socket');
  });
});

describe('createDockerClient', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('dials exactly the endpoint, whatever DOCKER_HOST the process has', () => {
    vi.stubEnv('DOCKER_HOST', 'tcp://elsewhere:2375');
    type ModemFields = { socketPath?: string; host?: string; port?: string | number; protocol?: string };
    const modemOf = (docker: Dockerode) => docker.modem as unknown as ModemFields;
    const unix = modemOf(createDockerClient({ source: 'socket', label: '/s.sock', host: 'unix:///s.sock' }));
    expect(unix.socketPath).toBe('/s.sock');
    expect(unix.host).toBeUndefined();
    const tcp = modemOf(createDockerClient({ source: 'DOCKER_HOST', label: 'x', host: 'tcp://10.1.2.3:2375' }));
    expect([tcp.host, String(tcp.port), tcp.protocol]).toEqual(['10.1.2.3', '2375', 'http']);
  });
});
