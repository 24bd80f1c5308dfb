// Kept free of dockerode: quick look-ups (label-lookup.ts) discover endpoints without loading it.
import { createHash } from 'node:crypto';
import path from 'node:path';

/** Where a Docker engine might answer, before we have tried it. */
export interface EngineEndpoint {
  source: 'DOCKER_HOST' | 'context' | 'socket';
  /** How the endpoint is named in messages, e.g. "DOCKER_HOST=tcp://h:2376" or "/var/run/docker.sock". */
  label: string;
  /** unix:///path, npipe:////./pipe/name, tcp://host:port or ssh://user@host. */
  host: string;
  /** A socket file to look for before dialling: missing means "not found", not a connection error. */
  socketFile?: string;
  /** TLS material as PEM text; verify=false accepts any server certificate (like `docker --tls`). */
  tls?: { ca?: string; cert?: string; key?: string; verify: boolean };
  /** Set when the endpoint is known to be unusable before dialling (bad DOCKER_HOST, missing context...). */
  problem?: string;
}

/** What engine discovery may look at; everything injectable so tests need no real machine. */
export interface EngineEnvironment {
  env: Record<string, string | undefined>;
  homeDir: string;
  platform: NodeJS.Platform;
  uid?: number;
  fileExists(file: string): Promise<boolean>;
  /** Text of a file, or undefined when it does not exist or cannot be read. */
  readTextFile(file: string): Promise<string | undefined>;
}

export interface StrategyResult {
  endpoints: EngineEndpoint[];
  /** When true, later strategies are not consulted (an explicit DOCKER_HOST must not fall back). */
  exclusive?: boolean;
}

export interface EngineStrategy {
  name: string;
  endpoints(env: EngineEnvironment): Promise<StrategyResult>;
}

export function dockerConfigDir(env: EngineEnvironment): string {
  return env.env.DOCKER_CONFIG || path.join(env.homeDir, '.docker');
}

const fromDockerHost: EngineStrategy = {
  name: 'DOCKER_HOST',
  async endpoints(env) {
    const host = env.env.DOCKER_HOST;
    if (!host) return { endpoints: [] };
    const tlsVerify = Boolean(env.env.DOCKER_TLS_VERIFY);
    const certDir = env.env.DOCKER_CERT_PATH || dockerConfigDir(env);
    const endpoint = await endpointFromHost(env, host, 'DOCKER_HOST', `DOCKER_HOST=${host}`, {
      wantTls: tlsVerify,
      verify: tlsVerify,
      certDir,
    });
    return { endpoints: [endpoint], exclusive: true };
  },
};

const fromContext: EngineStrategy = {
  name: 'docker context',
  async endpoints(env) {
    const configDir = dockerConfigDir(env);
    let name = env.env.DOCKER_CONTEXT;
    if (!name) {
      const config = parseJson(await env.readTextFile(path.join(configDir, 'config.json')));
      const current = isRecord(config) ? config.currentContext : undefined;
      name = typeof current === 'string' ? current : undefined;
    }
    if (!name || name === 'default') return { endpoints: [] };

    const label = `docker context "${name}"`;
    const digest = createHash('sha256').update(name).digest('hex');
    const metaFile = path.join(configDir, 'contexts', 'meta', digest, 'meta.json');
    const meta = parseJson(await env.readTextFile(metaFile));
    const docker = isRecord(meta) && isRecord(meta.Endpoints) ? meta.Endpoints.docker : undefined;
    const host = isRecord(docker) ? docker.Host : undefined;
    if (typeof host !== 'string' || host === '') {
      return { endpoints: [{ source: 'context', label, host: '', problem: `not found (no ${metaFile})` }] };
    }
    const skipVerify = isRecord(docker) && docker.SkipTLSVerify === true;
    const endpoint = await endpointFromHost(env, host, 'context', `${label} (${host})`, {
      wantTls: false,
      verify: !skipVerify,
      certDir: path.join(configDir, 'contexts', 'tls', digest, 'docker'),
    });
    return { endpoints: [endpoint] };
  },
};

const fromUsualSockets: EngineStrategy = {
  name: 'usual sockets',
  async endpoints(env) {
    if (env.platform === 'win32') {
      return { endpoints: [{ source: 'socket', label: 'npipe:////./pipe/docker_engine', host: 'npipe:////./pipe/docker_engine' }] };
    }
    const home = env.homeDir;
    const runtimeDir = env.env.XDG_RUNTIME_DIR || (env.uid !== undefined ? `/run/user/${env.uid}` : undefined);
    const files = [
      '/var/run/docker.sock',
      path.join(home, '.docker', 'run', 'docker.sock'),
      path.join(home, '.docker', 'desktop', 'docker.sock'),
      path.join(home, '.colima', 'default', 'docker.sock'),
      path.join(home, '.colima', 'docker.sock'),
      ...(runtimeDir ? [path.join(runtimeDir, 'docker.sock'), path.join(runtimeDir, 'podman', 'podman.sock')] : []),
      '/run/podman/podman.sock',
    ];
    return {
      endpoints: files.map((file) => ({ source: 'socket' as const, label: file, host: `unix://${file}`, socketFile: file })),
    };
  },
};

/** The order matters: explicit settings first, then the places engines usually listen. */
export const defaultStrategies: readonly EngineStrategy[] = [fromDockerHost, fromContext, fromUsualSockets];

/** Runs the strategies in order; endpoints with the same host are tried once. */
export async function discoverEndpoints(
  env: EngineEnvironment,
  strategies: readonly EngineStrategy[] = defaultStrategies,
): Promise<{ endpoints: EngineEndpoint[]; exclusive: boolean }> {
  const endpoints: EngineEndpoint[] = [];
  const seen = new Set<string>();
  for (const strategy of strategies) {
    const result = await strategy.endpoints(env);
    for (const endpoint of result.endpoints) {
      if (endpoint.host && seen.has(endpoint.host)) continue;
      if (endpoint.host) seen.add(endpoint.host);
      endpoints.push(endpoint);
    }
    if (result.exclusive) return { endpoints, exclusive: true };
  }
  return { endpoints, exclusive: false };
}

interface TlsSettings {
  /** TLS requested explicitly (DOCKER_TLS_VERIFY); otherwise TLS is used when certificates are present or the port is 2376. */
  wantTls: boolean;
  verify: boolean;
  certDir: string;
}

async function endpointFromHost(
  env: EngineEnvironment,
  host: string,
  source: EngineEndpoint['source'],
  label: string,
  tls: TlsSettings,
): Promise<EngineEndpoint> {
  const base = { source, label, host };
  const scheme = /^([a-z]+):\/\//i.exec(host)?.[1]?.toLowerCase();
  if (scheme === 'unix') {
    const file = host.slice('unix://'.length);
    return file ? { ...base, socketFile: file } : { ...base, problem: 'no socket path after unix://' };
  }
  if (scheme === 'npipe') {
    return host.length > 'npipe://'.length ? base : { ...base, problem: 'no pipe name after npipe://' };
  }
  if (scheme === 'ssh') return base;
  if (scheme !== undefined && scheme !== 'tcp' && scheme !== 'http' && scheme !== 'https') {
    return { ...base, problem: `unsupported scheme ${scheme}://` };
  }

  let url: URL;
  try {
    url = new URL(scheme ? host.replace(/^[a-z]+:/i, 'tcp:') : `tcp://${host}`);
  } catch {
    return { ...base, problem: 'not a valid address (expected e.g. tcp://127.0.0.1:2375)' };
  }
  if (!url.hostname) return { ...base, problem: 'no host name' };

  const [ca, cert, key] = await Promise.all(
    ['ca.pem', 'cert.pem', 'key.pem'].map((f) => env.readTextFile(path.join(tls.certDir, f))),
  );
  const useTls = tls.wantTls || scheme === 'https' || url.port === '2376' || Boolean(cert && key);
  if (!useTls) return base;
  if (tls.verify && tls.wantTls && !ca) {
    return { ...base, problem: `TLS verification requested but ${path.join(tls.certDir, 'ca.pem')} is missing` };
  }
  return { ...base, tls: { ca, cert, key, verify: tls.verify } };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
