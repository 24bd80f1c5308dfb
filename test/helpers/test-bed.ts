// The real test bed written by test/bed/provision.sh (run by the e2e globalSetup): Docker engine, local
// registry and the gateway double image. Test equipment.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';

export interface TestBed {
  /** e.g. unix:///var/run/docker.sock */
  dockerHost: string;
  /** e.g. 127.0.0.1:5000 */
  registry: string;
  /** e.g. 127.0.0.1:5000/higress/all-in-one */
  imageRepo: string;
  /** e.g. double-0123456789ab */
  imageTag: string;
  /** the same image under a second repo, for mirror-fallback tests */
  mirrorRepo: string;
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BED_FILE = path.join(REPO_ROOT, '.test-bed', 'bed.json');

export function loadTestBed(): TestBed {
  let text: string;
  try {
    text = readFileSync(BED_FILE, 'utf8');
  } catch {
    throw new Error(`test bed not provisioned: ${BED_FILE} is missing; run test/bed/provision.sh`);
  }
  const bed = JSON.parse(text) as TestBed;
  for (const key of ['dockerHost', 'registry', 'imageRepo', 'imageTag', 'mirrorRepo'] as const) {
    if (typeof bed[key] !== 'string' || !bed[key]) {
      throw new Error(`${BED_FILE} has no "${key}"; run test/bed/provision.sh`);
    }
  }
  return bed;
}

/** `<imageRepo>:<imageTag>` */
export function doubleImage(bed: TestBed = loadTestBed()): string {
  return `${bed.imageRepo}:${bed.imageTag}`;
}

/** A dockerode client for the bed's engine. */
export function dockerFor(bed: TestBed = loadTestBed()): Docker {
  const host = bed.dockerHost;
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port) });
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `n` distinct free ports: all are held open together, so none is handed out twice. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** The arguments of `start` for a gateway on the double (name, data folder, free ports); a test adds its own flags. */
export async function doubleStart(bed: TestBed, name: string, dataFolder: string): Promise<{ args: string[]; http: number }> {
  const [http, https, consolePort] = await freePorts(3);
  const args = ['start', '--non-interactive', '--container-name', name, '--data-folder', dataFolder, '--image-repo', bed.imageRepo, '--image-tag', bed.imageTag,
    '--http-port', String(http), '--https-port', String(https), '--console-port', String(consolePort)];
  return { args, http: http! };
}

/**
 * Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`
 * with the last error or value in the message. No fixed sleeps in tests: wait for conditions.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 20_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Pulls `ref` from the bed's registry unless the engine already has it. */
export async function ensureImage(docker: Docker, ref: string): Promise<void> {
  try {
    await docker.getImage(ref).inspect();
    return;
  } catch {
    /* not here: pull */
  }
  const stream = await docker.pull(ref);
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
  );
}

/** Runs `cmd` in a running container (like `docker exec`), returning stdout, stderr and the exit code. */
export async function dockerExec(
  container: Docker.Container,
  cmd: string[],
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) => new Writable({ write: (c, _e, cb) => (into.push(Buffer.from(c)), cb()) });
  container.modem.demuxStream(stream, sink(out), sink(err));
  await new Promise<void>((resolve, reject) => {
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode: info.ExitCode ?? -1 };
}

/**
 * fetch with a hard deadline. Always use a deadline against a freshly published container port: while the
 * process inside is not listening yet, the engine's port proxy accepts and then resets the connection, and
 * Node's fetch (undici) can then wait forever instead of failing.
 */
export async function fetchWithTimeout(url: string, init: RequestInit = {}, timeoutMs = 10_000): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`fetch ${url}: no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}
