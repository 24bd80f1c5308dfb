/** `start`, `stop` and `delete`: the gateway container's life, driven through the Docker Engine API. */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import {
  connectEngine,
  containerLogsTail,
  createAndStart,
  createPullReporter,
  ensureImage,
  findBusyPorts,
  findContainer,
  isInteractive,
  LABEL_BIND,
  LABEL_DATA_FOLDER,
  managedLabels,
  probeHttp,
  removeContainer,
  startContainer,
  stopContainer,
  waitUntil,
  WaitTimeoutError,
  type ContainerSummary,
} from '../docker/index.js';
import type { Output } from '../ui/output.js';
import { CLI_VERSION } from '../version.js';
import { DEFAULT_SETTINGS } from './settings.js';
import { OperationalError, UsageError } from './errors.js';
import { editGateway, type ReloadReport } from './gateway-edit.js';
import { MARKER_FILE, type GatewayFiles } from './gateway-files.js';
import { applyPlanToFiles, type StartPlan } from './start-plan.js';
import { accessControlState, accessForExposure, isLoopback, type AccessKey } from './access.js';
import { buildWelcome, printWelcome } from '../ui/welcome.js';

/** What `start` changed in the files, for "say what changed". */
function describeChanges(plan: StartPlan, changed: string[], newKey?: AccessKey): string[] {
  if (changed.length === 0) return [];
  const lines = plan.providers.map((p) => `provider ${p.id} configured`);
  if (plan.autoRouting) lines.push(`auto-routing on (default model ${plan.autoRouting.defaultModel})`);
  if (newKey) lines.push(`access keys on (published on ${plan.bindAddress})`);
  return lines;
}

/**
 * Applies the plan to the data folder; the marker is written whenever it is missing (else the image's template
 * would overwrite our files). Published beyond loopback, access control is turned on in the same step.
 */
async function applyPlan(plan: StartPlan, containerName: string) {
  return editGateway(
    { dataFolder: plan.dataFolder, containerName, source: 'start' },
    async ({ files, settings, alsoWrite }) => {
      await applyPlanToFiles(files, plan);
      const exposure = await accessForExposure(files, plan.bindAddress, plan.allowOpen);
      Object.assign(settings, { ...plan.settings, models: { ...settings.models, ...plan.settings.models } });
      if (!existsSync(join(plan.dataFolder, MARKER_FILE))) alsoWrite.push({ path: MARKER_FILE, content: 'configured by get-ai-gateway\n' });
      return exposure.created;
    },
  );
}

export async function runStart(plan: StartPlan, options: Record<string, unknown>, out: Output): Promise<void> {
  out.note(`Timezone: ${plan.timezone.timezone ?? 'unknown'} (from ${plan.timezone.source})`);
  out.note(`Image:    ${plan.image.ref} (${plan.image.reason})`);
  if (!isLoopback(plan.bindAddress)) {
    out.warn(`ports are published on ${plan.bindAddress}, not only this machine: the console has an admin login, protect it.`);
    if (plan.allowOpen) out.warn('--allow-open: unless access keys are on (get-ai-gateway access enable), anyone who reaches the port spends your provider keys.');
  }
  const timeoutMs = parseTimeout(options.timeout);
  const { docker } = await connectEngine();
  const existing = await findContainer(docker, plan.containerName);

  if (existing && !existing.managed) {
    // Most likely made by get-ai-gateway.sh: its configuration lives in the folder mounted at /data.
    const data = existing.inspect.Mounts?.find((m) => m.Destination === '/data')?.Source;
    throw new OperationalError(`a container named ${plan.containerName} exists and was not created by get-ai-gateway; it is left untouched`, {
      hint: data
        ? `to take it over, remove it (docker rm -f ${plan.containerName}) and run get-ai-gateway start --data-folder ${data}; or choose another --container-name`
        : 'choose another name with --container-name',
    });
  }
  if (existing) {
    const labelled = existing.labels[LABEL_DATA_FOLDER];
    if (labelled && labelled !== plan.dataFolder && options.dataFolder === undefined) {
      // The container knows its data folder: re-plan against it so flags apply there.
      const { planStart } = await import('./start-plan.js');
      plan = planStart({ options: { ...options, dataFolder: labelled }, env: process.env, timezone: plan.timezone });
    }
    const drift = containerDrift(existing, plan);
    if (drift.length > 0 && !options.recreate) {
      throw new UsageError(`the existing container ${plan.containerName} differs: ${drift.join('; ')}`, {
        hint: 'add --recreate to recreate it on the same data folder (configuration kept)',
      });
    }
    if (drift.length > 0) {
      out.note(`Recreating ${plan.containerName} (${drift.join('; ')}); the data folder ${plan.dataFolder} is kept.`);
      await removeContainer(docker, existing.id, { force: true });
      return createFresh(docker, plan, timeoutMs, out, 'recreated');
    }
    const { result: newKey, changed, reload } = await applyPlan(plan, plan.containerName);
    const changes = describeChanges(plan, changed.filter((c) => c.endsWith('.yaml')), newKey);
    if (existing.state === 'running') {
      await finish(docker, plan, existing.id, timeoutMs, out, { action: 'already-running', changes, reload, newKey });
    } else {
      await startContainer(docker, existing.id);
      await finish(docker, plan, existing.id, timeoutMs, out, { action: 'started', changes, newKey });
    }
    return;
  }
  await createFresh(docker, plan, timeoutMs, out, 'created');
}

function parseTimeout(value: unknown): number {
  const seconds = Number(value ?? 120);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds (got "${value}")`);
  return seconds * 1000;
}

/** Settings that only a new container can change. */
function containerDrift(existing: ContainerSummary, plan: StartPlan): string[] {
  const drift: string[] = [];
  if (existing.image !== plan.image.ref && !plan.image.fallbackRepos.some((r) => existing.image === `${r}:${plan.image.tag}`)) {
    drift.push(`image ${existing.image} → ${plan.image.ref}`);
  }
  const hostPorts = new Map(existing.ports.map((p) => [p.containerPort, p]));
  for (const [name, port] of Object.entries(plan.ports)) {
    if (!hostPorts.has(port)) drift.push(`${name} port → ${port}`);
  }
  const bind = existing.labels[LABEL_BIND] ?? existing.ports[0]?.hostIp;
  if (bind && bind !== plan.bindAddress) drift.push(`bind address ${bind} → ${plan.bindAddress}`);
  const folder = existing.labels[LABEL_DATA_FOLDER];
  if (folder && folder !== plan.dataFolder) drift.push(`data folder ${folder} → ${plan.dataFolder}`);
  return drift;
}

async function createFresh(docker: Dockerode, plan: StartPlan, timeoutMs: number, out: Output, action: 'created' | 'recreated'): Promise<void> {
  const { loadFiles } = await import('./gateway-read.js');
  if (plan.providers.length === 0 && (await loadFiles(plan)).configuredProviders().length === 0) {
    throw new UsageError('no LLM provider configured: pass --<provider>-key … or run in a terminal', {
      hint: 'for example --openai-key sk-... (see get-ai-gateway start --help)',
    });
  }
  const busy = await findBusyPorts(plan.bindAddress, [plan.ports.http, plan.ports.https, plan.ports.console]);
  if (busy.length > 0) {
    const flags: Record<number, string> = { [plan.ports.http]: '--http-port', [plan.ports.https]: '--https-port', [plan.ports.console]: '--console-port' };
    throw new OperationalError(`port ${busy.join(', ')} on ${plan.bindAddress} is already in use`, {
      hint: `choose another with ${busy.map((p) => flags[p]).join(', ')}`,
    });
  }
  // The files and the marker exist before the container first starts: the image's template must not run.
  const { result: newKey } = await applyPlan(plan, plan.containerName);
  await mkdir(join(plan.dataFolder, 'logs'), { recursive: true, mode: 0o700 });

  const reporter = await createPullReporter({ interactive: isInteractive() && !out.json });
  const candidates = [plan.image.ref, ...plan.image.fallbackRepos.map((r) => `${r}:${plan.image.tag}`)];
  const image = await ensureImage(docker, { candidates, policy: plan.pull, reporter });
  const { id } = await createAndStart(docker, {
    name: plan.containerName,
    image,
    bindAddress: plan.bindAddress,
    ports: plan.ports,
    dataFolder: plan.dataFolder,
    env: plan.env,
    labels: managedLabels({ dataFolder: plan.dataFolder, version: CLI_VERSION, bindAddress: plan.bindAddress }),
  });
  await finish(docker, plan, id, timeoutMs, out, { action, changes: [], newKey });
}

async function finish(
  docker: Dockerode,
  plan: StartPlan,
  id: string,
  timeoutMs: number,
  out: Output,
  outcome: {
    action: 'created' | 'recreated' | 'started' | 'already-running';
    changes: string[];
    reload?: ReloadReport;
    /** An access key this start created: shown once, in the welcome. */
    newKey?: AccessKey;
  },
): Promise<void> {
  const readyMs = await waitReady(docker, plan, id, timeoutMs, out);
  const consoleReady = await probeHttp(plan.bindAddress, plan.ports.console, 2000);
  const { loadFiles } = await import('./gateway-read.js');
  const files: GatewayFiles = await loadFiles(plan);
  const access = await accessControlState(files);
  const welcome = buildWelcome({ plan, files, readyMs, consoleReady, access, ...outcome });
  printWelcome(welcome, out);
}

async function waitReady(docker: Dockerode, plan: StartPlan, id: string, timeoutMs: number, out: Output): Promise<number> {
  const started = Date.now();
  const url = `http://${plan.bindAddress}:${plan.ports.http}`;
  // ora spins forever on a terminal that reports 0 columns; plain lines there.
  const interactive = isInteractive() && !out.json && (process.stderr.columns ?? 0) > 0;
  const { default: ora } = interactive ? await import('ora') : { default: undefined };
  const spinner = ora?.({ text: `Waiting for the gateway at ${url}`, stream: process.stderr }).start();
  if (!spinner) out.note(`Waiting for the gateway at ${url} (up to ${Math.round(timeoutMs / 1000)} s)…`);
  try {
    await waitUntil(
      async () => {
        if (await probeHttp(plan.bindAddress, plan.ports.http, 1000)) return true;
        const state = (await docker.getContainer(id).inspect()).State;
        if (!state.Running && !state.Restarting) {
          throw new OperationalError(`the gateway container exited (code ${state.ExitCode}) before serving`, { hint: 'see the log lines above' });
        }
        return undefined;
      },
      {
        timeoutMs,
        intervalMs: 250,
        describe: `the gateway at ${url}`,
        hint: 'raise --timeout, or see get-ai-gateway logs',
        onTick: (ms) => spinner && (spinner.text = `Waiting for the gateway at ${url} (${Math.round(ms / 1000)} s)`),
      },
    );
  } catch (error) {
    spinner?.fail();
    if (error instanceof WaitTimeoutError || error instanceof OperationalError) {
      const logs = await containerLogsTail(docker, id, 30).catch(() => '');
      if (logs.trim()) process.stderr.write(`Last container log lines:\n${logs.trimEnd()}\n`);
    }
    throw error;
  }
  const ms = Date.now() - started;
  if (spinner) spinner.succeed(`Gateway ready in ${(ms / 1000).toFixed(1)} s`);
  else out.note(`Gateway ready in ${(ms / 1000).toFixed(1)} s.`);
  return ms;
}

export async function runStop(options: { containerName?: string; json?: boolean }, out: Output): Promise<void> {
  const name = options.containerName ?? DEFAULT_SETTINGS.containerName;
  const { docker } = await connectEngine();
  const container = await findContainer(docker, name);
  if (!container) throw new OperationalError(`container ${name} not found`, { hint: 'start it with get-ai-gateway start' });
  if (!container.managed) throw new OperationalError(`container ${name} was not created by get-ai-gateway; it is left untouched`);
  const result = await stopContainer(docker, container.id);
  if (out.json) return out.result({ container: name, action: result });
  out.say(result === 'stopped' ? `Stopped ${name}. Start it again with get-ai-gateway start.` : `${name} is already stopped.`);
}

export async function runDelete(
  options: { containerName?: string; dataFolder?: string; force?: boolean; purge?: boolean; yes?: boolean; json?: boolean },
  out: Output,
): Promise<void> {
  const name = options.containerName ?? DEFAULT_SETTINGS.containerName;
  const { docker } = await connectEngine();
  const container = await findContainer(docker, name);
  if (container && !container.managed) throw new OperationalError(`container ${name} was not created by get-ai-gateway; it is left untouched`);
  if (container?.state === 'running' && !options.force) {
    throw new OperationalError(`container ${name} is running`, { hint: 'stop it first (get-ai-gateway stop) or add --force' });
  }
  const { resolveDataFolder } = await import('./start-plan.js');
  const dataFolder = options.dataFolder ? resolveDataFolder(options.dataFolder) : container?.labels[LABEL_DATA_FOLDER];
  if (options.purge) await confirmPurge(dataFolder, options, out);

  const removed = container ? await removeContainer(docker, container.id, { force: options.force }) : 'not-found';
  let purged = false;
  if (options.purge && dataFolder && existsSync(dataFolder)) {
    await rm(dataFolder, { recursive: true, force: true });
    purged = true;
  }
  if (out.json) return out.result({ container: name, action: removed, purged: purged ? dataFolder : null });
  out.say(removed === 'removed' ? `Deleted container ${name}.` : `Container ${name} not found; nothing to delete.`);
  if (purged) out.say(`Deleted the data folder ${dataFolder}.`);
  else if (dataFolder && existsSync(dataFolder)) out.say(`The data folder ${dataFolder} is kept; get-ai-gateway start uses it again.`);
}

async function confirmPurge(dataFolder: string | undefined, options: { yes?: boolean }, out: Output): Promise<void> {
  if (!dataFolder) throw new UsageError('--purge: no data folder known for this container', { hint: 'name it with --data-folder' });
  if (existsSync(dataFolder) && !existsSync(join(dataFolder, MARKER_FILE)) && !existsSync(join(dataFolder, 'default.cfg'))) {
    throw new UsageError(`--purge: ${dataFolder} does not look like a gateway data folder; not deleting it`);
  }
  if (options.yes) return;
  if (!isInteractive() || out.json) throw new UsageError(`--purge deletes ${dataFolder} with every key and route in it: add --yes to confirm`);
  const { confirm } = await import('@inquirer/prompts');
  const ok = await confirm({ message: `Delete ${dataFolder} with every key and route in it?`, default: false });
  if (!ok) throw new UsageError('not confirmed; nothing deleted');
}
