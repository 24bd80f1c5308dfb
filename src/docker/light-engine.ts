/**
 * A few plain Engine API calls over node:http, for the hot paths (`config`/`route` edits and listings):
 * loading dockerode costs more than the whole edit. Anything beyond inspect and archive reads uses dockerode.
 */
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { discoverEndpoints, type EngineEndpoint } from './endpoints.js';

export interface EngineResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface LightEngine {
  endpoint: EngineEndpoint;
  /** From `/version`, asked as the engine is chosen and awaited only by who needs it (the write mode, at commit). */
  isDockerDesktop(): Promise<boolean>;
  request(method: 'GET' | 'HEAD', path: string, timeoutMs?: number): Promise<EngineResponse>;
}

function send(endpoint: EngineEndpoint, method: string, path: string, timeoutMs: number): Promise<EngineResponse> {
  return new Promise((resolve, reject) => {
    const scheme = /^([a-z]+):\/\//i.exec(endpoint.host)?.[1]?.toLowerCase();
    let req;
    if (scheme === 'unix' || scheme === 'npipe') {
      const socketPath = scheme === 'unix' ? endpoint.host.slice('unix://'.length) : endpoint.host.slice('npipe://'.length).replace(/\//g, '\\');
      // servername: Node's agent otherwise works one out from the host, through a large IPv6 regular expression
      // that costs the first request 4 ms to compile; a socket has no TLS name.
      req = httpRequest({ socketPath, path, method, timeout: timeoutMs, servername: '' } as RequestOptions);
    } else {
      const url = new URL(endpoint.host.replace(/^[a-z]+:/i, 'http:'));
      const options = { host: url.hostname, port: Number(url.port || (endpoint.tls ? 2376 : 2375)), path, method, timeout: timeoutMs };
      const { tls } = endpoint;
      req = tls ? httpsRequest({ ...options, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.verify }) : httpRequest(options);
    }
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The first engine that answers `/_ping`; undefined when none does or it needs a client we do not have here
 * (ssh). `alongside` is asked of each candidate at the same time (one round trip less on the hot-reload path);
 * its answer is kept only from the engine chosen.
 */
export async function connectLightEngine(timeoutMs = 1500, alongside?: string): Promise<(LightEngine & { alongside?: Promise<EngineResponse> }) | undefined> {
  const { endpoints } = await discoverEndpoints({
    env: process.env,
    homeDir: homedir(),
    platform: process.platform,
    fileExists: async (file) => existsSync(file),
    readTextFile: async (file) => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return undefined;
      }
    },
  });
  for (const endpoint of endpoints) {
    if (endpoint.problem || endpoint.host.startsWith('ssh://')) continue;
    if (endpoint.socketFile && !existsSync(endpoint.socketFile)) continue;
    const early = alongside === undefined ? undefined : send(endpoint, 'GET', alongside, timeoutMs);
    early?.catch(() => {}); // awaited by the caller, if this engine is chosen
    // `/_ping` answers at once; dockerd takes 10-15 ms over `/version`, which is on the hot-reload path.
    const version = send(endpoint, 'GET', '/version', timeoutMs);
    version.catch(() => {});
    const ping = await send(endpoint, 'GET', '/_ping', timeoutMs).catch(() => undefined);
    if (ping?.status !== 200) continue;
    const platform = version.then(
      (res) => (res.status === 200 ? ((JSON.parse(res.body.toString('utf8')) as { Platform?: { Name?: string } }).Platform?.Name ?? '') : ''),
      () => '',
    );
    return {
      endpoint,
      isDockerDesktop: async () => (await platform).includes('Docker Desktop'),
      request: (method, path, ms = timeoutMs) => send(endpoint, method, path, ms),
      alongside: early,
    };
  }
  return undefined;
}

export interface ContainerInfo {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean };
  Config: { Labels?: Record<string, string> };
}

export const inspectPath = (name: string) => `/containers/${encodeURIComponent(name)}/json`;

/** The container with exactly this name, or undefined (`answer`: inspectPath's answer, when already asked). */
export async function inspectContainer(engine: LightEngine, name: string, answer?: Promise<EngineResponse>): Promise<ContainerInfo | undefined> {
  const res = await (answer ?? engine.request('GET', inspectPath(name)));
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`inspect ${name}: HTTP ${res.status}`);
  const info = JSON.parse(res.body.toString('utf8')) as ContainerInfo;
  return info.Name === `/${name}` ? info : undefined;
}

/** Size of a file inside the container, from the archive endpoint's stat header (no process is started). */
export async function fileSizeInContainer(engine: LightEngine, id: string, path: string): Promise<number | undefined> {
  const res = await engine.request('HEAD', `/containers/${id}/archive?path=${encodeURIComponent(path)}`);
  const header = res.headers['x-docker-container-path-stat'];
  if (res.status !== 200 || typeof header !== 'string') return undefined;
  return (JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { size?: number }).size;
}

/** A regular file's bytes inside the container, via the archive endpoint. */
export async function fileInContainer(engine: LightEngine, id: string, path: string): Promise<Buffer | undefined> {
  const res = await engine.request('GET', `/containers/${id}/archive?path=${encodeURIComponent(path)}`);
  if (res.status !== 200) return undefined;
  const { firstTarEntry } = await import('./container-io.js');
  const entry = firstTarEntry(res.body);
  return entry?.kind === 'file' ? entry.content : undefined;
}
