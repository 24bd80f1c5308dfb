// Six providers (three of them catch-alls) on a live gateway double: each request reaches its own provider's
// upstream with any `<id>/` prefix stripped, and GET /v1/models lists what the gateway serves, kept in sync by
// config changes without a restart.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { listFiles, runCli, tempDir } from '../helpers/cli.js';
import { hostAddressForContainers, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { dockerFor, fetchWithTimeout, doubleStart, loadTestBed, waitFor, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
let data: string;
let http: number;
let hostIp: string;
const upstreams: Record<string, MockUpstream> = {};
const HTTPS_PROVIDERS = ['deepseek', 'moonshot', 'groq', 'openrouter', 'fireworks'];
const name = `gag-routing-${Math.random().toString(36).slice(2, 8)}`;
const env = () => ({ DOCKER_HOST: bed.dockerHost });
const cli = (args: string[]) => runCli([...args, '--container-name', name], { env: env() });
const startedAt = async () => (await dockerFor(bed).getContainer(name).inspect()).State.StartedAt;

/**
 * Test equipment: the double cannot reach the vendors' https hosts, so each provider's registry is made a static
 * one on its own mock upstream over http (as we write it for a provider on an IPv4 address), with the service
 * renamed to match in ai-proxy's match rule and in every Ingress that routes to it. Routing itself is untouched.
 */
function pointRegistriesAtMocks(ids: string[]): void {
  const edit = (rel: string, change: (doc: any) => void) => {
    const path = join(data, rel);
    const doc = parse(readFileSync(path, 'utf8'));
    change(doc);
    doc.metadata.resourceVersion = String(Number(doc.metadata.resourceVersion) + 1);
    writeFileSync(`${path}.test.tmp`, stringify(doc));
    renameSync(`${path}.test.tmp`, path);
  };
  const dns = (id: string) => `llm-${id}.internal.dns`;
  const stat = (id: string) => `llm-${id}.internal.static`;
  edit('mcpbridges/default.yaml', (bridge) => {
    for (const registry of bridge.spec.registries) {
      const id = /^llm-(.+)\.internal$/.exec(registry.name)?.[1];
      if (id && ids.includes(id)) Object.assign(registry, { type: 'static', domain: `${hostIp}:${upstreams[id]!.port}`, port: 80, protocol: 'http' });
    }
  });
  edit('wasmplugins/ai-proxy.internal.yaml', (proxy) => {
    for (const rule of proxy.spec.matchRules) rule.service = rule.service.map((s: string) => ids.find((id) => s === dns(id)) ? stat(ids.find((id) => s === dns(id))!) : s);
  });
  for (const rel of listFiles(data).filter((f) => f.startsWith('ingresses/') && f.endsWith('.yaml'))) {
    const destination = parse(readFileSync(join(data, rel), 'utf8')).metadata?.annotations?.['higress.io/destination'];
    const id = ids.find((x) => destination === `${dns(x)}:443`);
    if (id) edit(rel, (ingress) => (ingress.metadata.annotations['higress.io/destination'] = `${stat(id)}:80`));
  }
}

async function chat(model: string) {
  for (const u of Object.values(upstreams)) u.clear();
  const res = await fetchWithTimeout(`http://127.0.0.1:${http}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
  });
  const hits = Object.entries(upstreams).filter(([, u]) => u.requests.length > 0);
  return { status: res.status, hits: hits.map(([id]) => id), request: hits[0]?.[1].requests[0] };
}

async function modelIds(): Promise<string[]> {
  const res = await fetchWithTimeout(`http://127.0.0.1:${http}/v1/models`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = (await res.json()) as { object: string; data: { id: string; object: string; owned_by: string }[] };
  expect(body.object).toBe('list');
  for (const m of body.data) expect(m).toEqual({ id: expect.any(String), object: 'model', owned_by: expect.any(String) });
  return body.data.map((m) => m.id);
}

beforeAll(async () => {
  bed = loadTestBed();
  for (const id of [...HTTPS_PROVIDERS, 'ollama']) upstreams[id] = await startMockUpstream();
  hostIp = await hostAddressForContainers(bed);
  data = join(tempDir(), 'data');
  const start = await doubleStart(bed, name, data);
  http = start.http;
  const res = await runCli(
    [...start.args,
      '--ollama-host', hostIp, '--ollama-port', String(upstreams.ollama!.port),
      '--deepseek-key', 'key-deepseek', '--moonshot-key', 'key-moonshot', '--groq-key', 'key-groq', '--openrouter-key', 'key-openrouter',
      '--fireworks-key', 'key-fireworks'],
    { env: env() },
  );
  if (res.exitCode !== 0) throw new Error(`start failed: ${res.stderr}`);
  const fallback = await cli(['config', 'fallback', '--provider', 'groq']);
  if (fallback.exitCode !== 0) throw new Error(`config fallback failed: ${fallback.stderr}`);
  pointRegistriesAtMocks(HTTPS_PROVIDERS);
  await waitFor('the registries to point at the mocks', async () => (await chat('deepseek-chat')).hits.includes('deepseek') || undefined);
});

afterAll(async () => {
  await dockerFor(bed).getContainer(name).remove({ force: true }).catch(() => {});
  for (const u of Object.values(upstreams)) await u.close();
});

describe('six providers, three of them catch-alls', () => {
  test.each([
    ['deepseek-chat', 'deepseek', 'deepseek-chat'],
    ['kimi-k2-0905-preview', 'moonshot', 'kimi-k2-0905-preview'],
    ['kimi/moonshot-v1-8k', 'moonshot', 'moonshot-v1-8k'],
    ['llama3.2', 'ollama', 'llama3.2'],
    ['ollama/qwen2.5:7b', 'ollama', 'qwen2.5:7b'],
    ['groq/llama-3.3-70b', 'groq', 'llama-3.3-70b'],
    ['mixtral-8x7b', 'groq', 'mixtral-8x7b'], // unknown name: the fallback
    ['openrouter/meta-llama/llama-3.1-8b', 'openrouter', 'meta-llama/llama-3.1-8b'],
    ['fireworks/accounts/fireworks/models/llama-v3p1-70b-instruct', 'fireworks', 'accounts/fireworks/models/llama-v3p1-70b-instruct'],
    ['deepseek/deepseek-reasoner', 'deepseek', 'deepseek-reasoner'],
  ])('%s reaches %s as %s', async (model, provider, upstreamModel) => {
    const res = await chat(model);
    expect(res.status).toBe(200);
    expect(res.hits).toEqual([provider]);
    expect(res.request?.body.model).toBe(upstreamModel);
    if (provider !== 'ollama') expect(res.request?.headers.authorization).toBe(`Bearer key-${provider}`);
    // models resolve tells the same story.
    const resolved = JSON.parse((await cli(['models', 'resolve', model, '--json'])).stdout);
    expect(resolved).toMatchObject({ provider, upstreamModel });
  });

  test('GET /v1/models lists the entry points; config add/remove and route default change it without a restart', async () => {
    const before = await startedAt();
    const ids = await modelIds();
    for (const id of ['deepseek/deepseek-chat', 'moonshot/moonshot-v1-8k', 'groq/llama-3.3-70b-versatile', 'openrouter/openai/gpt-4o-mini', 'fireworks/accounts/fireworks/models/llama-v3p1-70b-instruct']) {
      expect(ids).toContain(id);
    }
    expect(ids).not.toContain('higress/auto');

    const added = await cli(['config', 'add', '--provider', 'mistral', '--key', 'key-mistral', '--models', 'mistral-large-latest,mistral-*']);
    expect(added.exitCode, added.stderr).toBe(0);
    await waitFor('mistral in /v1/models', async () => (await modelIds()).includes('mistral-large-latest') || undefined);
    expect(await modelIds()).toContain('mistral/mistral-small-latest');

    const removed = await cli(['config', 'remove', '--provider', 'deepseek']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    await waitFor('deepseek gone from /v1/models', async () => !(await modelIds()).some((id) => id.startsWith('deepseek/')) || undefined);
    // Its models now go to the fallback.
    expect((await chat('deepseek-chat')).hits).toEqual(['groq']);

    const auto = await cli(['route', 'default', '--model', 'kimi-k2-0905-preview']);
    expect(auto.exitCode, auto.stderr).toBe(0);
    await waitFor('higress/auto in /v1/models', async () => (await modelIds()).includes('higress/auto') || undefined);
    expect(await startedAt()).toBe(before);
  });
});
