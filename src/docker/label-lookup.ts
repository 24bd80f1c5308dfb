/**
 * The data folder recorded on our container, read with one plain HTTP call to the engine.
 * `config list` and `route list` need only this, and loading dockerode would double their start-up time.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { readFile, stat } from 'node:fs/promises';
import { LABEL_DATA_FOLDER, LABEL_MANAGED } from './container.js';
import { discoverEndpoints, type EngineEndpoint } from './endpoints.js';


function getJson(endpoint: EngineEndpoint, path: string, timeoutMs: number): Promise<{ status: number; body: unknown } | undefined> {
  return new Promise((resolve) => {
    const scheme = /^([a-z]+):\/\//i.exec(endpoint.host)?.[1]?.toLowerCase();
    let req;
    if (scheme === 'unix' || scheme === 'npipe') {
      const socketPath = scheme === 'unix' ? endpoint.host.slice(7) : endpoint.host.slice(8).replace(/\//g, '\\');
      req = httpRequest({ socketPath, path, timeout: timeoutMs });
    } else if (scheme === 'tcp' || scheme === 'http' || scheme === 'https' || scheme === undefined) {
      const url = new URL(endpoint.host.replace(/^[a-z]+:/i, 'http:'));
      const options = { host: url.hostname, port: Number(url.port || 2375), path, timeout: timeoutMs };
      req = endpoint.tls
        ? httpsRequest({ ...options, ca: endpoint.tls.ca, cert: endpoint.tls.cert, key: endpoint.tls.key, rejectUnauthorized: endpoint.tls.verify })
        : httpRequest(options);
    } else {
      return resolve(undefined); // ssh: not worth a client here; the caller falls back to the default folder
    }
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: undefined });
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** The first engine that answers decides; no engine or no such container gives undefined. */
export async function containerDataFolder(name: string, timeoutMs = 1500): Promise<string | undefined> {
  const { endpoints } = await discoverEndpoints({
    env: process.env,
    homeDir: homedir(),
    platform: process.platform,
    fileExists: (file) => stat(file).then(() => true, () => false),
    readTextFile: (file) => readFile(file, 'utf8').catch(() => undefined),
  });
  for (const endpoint of endpoints) {
    if (endpoint.problem) continue;
    if (endpoint.socketFile && !(await stat(endpoint.socketFile).then(() => true, () => false))) continue;
    const answer = await getJson(endpoint, `/containers/${encodeURIComponent(name)}/json`, timeoutMs);
    if (!answer) continue;
    const info = answer.body as { Name?: string; Config?: { Labels?: Record<string, string> } } | undefined;
    if (answer.status !== 200 || info?.Name !== `/${name}`) return undefined;
    const labels = info.Config?.Labels ?? {};
    return labels[LABEL_MANAGED] === 'true' ? labels[LABEL_DATA_FOLDER] : undefined;
  }
  return undefined;
}
