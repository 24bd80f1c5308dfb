// status's per-provider health: traffic from the access log, keys from ai-proxy's lines in the gateway's log.
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { KeyEventReader, parseKeyEvent } from '../../../src/core/ops/key-events.js';
import { providerHealth } from '../../../src/core/ops/provider-health.js';
import { healthLines } from '../../../src/core/ops/status.js';
import { UsageAggregator } from '../../../src/core/ops/usage.js';

const NOW = Date.parse('2026-05-01T12:00:00Z');
const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();
const line = (provider: string, status: number, duration: number, minutesAgo = 1) =>
  JSON.stringify({
    start_time: at(minutesAgo),
    method: 'POST',
    path: '/v1/chat/completions',
    response_code: String(status),
    duration: String(duration),
    upstream_cluster: provider === '-' ? '-' : `outbound|443||llm-${provider}.internal.dns`,
    route_name: '-',
    ai_log: '-',
  });

describe('access-log aggregation by provider over a window', () => {
  test('requests, errors by status class and p50/p95 latency per provider; older lines and probes left out', () => {
    const agg = new UsageAggregator('provider', NOW - 15 * 60_000);
    for (let i = 1; i <= 10; i++) agg.addLine(line('openai', i <= 3 ? 503 : 200, i * 10));
    agg.addLine(line('openai', 401, 5));
    agg.addLine(line('openai', 200, 7, 30)); // before the window
    agg.addLine(line('deepseek', 200, 42));
    agg.addLine(JSON.stringify({ start_time: at(1), method: 'GET', path: '/', response_code: '200', duration: '1', upstream_cluster: '-' })); // readiness probe
    const rows = Object.fromEntries(agg.report('x').rows.map((r) => [r.key, r]));
    expect(rows.openai).toMatchObject({ requests: 11, errors: 4, statuses: { '2xx': 7, '5xx': 3, '4xx': 1 }, p50Ms: 50, p95Ms: 100 });
    expect(rows.deepseek).toMatchObject({ requests: 1, errors: 0, statuses: { '2xx': 1 }, p50Ms: 42, p95Ms: 42 });
    expect(agg.lines).toMatchObject({ beforeSince: 1, notLlm: 1 });
  });
});

describe("ai-proxy's key lines in the gateway log (failover.go:323,354,583)", () => {
  const prefix = (level: string, minutesAgo = 1) => `${at(minutesAgo).replace('Z', '123Z')}\t${level}\tenvoy wasm\twasm log higress-system.ai-proxy.internal: [ai-proxy] [] [req-1] `;

  test('each line kind is read with its time, Istio or Envoy time format', () => {
    expect(parseKeyEvent(`${prefix('warning')}apiToken:sk-abc need failover, error status:401`)).toEqual({ kind: 'failure', key: 'sk-abc', status: '401', time: NOW - 60_000 });
    expect(parseKeyEvent(`[2026-05-01 11:59:00.000][12][info][wasm] wasm log: [ai-proxy] [] [nil] failover: apiToken sk-abc is unavailable now, remove it from apiTokens list`)).toEqual({ kind: 'out', key: 'sk-abc', time: NOW - 60_000 });
    expect(parseKeyEvent('[ai-proxy] [] [nil] healthcheck after failover: apiToken sk-abc is available now, add it back to the apiTokens list')).toEqual({ kind: 'back', key: 'sk-abc', time: null });
    expect(parseKeyEvent('[ai-cache] apiToken:sk-abc need failover, error status:401')).toBeUndefined();
    expect(parseKeyEvent('{"response_code":"200"}')).toBeUndefined();
  });

  test('only configured keys count; failures in the window; out/back since the last reset', () => {
    const reader = new KeyEventReader(['key-aaaa-0001', 'key-bbbb-0002'], NOW - 15 * 60_000, NOW - 10 * 60_000);
    reader.addLine(`${prefix('warning', 20)}apiToken:key-bbbb-0002 need failover, error status:401`); // before the window
    reader.addLine(`${prefix('info', 12)}failover: apiToken key-aaaa-0001 is unavailable now, remove it from apiTokens list`); // before the reset
    for (const s of ['401', '401', '503']) reader.addLine(`${prefix('warning', 3)}apiToken:key-bbbb-0002 need failover, error status:${s}`);
    reader.addLine(`${prefix('info', 3)}failover: apiToken key-bbbb-0002 is unavailable now, remove it from apiTokens list`);
    reader.addLine(`${prefix('warning', 3)}apiToken:sk-not-ours need failover, error status:401`);
    expect(reader.state('key-aaaa-0001')).toEqual({ failures: 0, failureStatuses: {}, out: false, changedAt: null });
    expect(reader.state('key-bbbb-0002')).toEqual({ failures: 3, failureStatuses: { '401': 2, '503': 1 }, out: true, changedAt: at(3).replace('Z', '123Z').replace(/\.(\d{3})\d*Z$/, '.$1Z') });
    expect(reader.state('sk-not-ours')).toBeUndefined();
    reader.addLine(`${prefix('info', 1)}healthcheck after failover: apiToken key-bbbb-0002 is available now, add it back to the apiTokens list`);
    expect(reader.state('key-bbbb-0002')).toMatchObject({ out: false, failures: 3 });
  });
});

describe('providerHealth from the data folder (no engine)', () => {
  test('traffic per configured provider from <data>/logs/access.log; keys masked; key states unknown without the gateway log', async () => {
    const data = mkdtempSync(join(tmpdir(), 'gag-health-'));
    mkdirSync(join(data, 'logs'));
    const lines = [...Array.from({ length: 10 }, (_, i) => line('openai', i < 3 ? 503 : 200, 100 + i)), line('-', 404, 1), line('deepseek', 200, 9, 60)];
    writeFileSync(join(data, 'logs/access.log'), `${lines.join('\n')}\n`);
    mkdirSync(join(data, 'wasmplugins'));
    writeFileSync(join(data, 'wasmplugins/ai-proxy.internal.yaml'), '');
    utimesSync(join(data, 'wasmplugins/ai-proxy.internal.yaml'), new Date(NOW - 3600_000), new Date(NOW - 3600_000));
    const report = await providerHealth({
      dataFolder: data,
      containerName: 'gag-none',
      providers: [
        { id: 'openai', tokens: ['sk-openai-key-0001', 'sk-openai-key-0002'], settings: { failover: {} } },
        { id: 'deepseek', tokens: ['sk-deepseek-0001'], settings: {} },
      ],
      engine: null,
      container: null,
      containerEnv: new Map(),
      now: NOW,
    });
    expect(report).toMatchObject({ window: '15m', since: at(15), accessLog: join(data, 'logs/access.log'), otherRequests: 1, gatewayLog: null, logLevel: 'warning', removalsLogged: false });
    expect(report.providers.openai).toEqual({
      traffic: { requests: 10, errors: 3, errorRate: 0.3, statuses: { '5xx': 3, '2xx': 7 }, p50Ms: 104, p95Ms: 109 },
      failover: true,
      keys: [
        { key: 'sk-o***0001', state: null, changedAt: null, failures: 0, failureStatuses: {} },
        { key: 'sk-o***0002', state: null, changedAt: null, failures: 0, failureStatuses: {} },
      ],
    });
    expect(report.providers.deepseek!.traffic).toEqual({ requests: 0, errors: 0, errorRate: null, statuses: {}, p50Ms: null, p95Ms: null });
    expect(JSON.stringify(report)).not.toContain('sk-openai-key');
  });

  test('the text: requests, error rate by class, latency, and each key of a failover pool', () => {
    const h = { since: at(15), window: '15m', accessLog: '/d/logs/access.log', accessLogError: null, otherRequests: 0, gatewayLog: 'gw:/var/log/higress/gateway.log', gatewayLogError: null, logLevel: 'info', removalsLogged: true };
    const lines = healthLines(
      {
        traffic: { requests: 10, errors: 3, errorRate: 0.3, statuses: { '2xx': 7, '5xx': 3 }, p50Ms: 104, p95Ms: 109 },
        failover: true,
        keys: [
          { key: 'sk-o***0001', state: 'in', changedAt: null, failures: 0, failureStatuses: {} },
          { key: 'sk-o***0002', state: 'out', changedAt: '2026-05-01T11:58:00.000Z', failures: 3, failureStatuses: { '503': 3 } },
        ],
      },
      h,
    ).map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
    expect(lines).toEqual([
      'traffic: 10 requests, 3 errors (30%: 5xx 3), p50 104 ms, p95 109 ms',
      'keys: sk-o***0001 in the pool; sk-o***0002 taken out at 2026-05-01T11:58:00.000Z 3 failures (503×3)',
    ]);
  });
});
