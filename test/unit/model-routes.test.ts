import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { GatewayFiles } from '../../src/core/gateway-files.js';
import { createHash } from 'node:crypto';
import { chooseFallback, entryModelMapping, hash8, planRoutes } from '../../src/core/model-routes.js';

const p = (id: string, models: string, entryNames: string[] = [id]) => ({ id, models, entryNames });

describe('route plan', () => {
  test('route names carry the first 8 hex digits of SHA-256, as written by every earlier version (node:crypto)', () => {
    for (const name of ['gpt-4o', 'qwen-*', 'claude-3-5-sonnet-20241022', 'модель', 'm\u{1F600}', '', 'x'.repeat(300)]) {
      expect(hash8(name)).toBe(createHash('sha256').update(name).digest('hex').slice(0, 8));
    }
  });

  test('a pattern listed twice goes to the provider configured first; the other is told who has it', () => {
    const plan = planRoutes([p('vertex', 'gemini-*'), p('gemini', 'gemini-*,gemini-exp')], undefined);
    expect(plan.routes.filter((r) => r.tier !== 'entry').map((r) => [r.provider, r.pattern])).toEqual([['vertex', 'gemini-*'], ['gemini', 'gemini-exp']]);
    expect(plan.shadowed).toEqual([{ provider: 'gemini', pattern: 'gemini-*', by: 'vertex' }]);
  });

  test('route names sort entry < exact < longer glob < shorter glob < fallback', () => {
    const plan = planRoutes([p('zz', '*,gpt-*'), p('aa', 'gpt-4o*,gpt-4o')], 'zz');
    const names = plan.routes.map((r) => `${r.name} ${r.pattern}`).sort();
    expect(names.map((n) => n.split(' ')[1])).toEqual(['aa/*', 'zz/*', 'gpt-4o', 'gpt-4o*', 'gpt-*', '*']);
  });

  test('the fallback: the one asked for if it lists *, else the current one, else the first listing *', () => {
    const providers = [p('a', 'x-*'), p('b', '*'), p('c', '*')];
    expect(chooseFallback(providers, undefined, undefined)).toBe('b');
    expect(chooseFallback(providers, undefined, 'c')).toBe('c');
    expect(chooseFallback(providers, 'b', 'c')).toBe('b');
    expect(chooseFallback(providers, 'a', 'c')).toBe('c'); // a does not list *
    expect(chooseFallback([p('a', 'x-*')], undefined, undefined)).toBeUndefined();
  });

  test('the prefix-stripping modelMapping entry', () => {
    expect(entryModelMapping(['moonshot', 'kimi'])).toEqual(['~^(?:moonshot|kimi)/(.*)$', '$1']);
  });
});

describe('routes in the data folder', () => {
  async function load(texts: Map<string, string>) {
    return GatewayFiles.load(async (path) => texts.get(path) ?? null, {
      editable: true,
      list: async (dir) => [...texts.keys()].filter((k) => k.startsWith(`${dir}/`)).map((k) => k.slice(dir.length + 1)),
    });
  }
  async function fresh(): Promise<Map<string, string>> {
    const files = await GatewayFiles.empty();
    await files.upsertProvider({ id: 'moonshot', tokens: ['sk-1'], models: 'moonshot-*,kimi-*', extras: {} });
    await files.syncRoutes();
    return new Map(files.changes().map((c) => [c.path, c.content!]));
  }

  test('an entry route saved again by the console (its regex form) is not read as an old layout', async () => {
    const texts = await fresh();
    const path = 'ingresses/ai-route-moonshot.internal.yaml';
    const consoleSaved = texts.get(path)!
      .replace('"(?:moonshot|kimi)/.*"', '"^(moonshot/.*|kimi/.*)"')
      .replace(/ *get-ai-gateway\.io\/models: .*\n/, '');
    texts.set(path, consoleSaved);
    const files = await load(texts);
    expect(files.configuredProviders()[0]).toMatchObject({ id: 'moonshot', legacyLayout: false, models: 'moonshot-*,kimi-*' });
  });

  test('a provider the console made under an id outside the catalog keeps its own routes', async () => {
    const texts = await fresh();
    const proxy = parse(texts.get('wasmplugins/ai-proxy.internal.yaml')!);
    proxy.spec.defaultConfig.providers.push({ id: 'my-llm', type: 'openai', apiTokens: ['sk-x'] });
    proxy.spec.matchRules.push({ service: ['llm-my-llm.internal.dns'], configDisable: false, config: { activeProviderId: 'my-llm' } });
    texts.set('wasmplugins/ai-proxy.internal.yaml', JSON.stringify(proxy));
    const files = await load(texts);
    await files.syncRoutes();
    const written = files.changes().map((c) => c.path);
    expect(written.filter((p) => p.includes('my-llm'))).toEqual([]);
    expect(files.modelMapping('my-llm')).toEqual({});
  });

  test('re-syncing an unchanged folder writes nothing', async () => {
    const files = await load(await fresh());
    await files.syncRoutes();
    expect(files.changes()).toEqual([]);
  });
});
