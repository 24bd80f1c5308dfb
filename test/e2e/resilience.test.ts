// Failover, retries and model mapping on a live gateway (the double on a real engine, test/double/keypool.mjs).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { hostAddressForContainers, startMockUpstream, type MockUpstream, type RecordedRequest } from '../helpers/mock-upstream.js';
import { dockerFor, fetchWithTimeout, doubleStart, loadTestBed, waitFor, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
let upstream: MockUpstream;
let http: number;
const name = `gag-resil-${Math.random().toString(36).slice(2, 8)}`;
const env = () => ({ DOCKER_HOST: bed.dockerHost });
const cli = (args: string[]) => runCli([...args, '--container-name', name], { env: env() });

// The mock fails on demand per key: a revoked key gets 401, and the next `fail503` requests get 503.
const revoked = new Set<string>();
let fail503 = 0;
const keyOf = (r: RecordedRequest) => String(r.headers.authorization ?? '').replace(/^Bearer /, '');

beforeAll(async () => {
  bed = loadTestBed();
  upstream = await startMockUpstream({
    respond: (r) => {
      if (revoked.has(keyOf(r))) return { status: 401, body: { error: { message: 'invalid key' } } };
      if (fail503 > 0) {
        fail503--;
        return { status: 503, body: { error: { message: 'overloaded' } } };
      }
      return undefined;
    },
  });
  const hostIp = await hostAddressForContainers(bed);
  const start = await doubleStart(bed, name, join(tempDir(), 'data'));
  http = start.http;
  const res = await runCli(
    [...start.args,
      '--ollama-host', hostIp, '--ollama-port', String(upstream.port), '--ollama-key', 'key-1'],
    { env: env() },
  );
  if (res.exitCode !== 0) throw new Error(`start failed: ${res.stderr}`);
});

afterAll(async () => {
  await dockerFor(bed).getContainer(name).remove({ force: true }).catch(() => {});
  await upstream?.close();
});

async function chat(model = 'llama3.2') {
  const res = await fetchWithTimeout(`http://127.0.0.1:${http}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
  });
  await res.text();
  return res.status;
}

describe('resilience on a live gateway', () => {
  test('a revoked key of a pool of 3 is taken out after the threshold and comes back when accepted again', async () => {
    const add = await cli(['config', 'add', '--provider', 'ollama', '--key', 'key-1,key-2,key-3', '--failover', '--health-check-model', 'llama3.2', '--failure-threshold', '2']);
    expect(add.exitCode, add.stderr).toBe(0);
    revoked.add('key-2');
    // Requests go on until key-2 (keys are drawn at random) has failed twice.
    let key2Failures = 0;
    for (let i = 0; i < 200 && key2Failures < 2; i++) {
      upstream.clear();
      await chat();
      if (upstream.requests.some((r) => keyOf(r) === 'key-2')) key2Failures++;
    }
    expect(key2Failures).toBe(2);
    upstream.clear();
    for (let i = 0; i < 30; i++) expect(await chat()).toBe(200);
    const used = upstream.requests.filter((r) => r.body?.messages?.[0]?.content === 'hello').map(keyOf);
    expect(used).not.toContain('key-2');
    expect(new Set(used)).toEqual(new Set(['key-1', 'key-3']));

    // At the image's log level (warning) the gateway logs each failure but not the taking out: status says so.
    const status = JSON.parse((await cli(['status', '--json'])).stdout);
    expect(status.health).toMatchObject({ logLevel: 'warning', removalsLogged: false });
    const keys = status.providers.find((p: any) => p.id === 'ollama').health.keys;
    expect(keys.map((k: any) => [k.state, k.failures])).toEqual([[null, 0], [null, 2], [null, 0]]);
    expect(keys[1].failureStatuses).toEqual({ '401': 2 });
    expect((await cli(['status'])).stdout).toContain("keys taken out are not logged at the gateway's log level (warning)");

    // The health check probes key-2 with the health-check model; accepted again, it is back in the pool.
    upstream.clear();
    revoked.delete('key-2');
    const probe = () => upstream.requests.find((r) => keyOf(r) === 'key-2' && r.body?.messages?.[0]?.content !== 'hello');
    expect((await waitFor('a health check with key-2', probe, { timeoutMs: 20_000 })).body.model).toBe('llama3.2');
    const served = () => upstream.requests.some((r) => keyOf(r) === 'key-2' && r.body?.messages?.[0]?.content === 'hello');
    for (let i = 0; i < 60 && !served(); i++) expect(await chat()).toBe(200);
    expect(served()).toBe(true);
  }, 120_000);

  test('a 503 is retried once with another key and the client gets the answer', async () => {
    const add = await cli(['config', 'add', '--provider', 'ollama', '--key', 'key-1,key-2', '--retries', '1', '--retry-on-status', '503']);
    expect(add.exitCode, add.stderr).toBe(0);
    upstream.clear();
    fail503 = 1;
    expect(await chat()).toBe(200);
    expect(upstream.requests).toHaveLength(2);
    expect(keyOf(upstream.requests[0]!)).not.toBe(keyOf(upstream.requests[1]!));
  }, 60_000);

  test('--model-map rewrites the model the upstream sees; <id>/ stripping still works', async () => {
    const add = await cli(['config', 'add', '--provider', 'ollama', '--models', '*', '--model-map', 'gpt-4=llama3.2,~^small-(.*)$=qwen-${1}']);
    expect(add.exitCode, add.stderr).toBe(0);
    upstream.clear();
    expect(await chat('gpt-4')).toBe(200);
    expect(await chat('small-7b')).toBe(200);
    expect(await chat('ollama/gpt-4')).toBe(200);
    expect(upstream.requests.map((r) => r.body?.model)).toEqual(['llama3.2', 'qwen-7b', 'gpt-4']);
  }, 60_000);
});
