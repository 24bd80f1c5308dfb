/**
 * `status`: each provider's health over the last minutes, like ClawGate's /health. Traffic comes from the access
 * log (the reader `usage` uses; a line's provider is its upstream cluster, `outbound|<port>||llm-<id>.internal.<dns|static>`),
 * keys taken out of a pool from ai-proxy's own lines in the gateway's log (./key-events.ts).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ContainerSummary, EngineConnection } from '../../docker/index.js';
import { maskSecret } from '../provider-config.js';
import { FILES } from '../gateway-files.js';
import { KeyEventReader, REMOVALS_LOGGED_AT, type KeyState } from './key-events.js';
import { GATEWAY_LOG, openAccessLog, parseSince, UsageAggregator } from './usage.js';

/** 15 minutes: long enough to hold a few requests of a person's session, short enough to be "now". */
export const DEFAULT_HEALTH_WINDOW = '15m';

export interface Traffic {
  requests: number;
  errors: number;
  /** errors / requests, 0..1, rounded to 3 places; null without requests. */
  errorRate: number | null;
  statuses: Record<string, number>;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface KeyHealth {
  key: string;
  /** in: in the pool; out: taken out by the health check; null: the log cannot say (level, or failover off). */
  state: 'in' | 'out' | null;
  changedAt: string | null;
  failures: number;
  failureStatuses: Record<string, number>;
}

export interface ProviderHealth {
  traffic: Traffic;
  failover: boolean;
  keys: KeyHealth[];
}

export interface HealthReport {
  since: string;
  window: string;
  accessLog: string | null;
  /** Why there are no traffic figures. */
  accessLogError: string | null;
  /** Requests that reached no provider of ours (404 for an unknown model, another route). */
  otherRequests: number;
  gatewayLog: string | null;
  gatewayLogError: string | null;
  /** The gateway's log level, and whether ai-proxy's "taken out"/"back" lines reach the log at it. */
  logLevel: string;
  removalsLogged: boolean;
  providers: Record<string, ProviderHealth>;
}

interface Configured {
  id: string;
  tokens: string[];
  settings: Record<string, unknown>;
}

async function eachLine(stream: Readable, onLine: (line: string) => void): Promise<void> {
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) onLine(line);
}

const emptyTraffic = (): Traffic => ({ requests: 0, errors: 0, errorRate: null, statuses: {}, p50Ms: null, p95Ms: null });

/** When ai-proxy last forgot its key states: the container's start or the last write of its configuration. */
function poolResetAt(dataFolder: string, container: ContainerSummary | null): number {
  const started = container?.startedAt ? Date.parse(container.startedAt) : 0;
  let written = 0;
  try {
    written = statSync(join(dataFolder, FILES.aiProxy)).mtimeMs;
  } catch {
    /* no file: nothing configured */
  }
  return Math.max(Number.isFinite(started) ? started : 0, written);
}

export async function providerHealth(opts: {
  dataFolder: string;
  containerName: string;
  providers: Configured[];
  window?: string;
  engine: EngineConnection | null;
  container: ContainerSummary | null;
  containerEnv: Map<string, string>;
  now?: number;
}): Promise<HealthReport> {
  const window = opts.window ?? DEFAULT_HEALTH_WINDOW;
  const since = parseSince(window, opts.now);
  const logLevel = (opts.containerEnv.get('GATEWAY_LOG_LEVEL') || 'warning').toLowerCase();
  const report: HealthReport = {
    since: new Date(since).toISOString(),
    window,
    accessLog: null,
    accessLogError: null,
    otherRequests: 0,
    gatewayLog: null,
    gatewayLogError: null,
    logLevel,
    removalsLogged: REMOVALS_LOGGED_AT.includes(logLevel),
    providers: {},
  };

  const aggregator = new UsageAggregator('provider', since);
  try {
    const source = await openAccessLog(opts.dataFolder, opts.containerName);
    await eachLine(source.stream, (line) => aggregator.addLine(line));
    await source.finish();
    report.accessLog = source.label;
  } catch (error) {
    report.accessLogError = error instanceof Error ? error.message : String(error);
  }
  const rows = new Map(aggregator.report('').rows.map((r) => [r.key, r]));
  report.otherRequests = [...rows].filter(([key]) => !opts.providers.some((p) => p.id === key)).reduce((n, [, r]) => n + r.requests, 0);

  const keys = new KeyEventReader(opts.providers.flatMap((p) => p.tokens), since, poolResetAt(opts.dataFolder, opts.container));
  if (opts.engine && opts.container?.state === 'running') {
    try {
      const { execStream } = await import('./container-access.js');
      const exec = await execStream(opts.engine.docker, opts.container.id, ['cat', GATEWAY_LOG]);
      await eachLine(exec.stdout, (line) => keys.addLine(line));
      const { exitCode, stderr } = await exec.finished;
      if (exitCode !== 0) throw new Error(stderr.trim() || `cat exited ${exitCode}`);
      report.gatewayLog = `${opts.containerName}:${GATEWAY_LOG}`;
    } catch (error) {
      report.gatewayLogError = error instanceof Error ? error.message : String(error);
    }
  } else report.gatewayLogError = 'the gateway is not running';

  for (const p of opts.providers) {
    const row = rows.get(p.id);
    const traffic = row
      ? { requests: row.requests, errors: row.errors, errorRate: row.requests ? Math.round((row.errors / row.requests) * 1000) / 1000 : null, statuses: row.statuses, p50Ms: row.p50Ms, p95Ms: row.p95Ms }
      : emptyTraffic();
    const failover = Boolean(p.settings.failover);
    const known = report.gatewayLog !== null;
    report.providers[p.id] = {
      traffic,
      failover,
      keys: p.tokens.map((token) => {
        const s: KeyState = keys.state(token) ?? { failures: 0, failureStatuses: {}, out: false, changedAt: null };
        return {
          key: maskSecret(token),
          state: failover && known && report.removalsLogged ? (s.out ? 'out' : 'in') : null,
          changedAt: s.changedAt,
          failures: s.failures,
          failureStatuses: s.failureStatuses,
        };
      }),
    };
  }
  return report;
}
