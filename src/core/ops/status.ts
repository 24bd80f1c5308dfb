/** `status`: the container, its readiness, the configured providers and drift from the settings file. */
import { paint } from '../../ui/colors.js';
import type Dockerode from 'dockerode';
import type { Output } from '../../ui/output.js';
import { loadFiles } from '../gateway-read.js';
import { resolveDeployment, type Deployment } from '../deployment.js';
import { maskSecret } from '../provider-config.js';
import { DEFAULT_SETTINGS, readSettingsIn, type Settings } from '../settings.js';
import { commandHint } from '../command-line.js';
import { connectHost, probeHttp } from '../../docker/wait.js';
import { containerDrift, describeDrift, type Drift } from './drift.js';
import { formatDuration } from './format.js';
import type { ConfiguredProvider } from '../gateway-files.js';
import type { ContainerSummary, EngineConnection } from '../../docker/index.js';
import { DEFAULT_HEALTH_WINDOW, type HealthReport, type ProviderHealth } from './provider-health.js';
import { parseSince } from './usage.js';

export const PROBE_TIMEOUT_MS = 2000;

export interface ProviderSummary {
  id: string;
  name: string;
  keys: string[];
  models: string;
  /** Failover, retries, timeouts and model map, as `config list` shows them. */
  settings: Record<string, unknown>;
  /** Traffic and keys over the health window (null when the files cannot be read). */
  health: ProviderHealth | null;
}

export interface AutoRoutingSummary {
  enabled: boolean;
  defaultModel: string | null;
  rules: { pattern: string; model: string }[];
  /** Rules (or the default model) no configured provider serves, and repeated triggers. */
  problems: string[];
}

export interface StatusReport {
  containerName: string;
  dataFolder: string;
  dataFolderSource: Deployment['source'];
  /** Where the container name came from: --container-name, default.cfg, a container label or the default. */
  containerNameSource: Deployment['nameSource'];
  engine: { reachable: boolean; endpoint?: string; version?: string; error?: string; hint?: string };
  container: null | {
    id: string;
    state: string;
    managed: boolean;
    exitCode: number | null;
    startedAt: string | null;
    uptimeMs: number | null;
    image: string;
    imageId: string;
    digests: string[];
    restartPolicy: string;
    bindAddress: string;
    ports: { name: 'http' | 'https' | 'console' | 'other'; containerPort: number; hostIp: string; hostPort: number }[];
    dataFolderLabel: string | null;
  };
  ready: { gateway: boolean; console: boolean; gatewayUrl: string | null; consoleUrl: string | null };
  settingsFile: boolean;
  providers: ProviderSummary[];
  filesError: string | null;
  autoRouting: AutoRoutingSummary | null;
  drift: Drift[];
  /** Where the providers' health comes from, and over which window (--since). */
  health: Omit<HealthReport, 'providers'> | null;
  /** Running and the data plane answers: exit 0. */
  ok: boolean;
  startCommand: string;
}

export const startCommand = (deployment: Pick<Deployment, 'containerName' | 'dataFolder'>): string => commandHint('start', deployment);

/** What the files say, whether or not any engine answers. */
export async function filesSummary(deployment: Deployment): Promise<Pick<StatusReport, 'providers' | 'autoRouting' | 'filesError'> & { configured: ConfiguredProvider[] }> {
  try {
    const files = await loadFiles(deployment);
    const configured = files.configuredProviders();
    const providers = configured.map((p) => ({ id: p.id, name: p.provider?.name ?? p.id, keys: p.tokens.map(maskSecret), models: p.models, settings: p.settings, health: null }));
    const routing = files.autoRouting();
    const [{ createResolver }, { autoRoutingProblems }] = await Promise.all([import('./models.js'), import('../route-integrity.js')]);
    const resolver = createResolver(files);
    const problems = autoRoutingProblems(routing, (m) => resolver.providerOf(m)).map((p) => p.message);
    return { providers, configured, autoRouting: { enabled: routing.enabled, defaultModel: routing.defaultModel ?? null, rules: routing.rules, problems }, filesError: null };
  } catch (error) {
    return { providers: [], configured: [], autoRouting: null, filesError: error instanceof Error ? error.message : String(error) };
  }
}

const envOf = (info: Dockerode.ContainerInspectInfo) =>
  new Map((info.Config?.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as [string, string]));

export async function gatherStatus(options: Record<string, unknown>, now = Date.now()): Promise<StatusReport> {
  const deployment = await resolveDeployment(options);
  const savedSettings = readSettingsIn(deployment.dataFolder);
  const settings: Settings = savedSettings ?? { ...DEFAULT_SETTINGS, containerName: deployment.containerName };
  // Checked before anything is looked at, so a bad --since changes nothing and says so.
  const window = options.since === undefined ? DEFAULT_HEALTH_WINDOW : String(options.since);
  parseSince(window, now);
  const { configured, ...files } = await filesSummary(deployment);
  const report: StatusReport = {
    containerName: deployment.containerName,
    dataFolder: deployment.dataFolder,
    dataFolderSource: deployment.source,
    containerNameSource: deployment.nameSource,
    engine: { reachable: false },
    container: null,
    ready: { gateway: false, console: false, gatewayUrl: null, consoleUrl: null },
    settingsFile: savedSettings !== undefined,
    ...files,
    drift: [],
    health: null,
    ok: false,
    startCommand: startCommand(deployment),
  };

  const { tryConnect, lookupContainer } = await import('./container-access.js');
  const answer = await tryConnect();
  // Health is read whatever the engine says: the access log is a file in the data folder.
  const addHealth = async (engine: EngineConnection | null, container: ContainerSummary | null, containerEnv = new Map<string, string>()) => {
    if (report.filesError) return report;
    const { providerHealth } = await import('./provider-health.js');
    const { providers, ...health } = await providerHealth({ ...deployment, providers: configured, window, engine, container, containerEnv, now });
    report.health = health;
    for (const p of report.providers) p.health = providers[p.id] ?? null;
    return report;
  };
  if (!answer.ok) {
    report.engine = { reachable: false, error: answer.message, hint: answer.hint };
    return addHealth(null, null);
  }
  const { engine } = answer;
  report.engine = { reachable: true, endpoint: engine.endpoint, version: engine.version.version };
  const found = await lookupContainer(engine, deployment.containerName);
  if (!found) return addHealth(engine, null);

  const info = found.inspect;
  const env = envOf(info);
  const inside = {
    http: Number(env.get('GATEWAY_HTTP_PORT') ?? settings.httpPort),
    https: Number(env.get('GATEWAY_HTTPS_PORT') ?? settings.httpsPort),
    console: Number(env.get('CONSOLE_PORT') ?? settings.consolePort),
  };
  const nameOf = (port: number): 'http' | 'https' | 'console' | 'other' => (port === inside.http ? 'http' : port === inside.https ? 'https' : port === inside.console ? 'console' : 'other');
  const ports = found.ports.map((p) => ({ name: nameOf(p.containerPort), containerPort: p.containerPort, hostIp: p.hostIp, hostPort: p.hostPort })).sort((a, b) => a.containerPort - b.containerPort);
  const { LABEL_BIND, LABEL_DATA_FOLDER } = await import('../../docker/index.js');
  const bindAddress = found.labels[LABEL_BIND] ?? ports[0]?.hostIp ?? settings.bindAddress;

  let digests: string[] = [];
  try {
    const image = await engine.docker.getImage(info.Image).inspect();
    digests = image.RepoDigests ?? [];
  } catch {
    /* an image removed under a container: no digest to show */
  }
  const running = found.state === 'running';
  report.container = {
    id: found.id.slice(0, 12),
    state: found.state,
    managed: found.managed,
    exitCode: running ? null : (info.State?.ExitCode ?? null),
    startedAt: found.startedAt ?? null,
    uptimeMs: running && found.startedAt ? Math.max(0, now - Date.parse(found.startedAt)) : null,
    image: found.image,
    imageId: info.Image,
    digests,
    restartPolicy: info.HostConfig?.RestartPolicy?.Name || 'no',
    bindAddress: bindAddress || '0.0.0.0',
    ports,
    dataFolderLabel: found.labels[LABEL_DATA_FOLDER] ?? null,
  };
  if (savedSettings) {
    report.drift = containerDrift(savedSettings, { image: found.image, ports: found.ports, bindLabel: found.labels[LABEL_BIND] });
  }

  const hostPortOf = (name: 'http' | 'console') => ports.find((p) => p.name === name);
  const http = hostPortOf('http');
  const consolePort = hostPortOf('console');
  if (http) report.ready.gatewayUrl = `http://${urlHost(connectHost(http.hostIp))}:${http.hostPort}`;
  if (consolePort) report.ready.consoleUrl = `http://${urlHost(connectHost(consolePort.hostIp))}:${consolePort.hostPort}`;
  if (running) {
    const [gateway, consoleUp] = await Promise.all([
      http ? probeHttp(http.hostIp, http.hostPort, PROBE_TIMEOUT_MS) : Promise.resolve(false),
      consolePort ? probeHttp(consolePort.hostIp, consolePort.hostPort, PROBE_TIMEOUT_MS) : Promise.resolve(false),
    ]);
    report.ready.gateway = gateway;
    report.ready.console = consoleUp;
  }
  report.ok = running && report.ready.gateway;
  return addHealth(engine, found, env);
}

const urlHost = (host: string) => (host.includes(':') ? `[${host}]` : host);

export async function runStatus(options: Record<string, unknown>, out: Output): Promise<void> {
  const report = await gatherStatus(options);
  if (out.json) out.result(report);
  else printStatus(report, out);
  if (!report.ok) process.exitCode = 1;
}

export function printStatus(r: StatusReport, out: Output): void {
  const label = (name: string) => `  ${name.padEnd(10)}`;
  const good = (text: string) => paint().green(text);
  const bad = (text: string) => paint().red(text);
  if (!r.engine.reachable) {
    out.say(`${paint().bold(`Gateway ${r.containerName}`)}: ${bad('unknown')} (no Docker engine)`);
    out.say(`${label('engine:')}${r.engine.error ?? 'not reachable'}`);
    if (r.engine.hint) out.say(`${label('')}${r.engine.hint}`);
  } else if (!r.container) {
    out.say(`${paint().bold(`Gateway ${r.containerName}`)}: ${bad('not created')} (no container named ${r.containerName})`);
    out.say(`${label('start:')}${r.startCommand}`);
  } else {
    const c = r.container;
    const state =
      c.state === 'running'
        ? good(`running for ${formatDuration(c.uptimeMs ?? 0)}`) + (c.startedAt ? ` (since ${c.startedAt.replace(/\.\d+Z$/, 'Z')})` : '')
        : bad(c.state) + (c.exitCode !== null ? ` (exit code ${c.exitCode})` : '');
    out.say(`${paint().bold(`Gateway ${r.containerName}`)}: ${state}${c.managed ? '' : paint().yellow(' — not created by get-ai-gateway')}`);
    out.say(`${label('image:')}${c.image}`);
    for (const digest of c.digests) out.say(`${label('')}${digest}`);
    if (c.digests.length === 0) out.say(`${label('')}${c.imageId} (no registry digest: built or loaded locally)`);
    const ports = c.ports.map((p) => `${p.name} ${p.hostIp || '0.0.0.0'}:${p.hostPort}${p.hostPort !== p.containerPort ? `→${p.containerPort}` : ''}`);
    out.say(`${label('ports:')}${ports.join(', ') || 'none published'}`);
    out.say(`${label('bind:')}${c.bindAddress}`);
    out.say(`${label('restart:')}${c.restartPolicy}`);
    if (c.state === 'running') {
      out.say(`${label('gateway:')}${r.ready.gateway ? good('ready') : bad('not answering')}${r.ready.gatewayUrl ? ` (${r.ready.gatewayUrl})` : ''}`);
      out.say(`${label('console:')}${r.ready.console ? good('ready') : paint().yellow('not answering yet (the console starts last)')}${r.ready.consoleUrl ? ` (${r.ready.consoleUrl})` : ''}`);
    } else {
      out.say(`${label('start:')}${r.startCommand}`);
    }
  }
  out.say(`${label('data:')}${r.dataFolder} (from ${r.dataFolderSource}; name from ${r.containerNameSource})`);
  if (r.container?.dataFolderLabel && r.container.dataFolderLabel !== r.dataFolder) {
    out.say(`${label('')}${paint().yellow(`the container uses ${r.container.dataFolderLabel}`)}`);
  }

  out.say('');
  if (r.filesError) out.say(`Providers: ${bad(`cannot read the files: ${r.filesError}`)}`);
  else if (r.providers.length === 0) out.say(`Providers: none configured (add one: ${commandHint('config add', r, '--provider <name> --key-env <VAR>')})`);
  else {
    out.say(`Providers (${r.providers.length})${r.health ? `, health over the last ${r.health.window}` : ''}:`);
    const width = Math.max(...r.providers.map((p) => `${p.name} (${p.id})`.length));
    for (const p of r.providers) {
      out.say(`  ${`${p.name} (${p.id})`.padEnd(width)}  keys ${p.keys.join(', ') || '-'}  models ${p.models}`);
      if (p.health && r.health) for (const line of healthLines(p.health, r.health)) out.say(`    ${line}`);
    }
    if (r.health) {
      const h = r.health;
      out.say(`  traffic from ${h.accessLog ?? paint().yellow(`nowhere: ${h.accessLogError}`)}${h.otherRequests ? `; ${h.otherRequests} request(s) reached no provider` : ''}`);
      if (r.providers.some((p) => p.health?.failover)) {
        out.say(
          h.gatewayLog === null
            ? `  keys: ${paint().yellow(`the gateway's log cannot be read (${h.gatewayLogError}), so failures and keys taken out are unknown`)}`
            : h.removalsLogged
              ? `  keys: failures and keys taken out from ai-proxy's lines in ${h.gatewayLog}`
              : `  keys: failures from ${h.gatewayLog}; keys taken out are not logged at the gateway's log level (${h.logLevel}); to see them: ${r.startCommand} --gateway-log-level info --recreate`,
        );
      }
    }
  }
  if (r.autoRouting) {
    const a = r.autoRouting;
    out.say(
      a.enabled
        ? `Auto-routing: on for model higress/auto, default ${a.defaultModel ?? '(none)'}, ${a.rules.length} rule${a.rules.length === 1 ? '' : 's'}`
        : 'Auto-routing: off',
    );
    for (const problem of a.problems) out.say(`  ${paint().yellow('problem:')} ${problem}`);
  }
  if (r.container) {
    if (!r.settingsFile) out.say(`Settings: no default.cfg in ${r.dataFolder}; drift not checked`);
    else if (r.drift.length === 0) out.say('Settings: the container matches default.cfg');
    else {
      out.say(paint().yellow(`Settings drift (default.cfg differs from the container):`));
      for (const d of r.drift) out.say(`  ${describeDrift(d)}`);
      out.say(`  apply the settings with: ${r.startCommand} --recreate`);
    }
  }
}

const percent = (rate: number) => `${(rate * 100).toFixed(rate < 0.1 && rate > 0 ? 1 : 0)}%`;

/** `10 requests, 3 errors (30%: 5xx 3), p50 12 ms, p95 40 ms` and one line about the keys of a failover pool. */
export function healthLines(p: ProviderHealth, h: Omit<HealthReport, 'providers'>): string[] {
  const t = p.traffic;
  const lines: string[] = [];
  if (h.accessLog === null) lines.push('traffic: unknown');
  else if (t.requests === 0) lines.push('traffic: no requests');
  else {
    const classes = Object.entries(t.statuses).filter(([c]) => c !== '2xx' && c !== '1xx' && c !== '3xx').sort().map(([c, n]) => `${c} ${n}`);
    const errors = t.errors ? paint()[t.errorRate! >= 0.2 ? 'red' : 'yellow'](`${t.errors} error${t.errors === 1 ? '' : 's'} (${percent(t.errorRate!)}: ${classes.join(', ')})`) : '0 errors';
    lines.push(`traffic: ${t.requests} request${t.requests === 1 ? '' : 's'}, ${errors}, p50 ${t.p50Ms ?? '-'} ms, p95 ${t.p95Ms ?? '-'} ms`);
  }
  if (p.failover && h.gatewayLog !== null) {
    const keys = p.keys.map((k) => {
      const failures = k.failures ? ` ${k.failures} failure${k.failures === 1 ? '' : 's'} (${Object.entries(k.failureStatuses).map(([s, n]) => `${s}×${n}`).join(', ')})` : '';
      const state = k.state === 'out' ? paint().red(`taken out${k.changedAt ? ` at ${k.changedAt}` : ''}`) : k.state === 'in' ? `in the pool${k.changedAt ? ` (back at ${k.changedAt})` : ''}` : '';
      return `${k.key}${state ? ` ${state}` : ''}${failures}`.trim();
    });
    lines.push(`keys: ${keys.join('; ')}`);
  }
  return lines;
}
