import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import https from 'node:https';
import Dockerode from 'dockerode';
import { OperationalError } from '../core/errors.js';
import {
  defaultStrategies,
  discoverEndpoints,
  type EngineEndpoint,
  type EngineEnvironment,
  type EngineStrategy,
} from './endpoints.js';

export const MIN_API_VERSION = '1.41';

export interface EngineVersion {
  apiVersion: string;
  version: string;
  os: string;
  arch: string;
}

export interface EngineConnection {
  docker: Dockerode;
  /** The address that answered, e.g. unix:///var/run/docker.sock. */
  endpoint: string;
  source: EngineEndpoint['source'];
  version: EngineVersion;
  /** Docker Desktop runs the engine in a VM that does not reliably see host file events. */
  isDockerDesktop: boolean;
}

export interface ConnectOptions {
  environment?: Partial<EngineEnvironment>;
  strategies?: readonly EngineStrategy[];
  /** Builds a client for an endpoint; tests inject fakes that implement version() and info(). */
  createClient?: (endpoint: EngineEndpoint) => Dockerode;
  probeTimeoutMs?: number;
  debug?: (message: string) => void;
}

interface Attempt {
  label: string;
  reason: string;
  code?: string;
  tooOldApi?: string;
}

/** Minimal view of the calls we use to confirm an engine; dockerode accepts abortSignal though its types omit it. */
interface ProbeClient {
  version(opts: { abortSignal: AbortSignal }): Promise<Record<string, unknown>>;
  info(opts: { abortSignal: AbortSignal }): Promise<Record<string, unknown>>;
}

export function defaultEnvironment(): EngineEnvironment {
  return {
    env: process.env,
    homeDir: homedir(),
    platform: process.platform,
    uid: process.getuid?.(),
    fileExists: (file) => fs.stat(file).then(() => true, () => false),
    readTextFile: (file) => fs.readFile(file, 'utf8').catch(() => undefined),
  };
}

/** Finds the first engine that answers, trying the strategies in order; one OperationalError if none does. */
export async function connectEngine(options: ConnectOptions = {}): Promise<EngineConnection> {
  const environment = { ...defaultEnvironment(), ...options.environment };
  const createClient = options.createClient ?? createDockerClient;
  const timeoutMs = options.probeTimeoutMs ?? 5000;
  const debug = options.debug ?? (() => {});

  const { endpoints, exclusive } = await discoverEndpoints(environment, options.strategies ?? defaultStrategies);
  const attempts: Attempt[] = [];
  for (const endpoint of endpoints) {
    const attempt = await tryEndpoint(endpoint, environment, createClient, timeoutMs);
    if ('docker' in attempt) {
      debug(`docker engine: using ${endpoint.label} (API ${attempt.version.apiVersion})`);
      return attempt;
    }
    debug(`docker engine: ${endpoint.label}: ${attempt.reason}`);
    attempts.push(attempt);
  }
  throw unreachableError(attempts, exclusive, environment);
}

async function tryEndpoint(
  endpoint: EngineEndpoint,
  environment: EngineEnvironment,
  createClient: (endpoint: EngineEndpoint) => Dockerode,
  timeoutMs: number,
): Promise<EngineConnection | Attempt> {
  const label = endpoint.label;
  if (endpoint.problem) return { label, reason: endpoint.problem };
  if (endpoint.source === 'socket' && endpoint.socketFile && !(await environment.fileExists(endpoint.socketFile))) {
    return { label, reason: 'not found' };
  }

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  // Raced as well as passed down, so a client that ignores the signal cannot hang discovery.
  const timedOut = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(new Error('timeout')));
  });
  try {
    const docker = createClient(endpoint);
    const probe = docker as unknown as ProbeClient;
    const raw = await Promise.race([probe.version({ abortSignal: controller.signal }), timedOut]);
    const version: EngineVersion = {
      apiVersion: String(raw.ApiVersion ?? ''),
      version: String(raw.Version ?? ''),
      os: String(raw.Os ?? ''),
      arch: String(raw.Arch ?? ''),
    };
    if (compareApiVersions(version.apiVersion, MIN_API_VERSION) < 0) {
      return { label, reason: `API ${version.apiVersion || 'unknown'}, need ${MIN_API_VERSION}+`, tooOldApi: version.apiVersion };
    }
    // info() only refines the answer; an engine that answers version() but not info() is still usable.
    const info = await Promise.race([probe.info({ abortSignal: controller.signal }), timedOut]).catch(
      () => ({}) as Record<string, unknown>,
    );
    const isDockerDesktop = String(info.OperatingSystem ?? '').includes('Docker Desktop');
    return { docker, endpoint: endpoint.host, source: endpoint.source, version, isDockerDesktop };
  } catch (error) {
    if (controller.signal.aborted) return { label, reason: `no answer within ${formatDuration(timeoutMs)}` };
    return { label, ...describeFailure(error) };
  } finally {
    clearTimeout(timer);
  }
}

function unreachableError(attempts: Attempt[], exclusive: boolean, environment: EngineEnvironment): OperationalError {
  const tried = attempts.map((a) => `${a.label}: ${a.reason}`);
  if (exclusive) tried.push('other endpoints not tried because DOCKER_HOST is set');
  const tooOld = attempts.find((a) => a.tooOldApi !== undefined);
  const denied = attempts.some((a) => a.code === 'EACCES' || a.code === 'EPERM');

  let hint: string;
  if (denied && environment.platform !== 'win32') {
    hint = 'Permission denied on the Docker socket: add your user to the docker group (sudo usermod -aG docker $USER) and log in again.';
  } else if (tooOld) {
    hint = `Docker Engine too old (API ${tooOld.tooOldApi || 'unknown'}, need ${MIN_API_VERSION}+): upgrade Docker.`;
  } else if (exclusive) {
    hint = 'Start the engine DOCKER_HOST points to, or unset DOCKER_HOST to use the local engine.';
  } else if (attempts.length === 0) {
    hint = 'Install Docker (or Podman) and start it.';
  } else {
    hint = 'Start Docker (Docker Desktop, `colima start`, `sudo systemctl start docker` or `podman machine start`) and try again.';
  }
  const what = tooOld && !denied ? 'Docker engine not usable' : 'Docker engine not reachable';
  return new OperationalError(`${what} (tried ${tried.join('; ') || 'nothing'})`, { hint, code: 'engine.unreachable' });
}

function describeFailure(error: unknown): { reason: string; code?: string } {
  const e = (error ?? {}) as { code?: unknown; syscall?: unknown; statusCode?: unknown; message?: unknown };
  if (typeof e.code === 'string') {
    return { reason: typeof e.syscall === 'string' ? `${e.syscall} ${e.code}` : e.code, code: e.code };
  }
  if (typeof e.statusCode === 'number') return { reason: `HTTP ${e.statusCode} (not a Docker engine?)` };
  return { reason: typeof e.message === 'string' && e.message ? e.message : String(error) };
}

/** Compares "1.41"-style API versions numerically; an unparsable version counts as lowest. */
export function compareApiVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^(\d+)\.(\d+)/.exec(v);
    return m ? [Number(m[1]), Number(m[2])] : [-1, -1];
  };
  const [aMajor, aMinor] = parse(a);
  const [bMajor, bMinor] = parse(b);
  return aMajor !== bMajor ? aMajor - bMajor : aMinor - bMinor;
}

/** Builds a dockerode client for one endpoint, overriding every setting docker-modem would take from process.env. */
export function createDockerClient(endpoint: EngineEndpoint): Dockerode {
  const cleared = { host: undefined, port: undefined, socketPath: undefined, protocol: undefined, ca: undefined, cert: undefined, key: undefined };
  const scheme = endpoint.host.slice(0, endpoint.host.indexOf('://')).toLowerCase();
  if (scheme === 'unix') return new Dockerode({ ...cleared, socketPath: endpoint.host.slice('unix://'.length) });
  if (scheme === 'npipe') return new Dockerode({ ...cleared, socketPath: endpoint.host.slice('npipe://'.length) });

  const url = new URL(scheme ? endpoint.host : `tcp://${endpoint.host}`);
  if (scheme === 'ssh') {
    return new Dockerode({
      ...cleared,
      protocol: 'ssh',
      host: url.hostname,
      port: url.port || 22,
      username: url.username || undefined,
      sshOptions: { agent: process.env.SSH_AUTH_SOCK },
    });
  }
  const tls = endpoint.tls;
  const options: Dockerode.DockerOptions & { pathPrefix: string; agent?: https.Agent } = {
    ...cleared,
    protocol: tls ? 'https' : 'http',
    host: url.hostname,
    port: url.port || (tls ? 2376 : 2375),
    pathPrefix: '/',
  };
  if (tls) {
    Object.assign(options, { ca: tls.ca, cert: tls.cert, key: tls.key });
    if (!tls.verify) options.agent = new https.Agent({ rejectUnauthorized: false, ca: tls.ca, cert: tls.cert, key: tls.key });
  }
  return new Dockerode(options);
}

function formatDuration(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}
