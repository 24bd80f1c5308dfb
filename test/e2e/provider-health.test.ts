// `status` per provider on a live gateway (the double on a real engine): traffic from the access log, keys taken
// out of a pool from ai-proxy's lines in the gateway's log, and the first-byte timeout; configured by `start`'s
// per-provider resilience flags.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { hostAddressForContainers, startMockUpstream, type MockUpstream, type RecordedRequest } from '../helpers/mock-upstream.js';
import { dockerFor, fetchWithTimeout, doubleStart, loadTestBed, waitFor, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
let upstream: MockUpstream;
let http: number;
const name = `gag-health-${Math.random().toString(36).slice(2, 8)}`;
const KEYS = ['key-aaaa-0001', 'key-bbbb-0002', 'key-cccc-0003'];
const env = () => ({ DOCKER_HOST: bed.dockerHost });
const cli = (args: string[]) => runCli([...args, '--container-name', name], { env: env() });

const revoked = new Set<string>();
let fail503 = 0;
const keyOf = (r: RecordedRequest) => String(r.headers.authorization ?? '').replace(/^Bearer /, '');
const said = (r: RecordedRequest) => String(r.body?.messages?.[0]?.content ?? '');

beforeAll(async () => {
  bed = loadTestBed();
  upstream = await startMockUpstream({
    respond: (r) => {
      if (revoked.has(keyOf(r))) return { status: 401, body: { error: { message: 'invalid key' } } };
      if (said(r) === 'fail' && fail503 > 0) {
        fail503--;
        return { status: 503, body: { error: { message: 'overloaded' } } };
      }
      const answer = { choices: [{ index: 0, message: { role: 'assistant', content: 'late' }, finish_reason: 'stop' }] };
      if (said(r) === 'slow') return { status: 200, body: answer, delayMs: 400 };
      if (said(r) === 'silent') return { status: 200, body: answer, delayMs: 3000 };
      return undefined;
    },
  });
  const hostIp = await hostAddressForContainers(bed);
  const start = await doubleStart(bed, name, join(tempDir(), 'data'));
  http = start.http;
  // Only a revoked key's 401 takes a key out here, so the forced 503s stay plain errors.
  const res = await runCli(
    [...start.args, '--gateway-log-level', 'info',
      '--ollama-host', hostIp, '--ollama-port', String(upstream.port), '--ollama-key', KEYS.join(','), '--ollama-models', '*',
      '--ollama-failover', '--ollama-health-check-model', 'llama3.2', '--ollama-failure-threshold', '2', '--ollama-failover-on-status', '401',
      '--ollama-first-byte-timeout-ms', '800'],
    { env: env() },
  );
  if (res.exitCode !== 0) throw new Error(`start failed: ${res.stderr}`);
});

afterAll(async () => {
  await dockerFor(bed).getContainer(name).remove({ force: true }).catch(() => {});
  await upstream?.close();
});

async function chat(content: string, stream = false) {
  const res = await fetchWithTimeout(`http://127.0.0.1:${http}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'llama3.2', stream, messages: [{ role: 'user', content }] }),
  });
  return { status: res.status, text: await res.text() };
}

async function status() {
  const r = await cli(['status', '--json']);
  expect(r.stdout, r.stderr).not.toBe('');
  const report = JSON.parse(r.stdout);
  return { report, ollama: report.providers.find((p: any) => p.id === 'ollama'), text: r.stdout };
}

describe('status per provider on a live gateway', () => {
  test('start wrote the per-provider flags; the gateway runs at the log level asked for', async () => {
    const { ollama, report } = await status();
    expect(ollama.settings).toEqual({ failover: { healthCheckModel: 'llama3.2', failureThreshold: 2, onStatus: '401' }, firstByteTimeoutMs: 800 });
    expect(report.health).toMatchObject({ window: '15m', logLevel: 'info', removalsLogged: true, gatewayLog: `${name}:/var/log/higress/gateway.log` });
    const inspect = await dockerFor(bed).getContainer(name).inspect();
    expect(inspect.Config.Env).toContain('GATEWAY_LOG_LEVEL=info');
  });

  test('a silent upstream on a streaming request gets the gateway\'s 504 after the first-byte timeout', async () => {
    const started = Date.now();
    const r = await chat('silent', true);
    expect(r.status).toBe(504);
    expect(r.text).toBe('upstream request timeout');
    expect(Date.now() - started).toBeLessThan(2500);
  });

  test('status --json counts what was sent: 10 requests, 3 forced 503s, one slow answer, and the 504 above', async () => {
    fail503 = 3;
    const sent: number[] = [];
    for (let i = 0; i < 10; i++) sent.push((await chat(i < 3 ? 'fail' : i === 9 ? 'slow' : 'hello')).status);
    expect(sent.filter((s) => s === 503)).toHaveLength(3);
    expect(sent.filter((s) => s === 200)).toHaveLength(7);
    const { ollama, report } = await status();
    expect(report.health.accessLog).toMatch(/logs\/access\.log$/);
    expect(ollama.health.traffic).toMatchObject({ requests: 11, errors: 4, errorRate: 0.364, statuses: { '2xx': 7, '5xx': 4 } });
    // The slow answer (400 ms) and the 504 (800 ms) are the two slowest of 11: p95 is the slowest, p50 a fast one.
    expect(ollama.health.traffic.p95Ms).toBeGreaterThanOrEqual(800);
    expect(ollama.health.traffic.p50Ms).toBeLessThan(400);
    const text = (await cli(['status'])).stdout;
    expect(text).toMatch(/traffic: 11 requests, 4 errors \(36%: 5xx 4\), p50 \d+ ms, p95 \d+ ms/);
  }, 60_000);

  test('a revoked key is shown taken out (masked) and back in the pool after it recovers', async () => {
    revoked.add(KEYS[1]!);
    let failures = 0;
    for (let i = 0; i < 200 && failures < 2; i++) {
      upstream.clear();
      await chat('hello');
      if (upstream.requests.some((r) => keyOf(r) === KEYS[1])) failures++;
    }
    expect(failures).toBe(2);
    const out = await waitFor('status to show key 2 taken out', async () => {
      const { ollama } = await status();
      return ollama.health.keys[1].state === 'out' ? ollama : undefined;
    }, { timeoutMs: 10_000 });
    expect(out.health.keys[1]).toMatchObject({ key: 'key-***0002', state: 'out', failures: 2, failureStatuses: { '401': 2 } });
    expect(out.health.keys[0]).toMatchObject({ key: 'key-***0001', state: 'in' });
    expect(out.health.keys[2]).toMatchObject({ key: 'key-***0003', state: 'in' });
    const { text } = await status();
    for (const key of KEYS) expect(text).not.toContain(key);
    expect((await cli(['status'])).stdout).toMatch(/key-\*\*\*0002 taken out at \S+ 2 failures \(401×2\)/);

    // The health check finds it accepted again (every 5 s) and puts it back.
    revoked.delete(KEYS[1]!);
    const back = await waitFor('status to show key 2 back', async () => {
      const { ollama } = await status();
      return ollama.health.keys[1].state === 'in' ? ollama : undefined;
    }, { timeoutMs: 30_000, intervalMs: 1000 });
    expect(back.health.keys[1].changedAt).not.toBeNull();
    expect((await cli(['status'])).stdout).toMatch(/key-\*\*\*0002 in the pool \(back at \S+\) 2 failures/);
  }, 120_000);
});
