/** `doctor`: is this machine ready to run the gateway, and is the deployment healthy? Never throws for a finding. */
import { constants } from 'node:fs';
import { access, readFile, stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { paint } from '../../ui/colors.js';
import type { Output } from '../../ui/output.js';
import { resolveDeployment } from '../deployment.js';
import { REGISTRIES } from '../mirror.js';
import { DEFAULT_SETTINGS, type Settings } from '../settings.js';
import { readSettingsIn } from '../settings.js';
import { checkDataFolder } from './data-health.js';
import { routingFindings } from './routing-health.js';
import { containerDrift, describeDrift } from './drift.js';
import type { Finding, Level } from './findings.js';
import { formatBytes } from './format.js';
import { diagnose, INOTIFY_FIX, INOTIFY_MIN } from '../known-failures.js';
import { probeUrl, registryApiUrl, type ProbeResult } from '../http-probe.js';
import { startCommand } from './status.js';

export type { Finding, Level } from './findings.js';

export const INOTIFY_FILE = '/proc/sys/fs/inotify/max_user_instances';
export { INOTIFY_MIN };
export const MIN_FREE_BYTES = 2 * 1024 ** 3;
export const MIRROR_TIMEOUT_MS = 3000;
export const MIRRORS_ENV = 'GET_AI_GATEWAY_DOCTOR_MIRRORS';

export type { ProbeResult } from '../http-probe.js';

/** The container as doctor needs it. */
export interface ContainerView {
  name: string;
  state: string;
  managed: boolean;
  image: string;
  ports: { containerPort: number; hostIp: string; hostPort: number }[];
  bindLabel?: string;
}

export type EngineView =
  | { ok: true; version: string; apiVersion: string; endpoint: string; isDockerDesktop: boolean; rootDir?: string }
  | { ok: false; message: string; hint?: string };

/** Everything doctor looks at, injectable so tests need no engine, no network and no particular machine. */
export interface DoctorDeps {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  engine(): Promise<EngineView>;
  container(name: string): Promise<ContainerView | null>;
  /** Socket files the engine may be behind (for the permission check). */
  socketCandidates(): Promise<string[]>;
  socketAccess(path: string): Promise<'ok' | 'missing' | 'denied'>;
  isPortFree(host: string, port: number): Promise<boolean>;
  readText(path: string): Promise<string | undefined>;
  freeBytes(path: string): Promise<number | undefined>;
  probe(url: string, timeoutMs: number): Promise<ProbeResult>;
  dataFolder(folder: string, containerName?: string): Promise<Finding[]>;
  /** Whether the engine holds this image (no pull needed). */
  imagePresent(ref: string): Promise<boolean>;
  /** The container's log and its components' logs (the newest lines), to match against the known failures. */
  containerLog?(name: string): Promise<string | undefined>;
}

export interface DoctorInput {
  dataFolder: string;
  containerName: string;
  settings: Settings | undefined;
  startCommand: string;
}

/** `https://<registry>/v2/` for each mirror: GET_AI_GATEWAY_DOCTOR_MIRRORS (comma-separated hosts or URLs) or the known ones. */
export function mirrorUrls(env: NodeJS.ProcessEnv, settings: Settings | undefined): string[] {
  const override = env[MIRRORS_ENV];
  const hosts =
    override !== undefined
      ? override.split(',').map((s) => s.trim()).filter((s) => s && s !== 'none')
      : [...new Set([...(settings?.imageRepo ? [registryOf(settings.imageRepo)] : []), ...Object.values(REGISTRIES)].filter((h): h is string => Boolean(h)))];
  return hosts.map(registryApiUrl);
}

/** The registry host of an image repo (`docker.io` when the first part is not a host). */
export function registryOf(repo: string): string | undefined {
  const first = repo.split('/')[0]!;
  return repo.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : undefined;
}

export function checkInotify(text: string | undefined, platform: NodeJS.Platform): Finding {
  if (platform !== 'linux') return { check: 'inotify', status: 'ok', message: 'not Linux: the engine VM sets its own limits' };
  const value = Number.parseInt(text?.trim() ?? '', 10);
  if (!Number.isFinite(value)) return { check: 'inotify', status: 'warn', message: `could not read ${INOTIFY_FILE}` };
  if (value < INOTIFY_MIN) {
    return {
      check: 'inotify',
      status: 'warn',
      message: `fs.inotify.max_user_instances is ${value} (below ${INOTIFY_MIN}): the gateway's file watchers can fail with "too many open files"`,
      fix: INOTIFY_FIX,
    };
  }
  return { check: 'inotify', status: 'ok', message: `fs.inotify.max_user_instances is ${value}` };
}

export function checkDisk(free: number | undefined, path: string): Finding {
  if (free === undefined) return { check: 'disk', status: 'warn', message: `could not measure the free space at ${path}` };
  if (free < MIN_FREE_BYTES) {
    return {
      check: 'disk',
      status: 'warn',
      message: `only ${formatBytes(free)} free at ${path}; the image needs about ${formatBytes(MIN_FREE_BYTES)}`,
      fix: 'free some space (docker system prune removes unused images and containers)',
    };
  }
  return { check: 'disk', status: 'ok', message: `${formatBytes(free)} free at ${path}` };
}

export function checkMirror(url: string, result: ProbeResult): Finding {
  const host = url.replace(/^https?:\/\//, '').replace(/\/v2\/?$/, '');
  if (result.ok) return { check: 'mirror', status: 'ok', message: `${host} answers (HTTP ${result.status}) in ${result.ms} ms` };
  return {
    check: 'mirror',
    status: 'warn',
    message: `${host} unreachable: ${result.error} after ${result.ms} ms`,
    fix: 'start falls back to the next mirror; if none answers, pass --image-repo with a registry you can reach or give the Docker daemon a proxy',
  };
}

/**
 * The registries `start` would pull from. A deployment on its own registry (IMAGE_REPO / --image-repo, remembered
 * in default.cfg) never touches the public mirrors: only its registry is probed, and not even that once the image is here.
 */
async function mirrorFindings(settings: Settings | undefined, deps: DoctorDeps): Promise<Finding[]> {
  const own = settings?.imageRepo && deps.env[MIRRORS_ENV] === undefined ? registryOf(settings.imageRepo) : undefined;
  const publicMirror = own !== undefined && (Object.values(REGISTRIES) as string[]).includes(own);
  if (settings?.imageRepo && own !== undefined && !publicMirror) {
    const ref = `${settings.imageRepo}:${settings.imageTag ?? 'latest'}`;
    if (await deps.imagePresent(ref).catch(() => false)) {
      return [{ check: 'mirror', status: 'ok', message: `${ref} is present in the engine: no registry is needed to start` }];
    }
  }
  const urls = own !== undefined && !publicMirror ? mirrorUrls({ [MIRRORS_ENV]: own }, settings) : mirrorUrls(deps.env, settings);
  return Promise.all(urls.map(async (url) => checkMirror(url, await deps.probe(url, MIRROR_TIMEOUT_MS))));
}

export async function runDoctorChecks(input: DoctorInput, deps: DoctorDeps): Promise<Finding[]> {
  const settings = input.settings ?? { ...DEFAULT_SETTINGS, containerName: input.containerName };
  // The network probes take the longest: start them early (they may ask the engine for the image), report them last.
  const findings: Finding[] = [];
  const engine = await deps.engine();
  const mirrorResults = mirrorFindings(input.settings, deps);
  if (engine.ok) {
    findings.push({ check: 'engine', status: 'ok', message: `Docker ${engine.version} (API ${engine.apiVersion}) at ${engine.endpoint}${engine.isDockerDesktop ? ' (Docker Desktop)' : ''}` });
  } else {
    findings.push({ check: 'engine', status: 'fail', message: engine.message, fix: engine.hint });
  }
  findings.push(await socketFinding(engine, deps));

  const container = engine.ok ? await deps.container(input.containerName) : null;
  findings.push(...(await portFindings(settings, container, deps, input.startCommand)));
  findings.push(checkInotify(await deps.readText(INOTIFY_FILE), deps.platform));
  // The Docker root dir when this machine can see it (not inside a Docker Desktop VM), else the data folder.
  const rootFree = engine.ok && engine.rootDir ? await deps.freeBytes(engine.rootDir) : undefined;
  if (rootFree !== undefined && engine.ok && engine.rootDir) findings.push(checkDisk(rootFree, engine.rootDir));
  else findings.push(checkDisk(await deps.freeBytes(input.dataFolder), input.dataFolder));
  findings.push(...(await deps.dataFolder(input.dataFolder, input.containerName)));

  if (engine.ok) {
    if (!container) {
      findings.push({ check: 'container', status: 'warn', message: `container ${input.containerName} does not exist`, fix: input.startCommand });
    } else if (!container.managed) {
      findings.push({ check: 'container', status: 'warn', message: `container ${input.containerName} was not created by get-ai-gateway`, fix: 'choose another --container-name' });
    } else {
      findings.push(
        container.state === 'running'
          ? { check: 'container', status: 'ok', message: `container ${input.containerName} is running (${container.image})` }
          : { check: 'container', status: 'warn', message: `container ${input.containerName} is ${container.state}`, fix: input.startCommand },
      );
      findings.push(await logFinding(input, deps));
      if (!input.settings) {
        findings.push({ check: 'drift', status: 'warn', message: 'no settings file: cannot compare the container with it' });
      } else {
        const drift = containerDrift(input.settings, { image: container.image, ports: container.ports, bindLabel: container.bindLabel });
        findings.push(
          drift.length === 0
            ? { check: 'drift', status: 'ok', message: 'the container matches default.cfg (image, ports, bind address)' }
            : { check: 'drift', status: 'warn', message: `the container differs from default.cfg: ${drift.map(describeDrift).join('; ')}`, fix: `${input.startCommand} --recreate` },
        );
      }
    }
  }
  findings.push(...(await mirrorResults));
  return findings;
}

/** The same table `start` reads its failures with. */
async function logFinding(input: DoctorInput, deps: DoctorDeps): Promise<Finding> {
  const log = await deps.containerLog?.(input.containerName).catch(() => undefined);
  if (log === undefined) return { check: 'log', status: 'warn', message: 'could not read the container log' };
  const diagnosis = diagnose(log, 'log', { dataFolder: input.dataFolder });
  if (!diagnosis) return { check: 'log', status: 'ok', message: 'no known failure in the gateway logs' };
  return { check: 'log', status: 'fail', message: `${diagnosis.message}; the log says: ${diagnosis.evidence}`, fix: diagnosis.fix };
}

async function socketFinding(engine: EngineView, deps: DoctorDeps): Promise<Finding> {
  if (deps.platform === 'win32') return { check: 'socket', status: 'ok', message: 'Windows: the engine is reached through a named pipe' };
  if (engine.ok && !engine.endpoint.startsWith('unix://')) return { check: 'socket', status: 'ok', message: `engine at ${engine.endpoint}: no local socket involved` };
  const candidates = engine.ok ? [engine.endpoint.slice('unix://'.length)] : await deps.socketCandidates();
  const results = await Promise.all(candidates.map(async (path) => ({ path, access: await deps.socketAccess(path) })));
  const denied = results.filter((r) => r.access === 'denied');
  if (denied.length > 0) {
    return {
      check: 'socket',
      status: 'fail',
      message: `permission denied on ${denied.map((r) => r.path).join(', ')}`,
      fix: 'sudo usermod -aG docker $USER, then log out and in again (or use rootless Docker)',
    };
  }
  const usable = results.filter((r) => r.access === 'ok');
  if (usable.length > 0) {
    return { check: 'socket', status: 'ok', message: `${usable.map((r) => r.path).join(', ')}: read and write allowed${engine.ok ? '' : ' (but no engine answers behind it)'}` };
  }
  return { check: 'socket', status: engine.ok ? 'ok' : 'warn', message: candidates.length ? `no Docker socket found (looked for ${candidates.join(', ')})` : 'no Docker socket to check', fix: engine.ok ? undefined : 'start Docker' };
}

async function portFindings(settings: Settings, container: ContainerView | null, deps: DoctorDeps, startCommand: string): Promise<Finding[]> {
  const ports: [string, number, string][] = [
    ['http', settings.httpPort, '--http-port'],
    ['https', settings.httpsPort, '--https-port'],
    ['console', settings.consolePort, '--console-port'],
  ];
  const ours = new Set(container?.state === 'running' && container.managed ? container.ports.map((p) => p.hostPort) : []);
  const findings: Finding[] = [];
  for (const [name, port, flag] of ports) {
    const where = `${settings.bindAddress}:${port}`;
    if (ours.has(port)) {
      findings.push({ check: 'ports', status: 'ok', message: `${name} port ${where} is used by our gateway` });
    } else if (await deps.isPortFree(settings.bindAddress, port)) {
      findings.push({ check: 'ports', status: 'ok', message: `${name} port ${where} is free` });
    } else {
      findings.push({
        check: 'ports',
        status: 'fail',
        message: `${name} port ${where} is in use by another program`,
        fix: `stop that program, or choose another port: ${startCommand} ${flag} <port>${container ? ' --recreate' : ''}`,
      });
    }
  }
  return findings;
}

// ---- the real machine ----

async function nearestExisting(path: string): Promise<string> {
  let at = path;
  for (;;) {
    if (await stat(at).then(() => true, () => false)) return at;
    const up = dirname(at);
    if (up === at) return at;
    at = up;
  }
}

export async function realDeps(): Promise<DoctorDeps> {
  const { tryConnect } = await import('./container-access.js');
  const docker = await import('../../docker/index.js');
  let connection: import('../../docker/index.js').EngineConnection | undefined;
  return {
    env: process.env,
    platform: process.platform,
    async engine() {
      const answer = await tryConnect();
      if (!answer.ok) return { ok: false, message: answer.message, hint: answer.hint };
      connection = answer.engine;
      const info = (await answer.engine.docker.info().catch(() => ({}))) as { DockerRootDir?: string };
      const v = answer.engine.version;
      return { ok: true, version: v.version, apiVersion: v.apiVersion, endpoint: answer.engine.endpoint, isDockerDesktop: answer.engine.isDockerDesktop, rootDir: info.DockerRootDir };
    },
    async container(name) {
      if (!connection) return null;
      const found = await docker.findContainer(connection.docker, name).catch(() => null);
      if (!found) return null;
      return { name: found.name, state: found.state, managed: found.managed, image: found.image, ports: found.ports, bindLabel: found.labels[docker.LABEL_BIND] };
    },
    async socketCandidates() {
      const { discoverEndpoints } = await import('../../docker/endpoints.js');
      const { endpoints } = await discoverEndpoints(docker.defaultEnvironment());
      return [...new Set(endpoints.map((e) => e.socketFile).filter((f): f is string => Boolean(f)))];
    },
    async socketAccess(path) {
      try {
        await access(path, constants.R_OK | constants.W_OK);
        return 'ok';
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return code === 'EACCES' || code === 'EPERM' ? 'denied' : 'missing';
      }
    },
    isPortFree: docker.isPortFree,
    readText: (path) => readFile(path, 'utf8').catch(() => undefined),
    async freeBytes(path) {
      try {
        const s = await statfs(await nearestExisting(path));
        return s.bavail * s.bsize;
      } catch {
        return undefined;
      }
    },
    probe: (url, timeoutMs) => probeUrl(url, timeoutMs),
    async imagePresent(ref) {
      if (!connection) return false;
      return connection.docker.getImage(ref).inspect().then(() => true, () => false);
    },
    dataFolder: async (folder, containerName) => [...(await checkDataFolder(folder, Date.now(), containerName)), ...(await routingFindings(folder))],
    async containerLog(name) {
      if (!connection) return undefined;
      const found = await docker.findContainer(connection.docker, name);
      if (!found) return undefined;
      const { COMPONENTS, componentLogPath } = await import('./logs.js');
      const parts = await Promise.all([
        docker.containerLogsTail(connection.docker, found.id, 200),
        docker.tailFilesInContainer(connection.docker, found.id, COMPONENTS.map(componentLogPath)),
      ]);
      return parts.join('\n');
    },
  };
}

export async function runDoctor(options: Record<string, unknown>, out: Output, deps?: DoctorDeps): Promise<void> {
  const deployment = await resolveDeployment(options);
  const settings = readSettingsIn(deployment.dataFolder);
  const findings = await runDoctorChecks(
    { dataFolder: deployment.dataFolder, containerName: deployment.containerName, settings, startCommand: startCommand(deployment) },
    deps ?? (await realDeps()),
  );
  const summary = { ok: 0, warn: 0, fail: 0 } as Record<Level, number>;
  for (const f of findings) summary[f.status]++;
  if (out.json) out.result({ dataFolder: deployment.dataFolder, containerName: deployment.containerName, summary, findings });
  else printFindings(findings, summary, out, deployment.dataFolder);
  if (summary.fail > 0) process.exitCode = 1;
}

export function printFindings(findings: Finding[], summary: Record<Level, number>, out: Output, dataFolder: string): void {
  const badge: Record<Level, string> = { ok: paint().green('ok  '), warn: paint().yellow('warn'), fail: paint().red('FAIL') };
  const width = Math.max(...findings.map((f) => f.check.length));
  out.say(paint().dim(`Data folder: ${dataFolder}`));
  for (const f of findings) {
    out.say(`${badge[f.status]}  ${f.check.padEnd(width)}  ${f.message}`);
    if (f.fix && f.status !== 'ok') out.say(`${' '.repeat(6 + width + 2)}fix: ${f.fix}`);
  }
  out.say('');
  out.say(`${summary.ok} ok, ${summary.warn} warning${summary.warn === 1 ? '' : 's'}, ${summary.fail} failure${summary.fail === 1 ? '' : 's'}.`);
}

