import { createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { parseAccessLine, providerOfCluster } from '../../../src/core/ops/access-log.js';
import { LatencyHistogram } from '../../../src/core/ops/histogram.js';
import { aggregateStream, MAX_GROUPS, parseGroupBy, parseSince, UsageAggregator } from '../../../src/core/ops/usage.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/access-logs');

async function aggregateFile(file: string, by: 'model' | 'provider' | 'day' = 'model', since?: number) {
  const aggregator = new UsageAggregator(by, since);
  await aggregateStream(createReadStream(join(FIXTURES, file)), aggregator);
  return aggregator.report(file);
}

describe('access-log lines', () => {
  test('the provider id comes out of the upstream cluster, dns or static', () => {
    expect(providerOfCluster('outbound|443||llm-openai.internal.dns')).toBe('openai');
    expect(providerOfCluster('outbound|80||llm-ollama.internal.static')).toBe('ollama');
    expect(providerOfCluster('outbound|443||llm-together-ai.internal.dns')).toBe('together-ai');
    expect(providerOfCluster('-')).toBe('(none)');
    expect(providerOfCluster(undefined)).toBe('(none)');
    expect(providerOfCluster('outbound|8001||higress-console.static')).toBe('higress-console.static');
  });

  test('the real format (every value a string, ai_log an escaped JSON string) is read', () => {
    const line = JSON.stringify({
      start_time: '2024-08-12T03:32:28.104Z',
      response_code: '200',
      duration: '820',
      upstream_cluster: 'outbound|443||llm-openai.internal.dns',
      ai_log: JSON.stringify({ model: 'gpt-4o', input_token: '100', output_token: '50', llm_service_duration: '812' }),
    });
    expect(parseAccessLine(line)).toEqual({
      kind: 'entry',
      entry: { time: Date.parse('2024-08-12T03:32:28.104Z'), responseCode: 200, durationMs: 820, provider: 'openai', model: 'gpt-4o', consumer: '(none)', inputTokens: 100, outputTokens: 50, llm: true },
    });
  });

  test('--by consumer groups by the ai_log consumer (the access key name); none or "" is (none)', () => {
    const line = (consumer: string | undefined, input: number) =>
      JSON.stringify({
        start_time: '2024-08-12T03:32:28.104Z',
        response_code: '200',
        duration: '10',
        upstream_cluster: 'outbound|443||llm-openai.internal.dns',
        ai_log: JSON.stringify({ model: 'gpt-4o', input_token: input, output_token: 1, ...(consumer === undefined ? {} : { consumer }) }),
      });
    const aggregator = new UsageAggregator(parseGroupBy('consumer'));
    for (const l of [line('alice', 10), line('alice', 5), line('bob', 7), line('', 1), line(undefined, 2)]) aggregator.addLine(l);
    const rows = Object.fromEntries(aggregator.report('test').rows.map((r) => [r.key, [r.requests, r.inputTokens]]));
    expect(rows).toEqual({ alice: [2, 15], bob: [1, 7], '(none)': [2, 3] });
  });

  test('numbers as numbers and ai_log "-" (no AI statistics) are read too', () => {
    const parsed = parseAccessLine(JSON.stringify({ start_time: '2024-08-12T00:00:00Z', path: '/v1/chat/completions', response_code: 404, duration: 0, upstream_cluster: '-', ai_log: '-' }));
    expect(parsed).toMatchObject({ kind: 'entry', entry: { model: '(none)', provider: '(none)', responseCode: 404, inputTokens: 0, llm: true } });
  });

  test('a readiness probe or console page is no LLM request; an unrouted API call is one', () => {
    const entry = (over: object) => parseAccessLine(JSON.stringify({ start_time: '2024-08-12T00:00:00Z', response_code: 404, duration: 0, upstream_cluster: '-', ai_log: '-', ...over }));
    expect(entry({ method: 'GET', path: '/' })).toMatchObject({ entry: { llm: false } });
    expect(entry({ path: '/favicon.ico' })).toMatchObject({ entry: { llm: false } });
    expect(entry({ path: '/v1/embeddings' })).toMatchObject({ entry: { llm: true } });
    expect(entry({ path: '/', upstream_cluster: 'outbound|443||llm-openai.internal.dns' })).toMatchObject({ entry: { llm: true } });
  });

  test.each([
    ['truncated JSON', '{"ai_log":"{\\"model', 'not valid JSON'],
    ['no start_time', '{"response_code":"200"}', 'no start_time'],
    ['a start_time that is no date', '{"start_time":"yesterday","response_code":"200"}', 'no start_time'],
    ['no response_code', '{"start_time":"2024-08-12T00:00:00Z"}', 'no response_code'],
    ['ai_log not JSON', '{"start_time":"2024-08-12T00:00:00Z","response_code":"200","ai_log":"{model:x"}', 'ai_log is not valid JSON'],
  ])('malformed: %s', (_name, line, reason) => {
    expect(parseAccessLine(line)).toEqual({ kind: 'malformed', reason });
  });

  test('text lines (Envoy messages, the double\'s own lines, blank lines) are "other", not malformed', () => {
    for (const line of ['', '   ', '[2024-08-13 10:06:00.001][27][warning][config] closed', '2024-09-01T08:00:00.000Z double: gateway starting']) {
      expect(parseAccessLine(line)).toEqual({ kind: 'other' });
    }
  });
});

describe('latency histogram', () => {
  test('percentiles are exact below 1024 ms (nearest rank)', () => {
    const h = new LatencyHistogram();
    for (let v = 1; v <= 100; v++) h.add(v);
    expect(h.percentile(50)).toBe(50);
    expect(h.percentile(95)).toBe(95);
    expect(h.percentile(100)).toBe(100);
    expect(new LatencyHistogram().percentile(50)).toBeUndefined();
  });

  test('above 1024 ms the error stays under 1.6 %, and never exceeds the maximum', () => {
    const values = [1500, 3000, 12_345, 60_000, 250_000, 3_600_000];
    for (const v of values) {
      const h = new LatencyHistogram();
      h.add(v);
      h.add(v);
      expect(h.percentile(50)).toBeLessThanOrEqual(v);
      expect(Math.abs(h.percentile(50)! - v) / v).toBeLessThan(0.016);
    }
    const h = new LatencyHistogram();
    for (let i = 0; i < 1000; i++) h.add(1000 + i * 10); // 1000 .. 10990
    const p95 = h.percentile(95)!;
    expect(Math.abs(p95 - 10_490) / 10_490).toBeLessThan(0.016);
  });

  test('bad values are ignored', () => {
    const h = new LatencyHistogram();
    h.add(NaN);
    h.add(-5);
    expect(h.count).toBe(0);
  });
});

describe('usage aggregation of the real-format fixture', () => {
  test('by model: requests, tokens, errors (>= 400) and latency per model; malformed lines counted and skipped', async () => {
    const r = await aggregateFile('real-format.log');
    expect(r.lines).toEqual({ read: 12, requests: 7, malformed: 3, other: 2, notLlm: 0, beforeSince: 0 });
    expect(r.firstMalformed).toEqual({ line: 4, reason: 'not valid JSON' });
    const byKey = Object.fromEntries(r.rows.map((row) => [row.key, row]));
    expect(byKey['gpt-4o']).toEqual({ key: 'gpt-4o', requests: 2, inputTokens: 300, outputTokens: 120, errors: 0, statuses: { '2xx': 2 }, p50Ms: 610, p95Ms: 820 });
    expect(byKey['gpt-4o-mini']).toMatchObject({ requests: 1, errors: 1, p50Ms: 150 });
    expect(byKey['deepseek-chat']).toMatchObject({ requests: 1, inputTokens: 300, outputTokens: 120, errors: 0, p50Ms: 2500 });
    expect(byKey['deepseek-reasoner']).toMatchObject({ requests: 1, errors: 1 });
    expect(byKey['(none)']).toMatchObject({ requests: 1, errors: 1, p50Ms: 0 });
    expect(byKey['llama3.2']).toMatchObject({ requests: 1, inputTokens: 10, outputTokens: 5 });
    expect(r.total).toEqual({ key: 'TOTAL', requests: 7, inputTokens: 610, outputTokens: 245, errors: 3, statuses: { '2xx': 4, '4xx': 2, '5xx': 1 }, p50Ms: 500, p95Ms: 2500 });
    // Most requests first.
    expect(r.rows[0]!.key).toBe('gpt-4o');
  });

  test('by provider', async () => {
    const r = await aggregateFile('real-format.log', 'provider');
    const byKey = Object.fromEntries(r.rows.map((row) => [row.key, row]));
    expect(Object.keys(byKey).sort()).toEqual(['(none)', 'deepseek', 'ollama', 'openai']);
    expect(byKey.openai).toMatchObject({ requests: 3, inputTokens: 300, outputTokens: 120, errors: 1 });
    expect(byKey.deepseek).toMatchObject({ requests: 2, inputTokens: 300, outputTokens: 120, errors: 1 });
  });

  test('by day (UTC), in date order', async () => {
    const r = await aggregateFile('real-format.log', 'day');
    expect(r.rows.map((row) => [row.key, row.requests])).toEqual([
      ['2024-08-12', 3],
      ['2024-08-13', 4],
    ]);
  });

  test('--since keeps later requests only and counts the others', async () => {
    const r = await aggregateFile('real-format.log', 'model', Date.parse('2024-08-13T00:00:00Z'));
    expect(r.total.requests).toBe(4);
    expect(r.lines.beforeSince).toBe(3);
    expect(r.since).toBe('2024-08-13T00:00:00.000Z');
  });

  test("the double's gateway.log: component lines and the readiness probe ignored, CRLF tolerated, a cut line malformed", async () => {
    const r = await aggregateFile('gateway-log-mixed.log');
    expect(r.lines).toEqual({ read: 8, requests: 3, malformed: 1, other: 3, notLlm: 1, beforeSince: 0 });
    expect(r.rows.map((row) => [row.key, row.requests, row.inputTokens, row.outputTokens, row.errors])).toEqual([
      ['llama3', 2, 10, 8, 0],
      ['qwen2.5', 1, 0, 0, 1],
    ]);
  });

  test('more distinct keys than MAX_GROUPS end up in one "(other)" row', async () => {
    const lines = Array.from({ length: MAX_GROUPS + 50 }, (_, i) =>
      JSON.stringify({ start_time: '2024-01-01T00:00:00Z', response_code: 200, duration: 1, ai_log: JSON.stringify({ model: `m-${i}` }) }),
    );
    const aggregator = new UsageAggregator('model');
    await aggregateStream(Readable.from([lines.join('\n')]), aggregator);
    const r = aggregator.report('generated');
    expect(r.rows.length).toBe(MAX_GROUPS + 1);
    expect(r.rows.find((row) => row.key === '(other)')?.requests).toBe(50);
    expect(r.total.requests).toBe(MAX_GROUPS + 50);
  });
});

describe('flags', () => {
  const now = Date.parse('2024-08-13T12:00:00Z');
  test.each([
    ['1h', now - 3_600_000],
    ['30m', now - 1_800_000],
    ['7d', now - 7 * 86_400_000],
    ['2w', now - 14 * 86_400_000],
    ['90s', now - 90_000],
    ['2024-08-01', Date.parse('2024-08-01T00:00:00Z')],
    ['2024-08-01T10:00:00Z', Date.parse('2024-08-01T10:00:00Z')],
    ['2024-08-01T10:00:00+02:00', Date.parse('2024-08-01T08:00:00Z')],
  ])('--since %s', (value, expected) => {
    expect(parseSince(value, now)).toBe(expected);
  });

  test.each(['yesterday', '1y', '-1h', '', '2024-13-45', 'h1'])('--since %j is a usage error', (value) => {
    expect(() => parseSince(value, now)).toThrowError(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('--since') }));
  });

  test('--by', () => {
    expect(parseGroupBy(undefined)).toBe('model');
    expect(parseGroupBy('day')).toBe('day');
    expect(() => parseGroupBy('week')).toThrowError(expect.objectContaining({ exitCode: 2 }));
  });
});

describe('a 100 MB access log', () => {
  test('is aggregated streaming, in bounded memory and reasonable time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gag-usage-'));
    const file = join(dir, 'access.log');
    try {
      // Realistic lines, 12 models over 4 providers, one malformed line in 1000, one text line in 500.
      const providers = ['openai', 'deepseek', 'aliyun', 'ollama'];
      const block: string[] = [];
      for (let i = 0; i < 2000; i++) {
        const provider = providers[i % 4]!;
        const model = `${provider}-model-${i % 3}`;
        if (i % 1000 === 999) block.push('{"ai_log":"{\\"model\\":\\"cut');
        else if (i % 500 === 250) block.push('[2024-08-13 10:06:00.001][27][warning][config] gRPC config stream closed');
        else
          block.push(
            JSON.stringify({
              ai_log: JSON.stringify({ model, input_token: String(100 + (i % 50)), output_token: String(20 + (i % 7)), llm_service_duration: String(300 + i) }),
              authority: '127.0.0.1:8080',
              bytes_received: '512',
              bytes_sent: '2048',
              downstream_local_address: '172.17.0.2:8080',
              downstream_remote_address: '172.17.0.1:40000',
              duration: String(50 + ((i * 37) % 5000)),
              method: 'POST',
              path: '/v1/chat/completions',
              protocol: 'HTTP/1.1',
              request_id: `0b0e8c55-8f0c-4b0e-a7f5-${String(i).padStart(12, '0')}`,
              requested_server_name: '-',
              response_code: i % 40 === 0 ? '500' : '200',
              response_flags: '-',
              route_name: `ai-route-${provider}.internal`,
              start_time: new Date(Date.parse('2024-08-01T00:00:00Z') + i * 60_000).toISOString(),
              trace_id: '-',
              upstream_cluster: `outbound|443||llm-${provider}.internal.dns`,
              upstream_host: '104.18.7.192:443',
              upstream_service_time: String(300 + i),
              user_agent: 'openclaw/1.0',
              x_forwarded_for: '172.17.0.1',
            }),
          );
      }
      const chunk = Buffer.from(block.join('\n') + '\n');
      const fd = openSync(file, 'w');
      let written = 0;
      let blocks = 0;
      while (written < 100 * 1024 * 1024) {
        writeSync(fd, chunk);
        written += chunk.length;
        blocks++;
      }
      closeSync(fd);
      const size = statSync(file).size;
      expect(size).toBeGreaterThanOrEqual(100 * 1024 * 1024);

      const baseline = process.memoryUsage().heapUsed;
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }, 5);
      const started = performance.now();
      const aggregator = new UsageAggregator('model');
      await aggregateStream(createReadStream(file), aggregator);
      const report = aggregator.report(file);
      const ms = performance.now() - started;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      const growthMb = (peak - baseline) / 1024 / 1024;
      console.log(`usage of ${(size / 1024 / 1024).toFixed(1)} MB (${report.lines.read} lines): ${(ms / 1000).toFixed(2)} s, peak heap growth ${growthMb.toFixed(1)} MB`);

      expect(report.lines.read).toBe(blocks * 2000);
      expect(report.lines.malformed).toBe(blocks * 2);
      expect(report.lines.other).toBe(blocks * 4);
      expect(report.total.requests).toBe(blocks * (2000 - 6));
      expect(report.rows.length).toBe(12);
      // Holding the file's lines would take well over 100 MB of heap; the aggregation keeps a few MB.
      expect(growthMb).toBeLessThan(48);
      expect(ms).toBeLessThan(30_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
