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
  imageExists,
  registryHost,
  findContainer,
  isInteractive,
  LABEL_BIND,
  LABEL_DATA_FOLDER,
  managedLabels,
  probeHttp,
  removeContainer,
  stallMsFromEnv,
  startContainer,
  tailFilesInContainer,
  stopContainer,
  waitUntil,
  WaitTimeoutError,
  type ContainerSummary,
} from '../docker/index.js';
import type { Output } from '../ui/output.js';
import { CLI_VERSION } from '../version.js';
import { SETTINGS_FILE } from './settings.js';
import { commitChanges, readDataFile } from './store/index.js';
import { commandHint } from './command-line.js';
import { resolveDeployment, type DeploymentOptions } from './deployment.js';
import { OperationalError, UsageError } from './errors.js';
import { diagnose, distinctLines, type Diagnosis } from './known-failures.js';
import { editGateway, type ReloadReport } from './gateway-edit.js';
import type { GatewayFiles } from './gateway-files.js';
import { applyPlanToFiles, type StartPlan } from './start-plan.js';
import { accessControlState, accessForExposure, type AccessKey } from './access.js';
import { buildWelcome, printWelcome } from '../ui/welcome.js';
import { write } from '../ui/terminal.js';

/** What `start` changed in the files, for "say what changed". */
function describeChanges(plan: StartPlan, changed: string[], newKey?: AccessKey): string[] {
  if (changed.length === 0) return [];
  const lines = [...plan.removeProviders.map((id) => `provider ${id} removed`), ...plan.providers.map((p) => `provider ${p.id} configured`)];
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
    { dataFolder: plan.dataFolder, containerName, source: 'start', nameSource: 'default.cfg' },
    async ({ files, settings }) => {
      await applyPlanToFiles(files, plan);
      const exposure = await accessForExposure(files, plan.bindAddress, plan.allowOpen);
      const kept = Object.fromEntries(Object.entries(settings.models).filter(([id]) => !plan.removeProviders.includes(id)));
      Object.assign(settings, { ...plan.settings, models: { ...kept, ...plan.settings.models } });
      return exposure.created;
    },
    { takeOver: true },
  );
}

export async function runStart(plan: StartPlan, options: Record<string, unknown>, out: Output): Promise<void> {
  out.note(`Timezone: ${plan.timezone.timezone ?? 'unknown'} (from ${plan.timezone.source})`);
  out.note(`Image:    ${plan.image.ref}: ${plan.image.reason}`);
  const { timeoutMs } = plan;
  const { docker } = await connectEngine();
  const existing = await findContainer(docker, plan.containerName);

  if (existing && !existing.managed) {
    // Most likely made by get-ai-gateway.sh: its configuration lives in the folder mounted at /data.
    const data = existing.inspect.Mounts?.find((m) => m.Destination === '/data')?.Source;
    throw new OperationalError(`a container named ${plan.containerName} exists and was not created by get-ai-gateway; it is left untouched`, {
      code: 'container.foreign',
      hint: data
        ? `to take it over, remove it (docker rm -f ${plan.containerName}) and run ${commandHint('start', { dataFolder: data, containerName: plan.containerName })}; or choose another --container-name`
        : 'choose another name with --container-name',
    });
  }
  if (existing) {
    const folder = existing.labels[LABEL_DATA_FOLDER];
    if (folder && folder !== plan.dataFolder) {
      throw new UsageError(`container ${plan.containerName} uses the data folder ${folder}, not ${plan.dataFolder}`, {
        hint: `run ${commandHint('start', { dataFolder: folder, containerName: plan.containerName })}, or choose another --container-name`,
      });
    }
    const drift = containerDrift(existing, plan);
    if (drift.length > 0 && options.recreate) {
      out.note(`Recreating ${plan.containerName} (${drift.join('; ')}); the data folder ${plan.dataFolder} is kept.`);
      return createFresh(docker, plan, timeoutMs, out, 'recreated', existing);
    }
    if (drift.length > 0) {
      // The choice is remembered in default.cfg; only a new container can apply it.
      out.warn(`the container ${plan.containerName} differs from what was asked: ${drift.join('; ')}; it runs as it is for now.`);
      out.note(`  apply it with: ${commandHint('start', plan, '--recreate')}`);
      plan = asTheContainerIs(plan, existing);
    }
    const { result: newKey, changed, reload } = await applyPlan(plan, plan.containerName);
    const changes = describeChanges(plan, changed.filter((c) => c.endsWith('.yaml')), newKey);
    if (existing.state === 'running') {
      await finish(docker, plan, existing.id, existing.inspect.RestartCount ?? 0, timeoutMs, out, { action: 'already-running', changes, reload, newKey });
    } else {
      await startContainer(docker, existing.id);
      await finish(docker, plan, existing.id, existing.inspect.RestartCount ?? 0, timeoutMs, out, { action: 'started', changes, newKey });
    }
    return;
  }
  await createFresh(docker, plan, timeoutMs, out, 'created');
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
  return drift;
}

/** The plan with the existing container's image, ports and bind address: what a start without --recreate runs. */
function asTheContainerIs(plan: StartPlan, existing: ContainerSummary): StartPlan {
  const env = new Map((existing.inspect.Config?.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as [string, string]));
  const port = (name: string, fallback: number) => Number(env.get(name)) || fallback;
  return {
    ...plan,
    image: { ...plan.image, ref: existing.image },
    bindAddress: existing.labels[LABEL_BIND] ?? existing.ports[0]?.hostIp ?? plan.bindAddress,
    ports: { http: port('GATEWAY_HTTP_PORT', plan.ports.http), https: port('GATEWAY_HTTPS_PORT', plan.ports.https), console: port('CONSOLE_PORT', plan.ports.console) },
  };
}

/** `replace`: the container this one replaces, removed only once the new image is here. */
async function createFresh(
  docker: Dockerode,
  plan: StartPlan,
  timeoutMs: number,
  out: Output,
  action: 'created' | 'recreated',
  replace?: ContainerSummary,
): Promise<void> {
  const { loadFiles } = await import('./gateway-read.js');
  if (plan.providers.length === 0 && (await loadFiles(plan)).configuredProviders().length === 0) {
    throw new UsageError('no LLM provider configured: pass --<provider>-key … or run in a terminal', {
      code: 'usage.no-provider',
      hint: `for example --openai-key sk-... (see ${commandHint('start --help')})`,
    });
  }
  // The container being replaced holds its ports until it is gone.
  if (!replace) await refuseBusyPorts(plan);
  const reporter = await createPullReporter({ interactive: isInteractive() && !out.json });
  const candidates = await imageCandidates(docker, plan, out);
  const image = await ensureImage(docker, { candidates, policy: plan.pull, reporter, stallMs: stallMsFromEnv() });
  if (replace) {
    await removeContainer(docker, replace.id, { force: true });
    await refuseBusyPorts(plan);
  }

  // Only now, with the image here, is the data folder written. The files and the marker exist before the
  // container first starts: the image's template must not run. A start that fails from here leaves no
  // container and the settings (or the absence of the folder) as they were.
  const freshFolder = !existsSync(plan.dataFolder);
  const settingsBefore = freshFolder ? null : await readDataFile(plan.dataFolder, SETTINGS_FILE).catch(() => null);
  let id: string | undefined;
  let newKey: AccessKey | undefined;
  try {
    ({ result: newKey } = await applyPlan(plan, plan.containerName));
    await mkdir(join(plan.dataFolder, 'logs'), { recursive: true, mode: 0o700 });
    ({ id } = await createAndStart(docker, {
      name: plan.containerName,
      image,
      bindAddress: plan.bindAddress,
      ports: plan.ports,
      dataFolder: plan.dataFolder,
      env: plan.env,
      labels: managedLabels({ dataFolder: plan.dataFolder, version: CLI_VERSION, bindAddress: plan.bindAddress }),
    }));
    await finish(docker, plan, id, 0, timeoutMs, out, { action, changes: [], newKey });
  } catch (error) {
    await undoFailedStart(docker, plan, id, settingsBefore, freshFolder);
    // A kept folder keeps the first access key, which was only to be shown in the welcome: never print it on a failure.
    if (newKey && !freshFolder) out.note(`Access keys are on but key "${newKey.name}" was not shown: get a new one with get-ai-gateway access rotate --name ${newKey.name}.`);
    throw error;
  }
}

async function refuseBusyPorts(plan: StartPlan): Promise<void> {
  const busy = await findBusyPorts(plan.bindAddress, [plan.ports.http, plan.ports.https, plan.ports.console]);
  if (busy.length > 0) {
    const flags: Record<number, string> = { [plan.ports.http]: '--http-port', [plan.ports.https]: '--https-port', [plan.ports.console]: '--console-port' };
    throw new OperationalError(`port ${busy.join(', ')} on ${plan.bindAddress} is already in use`, {
      code: 'port.in-use',
      hint: `choose another with ${busy.map((p) => flags[p]).join(', ')}`,
    });
  }
}

/** A start that failed leaves no container running (restart `always` would keep it) and the settings as they were. */
async function undoFailedStart(docker: Dockerode, plan: StartPlan, id: string | undefined, settingsBefore: string | null, freshFolder: boolean): Promise<void> {
  const undone: string[] = [];
  if (id && (await removeContainer(docker, id, { force: true }).catch(() => undefined))) undone.push(`removed the container ${plan.containerName}`);
  if (freshFolder) {
    // Nothing was there before this start: the folder it wrote goes again (its keys are still in the command line).
    if (await rm(plan.dataFolder, { recursive: true, force: true }).then(() => true, () => false)) undone.push(`removed the new data folder ${plan.dataFolder}`);
  } else if ((await readDataFile(plan.dataFolder, SETTINGS_FILE).catch(() => settingsBefore)) !== settingsBefore) {
    const restored = await commitChanges(plan.dataFolder, [{ path: SETTINGS_FILE, content: settingsBefore }]).then(
      () => true,
      () => false,
    );
    if (restored) undone.push(settingsBefore === null ? `removed ${SETTINGS_FILE}` : `restored the previous ${SETTINGS_FILE}`);
  }
  if (undone.length > 0) write(2, `Start failed: ${undone.join(' and ')}${freshFolder ? '' : '; the provider files are kept'}.\n`);
}

/**
 * The references to try, in order. When the timezone names no mirror, an image already here is used as is;
 * otherwise the mirrors are asked in parallel and the fastest goes first.
 */
export async function imageCandidates(docker: Dockerode, plan: StartPlan, out: Output): Promise<string[]> {
  const refs = [plan.image.repo, ...plan.image.fallbackRepos].map((repo) => `${repo}:${plan.image.tag}`);
  if (!plan.image.probe) return refs;
  if (plan.pull === 'missing') {
    for (const ref of refs) if (await imageExists(docker, ref)) return [ref, ...refs.filter((r) => r !== ref)];
  }
  const { orderByLatency, MIRROR_PROBE_MS } = await import('./mirror.js');
  const { order, probes } = await orderByLatency(refs);
  const fastest = probes.find((p) => p.repo === order[0])!;
  const others = probes.filter((p) => p !== fastest).map((p) => `${registryHost(p.repo)} ${p.ms === undefined ? `no answer (${p.error})` : `${p.ms} ms`}`);
  out.note(
    fastest.ms === undefined
      ? `Mirror:   none of the mirrors answered within ${(MIRROR_PROBE_MS / 1000).toFixed(1)} s; trying them in order`
      : `Mirror:   ${registryHost(fastest.repo)} answered first (${fastest.ms} ms; ${others.join(', ')})`,
  );
  return order;
}

async function finish(
  docker: Dockerode,
  plan: StartPlan,
  id: string,
  restartsBefore: number,
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
  const fresh = outcome.action === 'created' || outcome.action === 'recreated';
  const readyMs = await waitReady(docker, plan, id, restartsBefore, fresh, timeoutMs, out);
  const consoleReady = await probeHttp(plan.bindAddress, plan.ports.console, 2000);
  const { loadFiles } = await import('./gateway-read.js');
  const files: GatewayFiles = await loadFiles(plan);
  const access = await accessControlState(files);
  const welcome = buildWelcome({ plan, files, readyMs, consoleReady, access, ...outcome });
  printWelcome(welcome, out);
}

/** Log lines that mean the gateway cannot come up even if it keeps running (one of its components gave up). */
const FATAL_IN_LOG = new Set(['inotify', 'data-permission']);
const LOG_SCAN_MS = 2000;
/** The components' own logs (where the real image's supervisord sends their output) are read less often. */
const COMPONENT_SCAN_MS = 4000;

/** `restartsBefore`: the container's restart count before this start (a restart after it is a crash). */
async function waitReady(
  docker: Dockerode,
  plan: StartPlan,
  id: string,
  restartsBefore: number,
  fresh: boolean,
  timeoutMs: number,
  out: Output,
): Promise<number> {
  const started = Date.now();
  const url = `http://${plan.bindAddress}:${plan.ports.http}`;
  // ora spins forever on a terminal that reports 0 columns; plain lines there.
  const interactive = isInteractive() && !out.json && (process.stderr.columns ?? 0) > 0;
  const { default: ora } = interactive ? await import('ora') : { default: undefined };
  const spinner = ora?.({ text: `Waiting for the gateway at ${url}`, stream: process.stderr }).start();
  if (!spinner) out.note(`Waiting for the gateway at ${url} (up to ${Math.round(timeoutMs / 1000)} s)…`);
  const container = docker.getContainer(id);
  // Only this run's lines: an earlier run's failure must not fail this one.
  const since = Math.floor(started / 1000) - 1;
  const logNow = () => containerLogsTail(docker, id, 200, since).catch(() => '');
  // Component log files outlive restarts: only a new container's are this run's alone.
  const componentLogs = async () => {
    if (restartsBefore > 0 || !fresh) return '';
    const { COMPONENTS, componentLogPath } = await import('./ops/logs.js');
    return tailFilesInContainer(docker, id, COMPONENTS.map(componentLogPath)).catch(() => '');
  };
  let lastComponentScan = started;
  const context = { dataFolder: plan.dataFolder };
  let lastScan = started;
  let lastExit: number | undefined;
  try {
    await waitUntil(
      async () => {
        // The container first: a dead one answers no probe, and waiting a probe's timeout for it costs seconds.
        const info = await container.inspect();
        const restarts = (info.RestartCount ?? 0) - restartsBefore;
        const down = !info.State.Running || info.State.Restarting;
        // A running container reports exit code 0: keep the one seen while it was down.
        if (down) lastExit = info.State.ExitCode;
        if (restarts > 0 || down) {
          // The image's PID 1 (supervisord) exits only when the gateway cannot run at all: the first crash is
          // failure enough (waiting for a loop costs the engine's restart back-off).
          const log = await logNow();
          const diagnosis = diagnose(log, 'log', context) ?? diagnose(await componentLogs(), 'log', context);
          throw new GatewayCrash(lastExit, restarts, log, diagnosis, true);
        } else if (Date.now() - lastScan >= LOG_SCAN_MS) {
          lastScan = Date.now();
          let log = await logNow();
          if (Date.now() - lastComponentScan >= COMPONENT_SCAN_MS) {
            lastComponentScan = Date.now();
            log += `\n${await componentLogs()}`;
          }
          const diagnosis = diagnose(log, 'log', context);
          if (diagnosis && FATAL_IN_LOG.has(diagnosis.id)) throw new GatewayCrash(undefined, 0, log, diagnosis);
        }
        if (await probeHttp(plan.bindAddress, plan.ports.http, 1000)) return true;
        return undefined;
      },
      {
        timeoutMs,
        intervalMs: 250,
        describe: `the gateway at ${url}`,
        hint: `raise --timeout, or see ${commandHint('logs', plan)}`,
        onTick: (ms) => spinner && (spinner.text = `Waiting for the gateway at ${url} (${Math.round(ms / 1000)} s)`),
      },
    );
  } catch (error) {
    spinner?.fail();
    if (error instanceof GatewayCrash) {
      // A crash loop would go on forever under restart=always: stop it; `start` starts it again.
      if (error.looping) await container.stop({ t: 0 }).catch(() => {});
      throw failureFor(error, plan);
    }
    if (error instanceof WaitTimeoutError) {
      const log = await logNow();
      const diagnosis = diagnose(log, 'log', context) ?? diagnose(await componentLogs(), 'log', context);
      if (diagnosis) throw failureFor(new GatewayCrash(undefined, 0, log, diagnosis), plan, error.message);
      printDistinct(log);
    }
    throw error;
  }
  const ms = Date.now() - started;
  if (spinner) spinner.succeed(`Gateway ready in ${(ms / 1000).toFixed(1)} s`);
  else out.note(`Gateway ready in ${(ms / 1000).toFixed(1)} s.`);
  return ms;
}

/** The container crashed or logged a known fatal failure while we waited. */
class GatewayCrash extends Error {
  constructor(
    readonly exitCode: number | undefined,
    readonly restarts: number,
    readonly log: string,
    readonly diagnosis: Diagnosis | undefined,
    /** It exited (and the engine restarts it), as opposed to logging a fatal failure while running. */
    readonly looping = false,
  ) {
    super('gateway crashed');
  }
}

function printDistinct(log: string): void {
  const lines = distinctLines(log);
  if (lines.length > 0) write(2, `Last container log lines (repeats left out):\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
}

/** One message: the known failure with its fix, or what the container did with its distinct last lines. */
function failureFor(crash: GatewayCrash, plan: StartPlan, prefix?: string): OperationalError {
  const doctor = `${commandHint('doctor', plan)} checks this machine`;
  const again = `then run ${commandHint('start', plan)} again`;
  const facts = [
    ...(crash.exitCode === undefined ? [] : [`exit code ${crash.exitCode}`]),
    ...(crash.restarts > 0 ? [`${crash.restarts} restart${crash.restarts === 1 ? '' : 's'}`] : []),
  ];
  const what =
    prefix ??
    (crash.looping
      ? `the gateway container ${crash.restarts >= 2 ? 'keeps crashing' : 'crashed'} before serving${facts.length ? ` (${facts.join(', ')})` : ''}`
      : 'the gateway cannot start');
  if (crash.diagnosis) {
    write(2, `Log: ${crash.diagnosis.evidence}\n`);
    return new OperationalError(`${what}: ${crash.diagnosis.message}`, { hint: `fix: ${crash.diagnosis.fix}; ${again}; ${doctor}` });
  }
  printDistinct(crash.log);
  return new OperationalError(what, { hint: `see the log lines above and ${commandHint('logs', plan)}; ${doctor}` });
}

export async function runStop(options: DeploymentOptions & { json?: boolean }, out: Output): Promise<void> {
  const deployment = await resolveDeployment(options);
  const name = deployment.containerName;
  const { docker } = await connectEngine();
  const container = await findContainer(docker, name);
  if (!container) throw new OperationalError(`container ${name} not found`, { code: 'container.not-found', hint: `start it with ${commandHint('start', deployment)}` });
  if (!container.managed) throw new OperationalError(`container ${name} was not created by get-ai-gateway; it is left untouched`, { code: 'container.foreign' });
  const result = await stopContainer(docker, container.id);
  if (out.json) return out.result({ container: name, action: result });
  out.say(result === 'stopped' ? `Stopped ${name}. Start it again with: ${commandHint('start', deployment)}` : `${name} is already stopped.`);
}

export async function runDelete(
  options: DeploymentOptions & { force?: boolean; purge?: boolean; yes?: boolean; json?: boolean },
  out: Output,
): Promise<void> {
  const deployment = await resolveDeployment(options);
  const name = deployment.containerName;
  // A folder named here is checked before anything is touched, engine or not.
  if (options.purge && options.dataFolder) await confirmPurge(deployment.dataFolder, { yes: true }, out);
  const { docker } = await connectEngine();
  const container = await findContainer(docker, name);
  if (container && !container.managed) throw new OperationalError(`container ${name} was not created by get-ai-gateway; it is left untouched`, { code: 'container.foreign' });
  if (container?.state === 'running' && !options.force) {
    throw new OperationalError(`container ${name} is running`, { code: 'container.running', hint: `stop it first (${commandHint('stop', deployment)}) or add --force` });
  }
  // An explicit --data-folder wins; else the folder the container was created with; else the one the resolver found.
  const dataFolder = options.dataFolder ? deployment.dataFolder : (container?.labels[LABEL_DATA_FOLDER] ?? (deployment.source === 'default' ? undefined : deployment.dataFolder));
  if (options.purge) await confirmPurge(dataFolder, options, out);

  const removed = container ? await removeContainer(docker, container.id, { force: options.force }) : 'not-found';
  let purged = false;
  let left: string[] = [];
  if (options.purge && dataFolder && existsSync(dataFolder)) {
    const { purgeDataFolder } = await import('./data-folder-guard.js');
    left = await purgeDataFolder(dataFolder);
    purged = true;
  }
  if (out.json) return out.result({ container: name, action: removed, purged: purged ? dataFolder : null, left });
  out.say(removed === 'removed' ? `Deleted container ${name}.` : `Container ${name} not found; nothing to delete.`);
  if (purged && left.length === 0) out.say(`Deleted the data folder ${dataFolder}.`);
  else if (purged) out.say(`Deleted the gateway's files in ${dataFolder}; kept what is not ours: ${left.join(', ')}.`);
  else if (dataFolder && existsSync(dataFolder)) out.say(`The data folder ${dataFolder} is kept; ${commandHint('start', { dataFolder, containerName: name })} uses it again.`);
}

async function confirmPurge(dataFolder: string | undefined, options: { yes?: boolean }, out: Output): Promise<void> {
  if (!dataFolder) throw new UsageError('--purge: no data folder known for this container', { hint: 'name it with --data-folder' });
  const { checkPurgeable } = await import('./data-folder-guard.js');
  checkPurgeable(dataFolder);
  if (options.yes) return;
  if (!isInteractive() || out.json) throw new UsageError(`--purge deletes ${dataFolder} with every key and route in it: add --yes to confirm`);
  const { confirm } = await import('@inquirer/prompts');
  const ok = await confirm({ message: `Delete ${dataFolder} with every key and route in it?`, default: false });
  if (!ok) throw new UsageError('not confirmed; nothing deleted');
}
