// config and route on a live gateway (the double on a real engine): hot reload, no restart, nothing lost.
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { PROVIDERS } from '../../src/core/catalog.js';
import { BIN, listFiles, runCli, tempDir } from '../helpers/cli.js';
import { hostAddressForContainers, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { dockerFor, fetchWithTimeout, doubleStart, loadTestBed, waitFor, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
let upstream: MockUpstream;
let data: string;
let http: number;
const name = `gag-reload-${Math.random().toString(36).slice(2, 8)}`;
const env = () => ({ DOCKER_HOST: bed.dockerHost });
const cli = (args: string[], extraEnv: Record<string, string> = {}) => runCli([...args, '--container-name', name], { env: { ...env(), ...extraEnv } });
const startedAt = async () => (await dockerFor(bed).getContainer(name).inspect()).State.StartedAt;

beforeAll(async () => {
  bed = loadTestBed();
  upstream = await startMockUpstream();
  const hostIp = await hostAddressForContainers(bed);
  data = join(tempDir(), 'data');
  const start = await doubleStart(bed, name, data);
  http = start.http;
  const res = await runCli(
    [...start.args,
      '--ollama-host', hostIp, '--ollama-port', String(upstream.port), '--ollama-key', 'key-before-rotation',
      '--auto-routing', '--auto-routing-default-model', 'llama-default'],
    { env: env() },
  );
  if (res.exitCode !== 0) throw new Error(`start failed: ${res.stderr}`);
});

afterAll(async () => {
  await dockerFor(bed).getContainer(name).remove({ force: true }).catch(() => {});
  await upstream?.close();
});

async function chat(model: string, content = 'hello') {
  upstream.clear();
  const res = await fetchWithTimeout(`http://127.0.0.1:${http}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content }] }),
  });
  return { status: res.status, upstream: upstream.requests[0] };
}

describe('hot reload on a live gateway', () => {
  test('config add rotates the key: the next request carries it, the container was not restarted', async () => {
    const before = await startedAt();
    expect((await chat('llama3.2')).upstream?.headers.authorization).toBe('Bearer key-before-rotation');
    const res = await cli(['config', 'add', '--provider', 'ollama', '--key-env', 'ROTATED'], { ROTATED: 'key-after-rotation' });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Hot-reloaded in \d+ ms/);
    expect(res.stdout).not.toContain('key-after-rotation');
    const next = await chat('llama3.2');
    expect(next.status).toBe(200);
    expect(next.upstream?.headers.authorization).toBe('Bearer key-after-rotation');
    expect(await startedAt()).toBe(before);
  });

  test('the in-container write path (forced) reloads too', async () => {
    const res = await cli(['config', 'add', '--provider', 'ollama', '--key', 'key-via-container', '--write-mode', 'container']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Hot-reloaded in \d+ ms/);
    expect((await chat('llama3.2')).upstream?.headers.authorization).toBe('Bearer key-via-container');
    const viaEnv = await cli(['config', 'add', '--provider', 'ollama', '--key', 'key-via-env-mode'], { GET_AI_GATEWAY_WRITE_MODE: 'container' });
    expect(viaEnv.exitCode, viaEnv.stderr).toBe(0);
    expect((await chat('llama3.2')).upstream?.headers.authorization).toBe('Bearer key-via-env-mode');
    expect(listFiles(data).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('route add: a higress/auto request with the trigger reaches the chosen model', async () => {
    const res = await cli(['route', 'add', '--model', 'llama-thinker', '--trigger', 'deep thinking|深入思考']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Hot-reloaded in \d+ ms/);
    const routed = await chat('higress/auto', 'Deep thinking: why is the sky blue?');
    expect(routed.status).toBe(200);
    expect(routed.upstream?.body.model).toBe('llama-thinker');
    const fallback = await chat('higress/auto', 'just chatting');
    expect(fallback.upstream?.body.model).toBe('llama-default');
    const test = JSON.parse((await cli(['route', 'test', 'Deep thinking: why is the sky blue?', '--json'])).stdout);
    expect(test).toMatchObject({ model: 'llama-thinker', ruleId: 0 });
  });

  test('YAML 1.1 specials stay strings: a key `on` for model `y` reaches the server as `Bearer on`', async () => {
    const hostIp = await hostAddressForContainers(bed);
    const res = await cli(['config', 'add', '--provider', 'openai-compatible', '--openai-compatible-url', `http://${hostIp}:${upstream.port}/v1`, '--key', 'on', '--models', 'y']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Hot-reloaded in \d+ ms/);
    expect(readFileSync(join(data, 'wasmplugins/ai-proxy.internal.yaml'), 'utf8')).toMatch(/- "on"/);
    const reply = await chat('y');
    expect(reply.status).toBe(200);
    expect(reply.upstream?.headers.authorization).toBe('Bearer on');
    expect(reply.upstream?.headers['x-higress-llm-model']).toBe('y');
    const removed = await cli(['config', 'remove', '--provider', 'openai-compatible']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect((await chat('y')).status).toBe(404);
  });

  test('config remove makes the provider\'s models unroutable', async () => {
    const res = await cli(['config', 'remove', '--provider', 'ollama']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Hot-reloaded in \d+ ms/);
    expect((await chat('llama3.2')).status).toBe(404);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('concurrent changes lose nothing', () => {
  test('20 concurrent config add of different providers plus 10 concurrent route add', async () => {
    const simple = PROVIDERS.filter((p) => !p.extras?.some((f) => f.required) && !p.keys && !p.excludes).slice(0, 20);
    expect(simple).toHaveLength(20);
    const runs = [
      ...simple.map((p) => cli(['config', 'add', '--provider', p.id, '--key', `key-${p.id}-concurrent`])),
      ...Array.from({ length: 10 }, (_, i) => cli(['route', 'add', '--model', `model-${i}`, '--trigger', `trigger ${i}`])),
    ];
    const results = await Promise.all(runs);
    for (const r of results) expect(r.exitCode, r.stderr).toBe(0);
    const proxy = parse(readFileSync(join(data, 'wasmplugins/ai-proxy.internal.yaml'), 'utf8'));
    for (const p of simple) {
      expect(proxy.spec.defaultConfig.providers.find((x: any) => x.id === p.id)?.apiTokens, p.id).toEqual([`key-${p.id}-concurrent`]);
      expect(proxy.spec.matchRules.some((r: any) => r.config.activeProviderId === p.id), p.id).toBe(true);
    }
    const routes = JSON.parse((await cli(['route', 'list', '--json'])).stdout);
    expect(routes.rules.map((r: any) => r.model).filter((m: string) => m.startsWith('model-')).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `model-${i}`).sort(),
    );
    // The gateway saw the final state too.
    const state = await waitFor('the double to load every provider', async () => {
      const res = await fetchWithTimeout(`http://127.0.0.1:${http}/__double/state`);
      const body = (await res.json()) as any;
      const loaded = body.resources['wasmplugins/ai-proxy.internal']?.spec.defaultConfig.providers ?? [];
      return simple.every((p) => loaded.some((x: any) => x.id === p.id && x.apiTokens[0] === `key-${p.id}-concurrent`)) ? body : undefined;
    });
    expect(state.reloadCount).toBeGreaterThan(0);
  });

  test('processes killed with SIGKILL in the middle of writes leave every file parseable and no .tmp', async () => {
    for (let round = 0; round < 6; round++) {
      const children = PROVIDERS.slice(0, 8).filter((p) => !p.extras?.some((f) => f.required) && !p.keys && !p.excludes).map((p) =>
        execa('node', [BIN, 'config', 'add', '--provider', p.id, '--key', `kill-${round}`, '--data-folder', data, '--container-name', name], {
          env: { ...env(), CI: 'true' },
          reject: false,
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 150 + round * 60)); // vary where the kill lands
      for (const child of children) child.kill('SIGKILL');
      await Promise.all(children);
      for (const file of listFiles(data).filter((f) => f.endsWith('.yaml'))) {
        expect(() => parse(readFileSync(join(data, file), 'utf8')), file).not.toThrow();
      }
    }
    // Any orphan a kill left between link and rename is ours and is cleared by the next command.
    const next = await cli(['config', 'add', '--provider', 'deepseek', '--key', 'after-kills']);
    expect(next.exitCode, next.stderr).toBe(0);
    const temps = readdirSync(data, { recursive: true }).map(String).filter((f) => f.endsWith('.tmp'));
    expect(temps).toEqual([]);
  });
});
