/** `usage`: token usage from the gateway's access log, streamed line by line in bounded memory. */
import { commandHint } from '../command-line.js';
import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Output } from '../../ui/output.js';
import { resolveDeployment } from '../deployment.js';
import { OperationalError, UsageError } from '../errors.js';
import { parseAccessLine, type AccessEntry } from './access-log.js';
import { table, thousands } from './format.js';
import { LatencyHistogram } from './histogram.js';

export type GroupBy = 'model' | 'provider' | 'day' | 'consumer';
export const GROUP_BY: readonly GroupBy[] = ['model', 'provider', 'day', 'consumer'];
/** More distinct keys than this (a corrupt log with random model names) go to one "(other)" row. */
export const MAX_GROUPS = 1000;
export const GATEWAY_LOG = '/var/log/higress/gateway.log';

export interface UsageRow {
  key: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  errors: number;
  /** Requests by status class ("2xx", "4xx", "5xx"; "000" when the client went away before an answer). */
  statuses: Record<string, number>;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface UsageReport {
  by: GroupBy;
  since: string | null;
  source: string;
  rows: UsageRow[];
  total: UsageRow;
  /** other: not access-log lines; notLlm: requests that are no LLM call (readiness probes, console pages). */
  lines: { read: number; requests: number; malformed: number; other: number; notLlm: number; beforeSince: number };
  /** The first malformed line (1-based) and why, to find it. */
  firstMalformed: { line: number; reason: string } | null;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `1h`, `30m`, `7d`, `2w`, `90s` or an ISO date/time → epoch ms. */
export function parseSince(value: string, now = Date.now()): number {
  const text = value.trim();
  const relative = /^(\d+)\s*([smhdw])$/i.exec(text);
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]!.toLowerCase()]!;
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  throw new UsageError(`--since "${value}" is not a duration or a date`, { hint: 'for example --since 1h, --since 30m, --since 7d or --since 2024-05-01' });
}

export function parseGroupBy(value: unknown): GroupBy {
  const by = String(value ?? 'model');
  if (!(GROUP_BY as readonly string[]).includes(by)) {
    throw new UsageError(`--by must be one of ${GROUP_BY.join(', ')} (got "${by}")`);
  }
  return by as GroupBy;
}

interface Group {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  errors: number;
  statuses: Record<string, number>;
  latency: LatencyHistogram;
}

const newGroup = (): Group => ({ requests: 0, inputTokens: 0, outputTokens: 0, errors: 0, statuses: {}, latency: new LatencyHistogram() });
const statusClass = (code: number) => (code >= 100 && code < 600 ? `${Math.floor(code / 100)}xx` : '000');

/** Sums access-log lines into groups; memory depends on the number of groups, never on the lines. */
export class UsageAggregator {
  private readonly groups = new Map<string, Group>();
  private readonly all = newGroup();
  readonly lines = { read: 0, requests: 0, malformed: 0, other: 0, notLlm: 0, beforeSince: 0 };
  firstMalformed: { line: number; reason: string } | null = null;

  constructor(
    readonly by: GroupBy = 'model',
    readonly since: number | undefined = undefined,
  ) {}

  addLine(line: string): void {
    this.lines.read++;
    const parsed = parseAccessLine(line);
    if (parsed.kind === 'other') {
      this.lines.other++;
      return;
    }
    if (parsed.kind === 'malformed') {
      this.lines.malformed++;
      this.firstMalformed ??= { line: this.lines.read, reason: parsed.reason };
      return;
    }
    this.addEntry(parsed.entry);
  }

  addEntry(entry: AccessEntry): void {
    if (!entry.llm) {
      this.lines.notLlm++;
      return;
    }
    if (this.since !== undefined && entry.time < this.since) {
      this.lines.beforeSince++;
      return;
    }
    this.lines.requests++;
    let key = this.keyOf(entry);
    let group = this.groups.get(key);
    if (!group) {
      if (this.groups.size >= MAX_GROUPS) key = '(other)';
      group = this.groups.get(key) ?? newGroup();
      this.groups.set(key, group);
    }
    for (const g of [group, this.all]) {
      g.requests++;
      g.inputTokens += entry.inputTokens;
      g.outputTokens += entry.outputTokens;
      if (entry.responseCode >= 400) g.errors++;
      const cls = statusClass(entry.responseCode);
      g.statuses[cls] = (g.statuses[cls] ?? 0) + 1;
      g.latency.add(entry.durationMs);
    }
  }

  private keyOf(entry: AccessEntry): string {
    if (this.by === 'provider') return entry.provider;
    if (this.by === 'day') return new Date(entry.time).toISOString().slice(0, 10);
    if (this.by === 'consumer') return entry.consumer;
    return entry.model;
  }

  report(source: string): UsageReport {
    const row = (key: string, g: Group): UsageRow => ({
      key,
      requests: g.requests,
      inputTokens: g.inputTokens,
      outputTokens: g.outputTokens,
      errors: g.errors,
      statuses: { ...g.statuses },
      p50Ms: g.latency.percentile(50) ?? null,
      p95Ms: g.latency.percentile(95) ?? null,
    });
    const rows = [...this.groups].map(([key, g]) => row(key, g));
    if (this.by === 'day') rows.sort((a, b) => a.key.localeCompare(b.key));
    else rows.sort((a, b) => b.requests - a.requests || a.key.localeCompare(b.key));
    return {
      by: this.by,
      since: this.since === undefined ? null : new Date(this.since).toISOString(),
      source,
      rows,
      total: row('TOTAL', this.all),
      lines: { ...this.lines },
      firstMalformed: this.firstMalformed,
    };
  }
}

/** Feeds every line of a stream to the aggregator (readline: one line in memory at a time). */
export async function aggregateStream(stream: Readable, aggregator: UsageAggregator): Promise<void> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of lines) aggregator.addLine(line);
}

export interface LogSource {
  label: string;
  stream: Readable;
  /** Called after the stream ended: throws when the producer failed. */
  finish(): Promise<void>;
}

/** The access log: `<data>/logs/access.log`, else the gateway's own log in the container (the mesh log goes there). */
export async function openAccessLog(dataFolder: string, containerName: string): Promise<LogSource> {
  const file = join(dataFolder, 'logs', 'access.log');
  // The image creates the file empty (start-gateway.sh:20-21); only the access-log EnvoyFilter fills it.
  const hasLines = (() => {
    try {
      const s = statSync(file);
      return s.isFile() && s.size > 0;
    } catch {
      return false;
    }
  })();
  if (hasLines) return { label: file, stream: createReadStream(file), finish: async () => {} };

  const { tryConnect, execStream, archiveStream, lookupContainer } = await import('./container-access.js');
  const noLog = `no access log: ${file} is missing or empty`;
  const answer = await tryConnect();
  if (!answer.ok) throw new OperationalError(`${noLog}, and the gateway's own log needs the engine: ${answer.message}`, { hint: answer.hint });
  const container = await lookupContainer(answer.engine, containerName);
  if (!container) {
    throw new OperationalError(`${noLog}, and container ${containerName} does not exist`, { code: 'container.not-found', hint: `start the gateway with ${commandHint('start', { dataFolder, containerName })}` });
  }
  const label = `${containerName}:${GATEWAY_LOG}`;
  if (container.state === 'running') {
    const exec = await execStream(answer.engine.docker, container.id, ['cat', GATEWAY_LOG]);
    return {
      label,
      stream: exec.stdout,
      finish: async () => {
        const { exitCode, stderr } = await exec.finished;
        if (exitCode !== 0) throw new OperationalError(`could not read ${label}: ${stderr.trim() || `cat exited ${exitCode}`}`);
      },
    };
  }
  const stream = await archiveStream(answer.engine.docker, container.id, GATEWAY_LOG);
  if (!stream) throw new OperationalError(`${noLog}, and ${label} does not exist`, { hint: 'send a request through the gateway first' });
  return { label: `${label} (container ${container.state})`, stream, finish: async () => {} };
}

export async function runUsage(options: Record<string, unknown>, out: Output): Promise<void> {
  const by = parseGroupBy(options.by);
  const since = options.since === undefined ? undefined : parseSince(String(options.since));
  const deployment = await resolveDeployment(options);
  const source = await openAccessLog(deployment.dataFolder, deployment.containerName);
  const aggregator = new UsageAggregator(by, since);
  await aggregateStream(source.stream, aggregator);
  await source.finish();
  const report = aggregator.report(source.label);
  if (out.json) return out.result(report);
  printUsage(report, out);
}

export function printUsage(report: UsageReport, out: Output): void {
  const span = report.since ? ` since ${report.since}` : '';
  out.say(`Token usage by ${report.by}${span} (${report.by === 'day' ? 'UTC days; ' : ''}source: ${report.source})`);
  const ms = (v: number | null) => (v === null ? '-' : String(v));
  const cells = (r: UsageRow) => [r.key, thousands(r.requests), thousands(r.inputTokens), thousands(r.outputTokens), thousands(r.errors), ms(r.p50Ms), ms(r.p95Ms)];
  if (report.rows.length === 0) {
    out.say('No requests in the log' + (span ? ` ${span.trim()}` : '') + '.');
  } else {
    const header = [report.by.toUpperCase(), 'REQUESTS', 'INPUT TOKENS', 'OUTPUT TOKENS', 'ERRORS', 'P50 MS', 'P95 MS'];
    for (const line of table(header, [...report.rows.map(cells), cells(report.total)])) out.say(line);
  }
  const l = report.lines;
  const n = (count: number, what: string) => `${thousands(count)} ${what}${count === 1 ? '' : 's'}`;
  const parts = [n(l.requests, 'request')];
  if (l.beforeSince) parts.push(`${thousands(l.beforeSince)} before --since`);
  if (l.notLlm) parts.push(`${n(l.notLlm, 'non-LLM request')} (health checks, console) ignored`);
  if (l.other) parts.push(`${n(l.other, 'non-access-log line')} ignored`);
  if (l.malformed) parts.push(`${n(l.malformed, 'malformed line')} skipped`);
  out.say(`Read ${n(l.read, 'line')}: ${parts.join(', ')}.`);
  if (report.firstMalformed) out.warn(`first malformed line: ${report.firstMalformed.line} (${report.firstMalformed.reason})`);
}
