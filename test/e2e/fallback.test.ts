// Fallback across providers (`route fallback`) on a live gateway: the double on a real engine
// (test/double/custom-response-filter.mjs), three mock providers that fail on demand, one container start.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { hostAddressForContainers, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { dockerFor, fetchWithTimeout, doubleStart, freePorts, loadTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
let hostIp: string;
let http: number;
let startedAt: string;
const name = `gag-fallback-${Math.random().toString(36).slice(2, 8)}`;
const env = () => ({ DOCKER_HOST: bed.dockerHost });
const cli = (args: string[]) => runCli([...args, '--container-name', name], { env: env() });

// a: ollama (gpt-4o, llama3.2), b: vllm (model-b), c: openai-compatible (model-c); each answers 503 while down.
const down = { a: false, b: false, c: false };
let slowA = false; // a answers after 5 s, beyond its --first-byte-timeout-ms
const mocks = {} as Record<keyof typeof down, MockUpstream>;
const chatsTo = (m: keyof typeof down) => mocks[m].requests.filter((r) => r.path.endsWith('/chat/completions'));

beforeAll(async () => {
  bed = loadTestBed();
  for (const m of ['a', 'b', 'c'] as const) {
    mocks[m] = await startMockUpstream({
      respond: () => (down[m] ? { status: 503, body: { error: { message: `${m} is down` } } } : m === 'a' && slowA ? { status: 200, body: { slow: true }, delayMs: 5000 } : undefined),
    });
  }
  hostIp = await hostAddressForContainers(bed);
  const start = await doubleStart(bed, name, join(tempDir(), 'data'));
  http = start.http;
  const res = await runCli(
    [...start.args,
      '--ollama-host', hostIp, '--ollama-port', String(mocks.a.port), '--ollama-key', 'key-a', '--ollama-models', 'gpt-4o,llama3.2'],
    { env: env() },
  );
  if (res.exitCode !== 0) throw new Error(`start failed: ${res.stderr}`);
  for (const args of [
    ['config', 'add', '--provider', 'vllm', '--vllm-url', `http://${hostIp}:${mocks.b.port}/v1`, '--key', 'key-b', '--models', 'model-b'],
    ['config', 'add', '--provider', 'openai-compatible', '--openai-compatible-url', `http://${hostIp}:${mocks.c.port}/v1`, '--key', 'key-c', '--models', 'model-c'],
  ]) {
    const added = await cli(args);
    if (added.exitCode !== 0) throw new Error(`${args.join(' ')} failed: ${added.stderr}`);
  }
  startedAt = (await dockerFor(bed).getContainer(name).inspect()).State.StartedAt;
});

afterAll(async () => {
  await dockerFor(bed).getContainer(name).remove({ force: true }).catch(() => {});
  for (const m of Object.values(mocks)) await m?.close();
});

async function chat(model: string, stream = false) {
  for (const m of Object.values(mocks)) m.clear();
  const res = await fetchWithTimeout(`http://127.0.0.1:${http}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hello' }] }),
  });
  await res.text();
  return { status: res.status, fallbackFrom: res.headers.get('x-higress-fallback-from') };
}

describe('route fallback on a live gateway', () => {
  test('set a chain: hot-reloaded; with the first provider up nothing falls back', async () => {
    const set = await cli(['route', 'fallback', '--model', 'gpt-4o', '--to', 'model-b,model-c']);
    expect(set.exitCode, set.stderr).toBe(0);
    expect(set.stdout).toContain('gpt-4o (ollama) falls back on 401,403,408,429,5xx to model-b (vllm), then model-c (openai-compatible).');
    expect(set.stdout).toMatch(/Hot-reloaded in \d+ ms/);
    expect(await chat('gpt-4o')).toEqual({ status: 200, fallbackFrom: null });
    expect(chatsTo('a').map((r) => r.body.model)).toEqual(['gpt-4o']);
    expect(chatsTo('b')).toHaveLength(0);
  }, 60_000);

  test('the first provider answers 503: the second answers, with the mapped model and its own key', async () => {
    down.a = true;
    const r = await chat('gpt-4o');
    expect(r.status).toBe(200);
    expect(r.fallbackFrom).toMatch(/^ai-fallback-[0-9a-f]{8}\.internal$/);
    expect(chatsTo('a')).toHaveLength(1);
    expect(chatsTo('b').map((x) => [x.body.model, x.headers.authorization, x.body.messages[0].content])).toEqual([['model-b', 'Bearer key-b', 'hello']]);
    expect(chatsTo('c')).toHaveLength(0);
  }, 60_000);

  test('another model of the first provider is not redirected', async () => {
    expect((await chat('llama3.2')).status).toBe(503);
    expect(chatsTo('a').map((r) => r.body.model)).toEqual(['llama3.2']);
    expect(chatsTo('b')).toHaveLength(0);
    expect(chatsTo('c')).toHaveLength(0);
  }, 60_000);

  test('the first two are down: the third answers', async () => {
    down.b = true;
    const r = await chat('gpt-4o');
    expect(r.status).toBe(200);
    expect(r.fallbackFrom).toMatch(/^ai-fallback-[0-9a-f]{8}-1\.internal$/);
    expect([chatsTo('a').length, chatsTo('b').length]).toEqual([1, 1]);
    expect(chatsTo('c').map((x) => [x.body.model, x.headers.authorization])).toEqual([['model-c', 'Bearer key-c']]);
    down.b = false;
  }, 60_000);

  // The gateway's own timeout on a provider is the first-byte timeout of a streaming request (ai-proxy's
  // `timeout` does not bound the forwarded request: provider.go:315-317).
  test('the first provider times out (the gateway answers 504 itself): the second answers', async () => {
    const timed = await cli(['config', 'add', '--provider', 'ollama', '--ollama-host', hostIp, '--ollama-port', String(mocks.a.port), '--key', 'key-a', '--models', 'gpt-4o,llama3.2', '--first-byte-timeout-ms', '1000']);
    expect(timed.exitCode, timed.stderr).toBe(0);
    down.a = false;
    slowA = true;
    try {
      expect(await chat('llama3.2', true)).toEqual({ status: 504, fallbackFrom: null });
      const r = await chat('gpt-4o', true);
      expect(r.status).toBe(200);
      expect(chatsTo('a').map((x) => x.body.model)).toEqual(['gpt-4o']);
      expect(chatsTo('b').map((x) => x.body.model)).toEqual(['model-b']);
    } finally {
      slowA = false;
    }
  }, 60_000);

  test('the first provider is unreachable (the gateway answers 503 itself): the second answers', async () => {
    const [closed] = await freePorts(1);
    const moved = await cli(['config', 'add', '--provider', 'ollama', '--ollama-host', hostIp, '--ollama-port', String(closed), '--key', 'key-a', '--models', 'gpt-4o,llama3.2']);
    expect(moved.exitCode, moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(/Hot-reloaded in \d+ ms/);
    down.a = false;
    const r = await chat('gpt-4o');
    expect(r.status).toBe(200);
    expect(chatsTo('a')).toHaveLength(0);
    expect(chatsTo('b').map((x) => x.body.model)).toEqual(['model-b']);
    const resolved = JSON.parse((await cli(['models', 'resolve', 'gpt-4o', '--json'])).stdout);
    expect(resolved).toMatchObject({ provider: 'ollama', via: 'exact', fallback: { on: '401,403,408,429,5xx', active: true, to: [{ model: 'model-b', provider: 'vllm' }, { model: 'model-c', provider: 'openai-compatible' }] } });
  }, 60_000);

  test('removing the chain restores plain failure, without a restart', async () => {
    const removed = await cli(['route', 'fallback', '--model', 'gpt-4o', '--remove']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/Hot-reloaded in \d+ ms/);
    expect((await chat('gpt-4o')).status).toBe(503);
    expect(chatsTo('b')).toHaveLength(0);
    expect(JSON.parse((await cli(['route', 'list', '--json'])).stdout).fallbackChains).toEqual([]);
    expect((await dockerFor(bed).getContainer(name).inspect()).State.StartedAt).toBe(startedAt);
  }, 60_000);
});
