/**
 * Every catalog provider with its default models, configured in several orders: the files we write give each
 * route its own key on the real controller, and every pattern, `<id>/…` and `<alias>/…` reaches the intended
 * provider. The controller is simulated by test/helpers/higress-controller.ts (the gateway double's routing,
 * written from the Go source), not by our resolver, so the two can disagree.
 */
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { PROVIDERS } from '../../src/core/catalog.js';
import { renderFreshDataFolder } from '../../src/core/start-plan.js';
import { createResolver } from '../../src/core/ops/models.js';
import { GatewayFiles } from '../../src/core/gateway-files.js';
import { chatRequest, controllerRoutes } from '../helpers/higress-controller.js';
import { planFromArgs } from '../helpers/golden.js';

const HUNYUAN = ['--hunyuan-auth-id', 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE', '--hunyuan-auth-key', 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE'];
/** Flags that configure a provider (key plus the fields it requires). */
function flagsFor(id: string): string[] {
  const p = PROVIDERS.find((x) => x.id === id)!;
  const extra: Record<string, string[]> = {
    azure: ['--azure-service-url', 'https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-06-01'],
    bedrock: ['--bedrock-region', 'us-east-1'],
    vertex: ['--vertex-project-id', 'proj', '--vertex-region', 'us-central1'],
    ollama: ['--ollama-host', '192.168.1.50'],
    cloudflare: ['--cloudflare-account-id', 'acct'],
    deepl: ['--deepl-target-lang', 'EN'],
    vllm: ['--vllm-url', 'http://192.168.1.60:8000/v1'],
    'openai-compatible': ['--openai-compatible-url', 'http://192.168.1.61:1234/v1'],
  };
  if (id === 'hunyuan') return HUNYUAN;
  const key = id === 'spark' ? 'k:s' : `key-${id}-0001`;
  return [`--${p.flag}-key`, key, ...(extra[id] ?? [])];
}

async function render(ids: string[]): Promise<Map<string, any>> {
  const args = ['--non-interactive', ...ids.flatMap(flagsFor)];
  const plan = planFromArgs(args, { dataFolder: '/nonexistent/routing-table' });
  // The configuration order decides who keeps a shared pattern: apply providers in the order given.
  plan.providers = ids.map((id) => plan.providers.find((p) => p.id === id)!);
  const files = await renderFreshDataFolder(plan);
  return new Map(files.filter((f) => f.path.endsWith('.yaml')).map((f) => [f.path, parse(f.content)]));
}

/** The intended winner for a model: exact name, else the glob with the most literal characters, else the fallback; ties: first configured. */
function intendedWinner(order: string[], models: Map<string, string>, model: string): string | undefined {
  const globRe = (glob: string) => new RegExp(`^${glob.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  let best: { id: string; rank: number } | undefined;
  for (const id of order) {
    for (const pattern of models.get(id)!.split(',')) {
      if (pattern === '*') continue;
      const rank = pattern.includes('*') ? pattern.replaceAll('*', '').length : Number.MAX_SAFE_INTEGER;
      if (globRe(pattern).test(model) && (!best || rank > best.rank)) best = { id, rank };
    }
  }
  return best?.id ?? order.find((id) => models.get(id)!.split(',').includes('*'));
}

const ALL = PROVIDERS.map((p) => p.id);
const seeded = (ids: string[], seed: number) => {
  const out = [...ids];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};
const orders: [string, string[]][] = [
  ['catalog order without azure', ALL.filter((id) => id !== 'azure')],
  ['reversed, without openai', [...ALL].reverse().filter((id) => id !== 'openai')],
  ['shuffled (seed 7), without azure', seeded(ALL.filter((id) => id !== 'azure'), 7)],
  ['shuffled (seed 42), without openai', seeded(ALL.filter((id) => id !== 'openai'), 42)],
];

describe.each(orders)('all catalog providers, %s', (_label, order) => {
  test('no two routes share a key; nothing is dropped', async () => {
    const resources = await render(order);
    const view = controllerRoutes(resources);
    expect(view.duplicated).toEqual([]);
    const ingresses = [...resources.keys()].filter((p) => p.startsWith('ingresses/')).length;
    expect(view.routeCount).toBe(ingresses); // one route per Ingress: none lost
  });

  test('a sample model of every pattern reaches the intended provider, unchanged', async () => {
    const resources = await render(order);
    const view = controllerRoutes(resources);
    const models = new Map(order.map((id) => [id, PROVIDERS.find((p) => p.id === id)!.defaultModels]));
    const samples = new Set<string>(['no-such-model-zz']);
    for (const id of order) {
      for (const pattern of models.get(id)!.split(',')) samples.add(pattern === '*' ? `any-${id}-model` : pattern.replaceAll('*', 'sample-1'));
      for (const usual of PROVIDERS.find((p) => p.id === id)!.usualModels) samples.add(usual);
    }
    const mismatches: string[] = [];
    for (const model of samples) {
      const got = chatRequest(resources, view, model);
      // A name that starts with a configured provider's `<name>/` goes there by design (e.g. openai/gpt-4o-mini).
      const prefixed = order.find((id) => [id, PROVIDERS.find((p) => p.id === id)!.flag, ...PROVIDERS.find((p) => p.id === id)!.aliases].some((n) => model.startsWith(`${n}/`)));
      const want = prefixed ?? intendedWinner(order, models, model);
      if (got?.provider !== want) mismatches.push(`${model}: gateway -> ${got?.provider ?? '404'}, intended ${want ?? '404'}`);
      else if (!prefixed && got && got.model !== model) mismatches.push(`${model}: sent to ${got.provider} as ${got.model}`);
    }
    expect(mismatches).toEqual([]);
  });

  test('<id>/<model> and <alias>/<model> reach every provider with the prefix stripped', async () => {
    const resources = await render(order);
    const view = controllerRoutes(resources);
    const mismatches: string[] = [];
    for (const id of order) {
      const p = PROVIDERS.find((x) => x.id === id)!;
      for (const name of new Set([id, p.flag, ...p.aliases])) {
        for (const model of [...p.usualModels, 'llama-3.3-70b', 'moonshot-v1-8k', 'weird.model+v1']) {
          const got = chatRequest(resources, view, `${name}/${model}`);
          if (got?.provider !== id || got.model !== model) mismatches.push(`${name}/${model}: ${got ? `${got.provider} gets ${got.model}` : '404'}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  test('our resolver agrees with the controller oracle', async () => {
    const resources = await render(order);
    const view = controllerRoutes(resources);
    const texts = new Map([...resources].map(([path, doc]) => [path, JSON.stringify(doc)]));
    const files = await GatewayFiles.load(async (path) => texts.get(path) ?? null, { list: async (dir) => [...texts.keys()].filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1)) });
    const resolver = createResolver(files);
    for (const model of ['gpt-4o', 'gemini-2.5-pro', 'groq/llama-3.3-70b', 'kimi/moonshot-v1-8k', 'claude-sonnet-4-5', 'unknown-x', 'open-mistral-7b']) {
      const oracle = chatRequest(resources, view, model);
      const ours = resolver.resolve(model);
      expect({ provider: ours.provider, model: ours.upstreamModel, route: ours.route }, model).toEqual({ provider: oracle?.provider ?? null, model: oracle?.model ?? null, route: oracle?.ingress ?? null });
      expect(resolver.providerOf(model), model).toBe(oracle?.provider ?? null);
    }
  });
});

test('vertex and gemini share gemini-*: the one configured first keeps it, the other is reachable as <id>/', async () => {
  for (const [first, second] of [['vertex', 'gemini'], ['gemini', 'vertex']] as const) {
    const resources = await render([first, second]);
    const view = controllerRoutes(resources);
    expect(view.duplicated).toEqual([]);
    expect(chatRequest(resources, view, 'gemini-2.5-pro')?.provider).toBe(first);
    expect(chatRequest(resources, view, `${second}/gemini-2.5-pro`)).toMatchObject({ provider: second, model: 'gemini-2.5-pro' });
  }
});

test('exact names beat longer globs, which beat shorter ones, which beat the fallback, whatever the provider ids', async () => {
  // github sorts before openrouter, openrouter before openai: ids must not decide.
  const cases: [string, string, string][] = [
    ['gpt-4o', 'openai', 'exact beats globs'],
    ['gpt-4o-mini', 'openrouter', 'gpt-4o* (6) beats gpt-* (4)'],
    ['gpt-3.5-turbo', 'github', 'gpt-* beats the fallback'],
    ['mistral-large', 'groq', 'fallback'],
  ];
  const lists = { github: 'gpt-*', openrouter: 'gpt-4o*', openai: 'gpt-4o', groq: '*' } as Record<string, string>;
  for (const order of [['github', 'openrouter', 'openai', 'groq'], ['groq', 'openai', 'openrouter', 'github']]) {
    const args = ['--non-interactive', ...order.flatMap((id) => [...flagsFor(id), `--${id}-models`, lists[id]!])];
    const plan = planFromArgs(args, { dataFolder: '/nonexistent/routing-table' });
    plan.providers = order.map((id) => plan.providers.find((p) => p.id === id)!);
    const resources = new Map((await renderFreshDataFolder(plan)).filter((f) => f.path.endsWith('.yaml')).map((f) => [f.path, parse(f.content)]));
    const view = controllerRoutes(resources);
    expect(view.duplicated).toEqual([]);
    for (const [model, provider, why] of cases) expect(chatRequest(resources, view, model)?.provider, `${model}: ${why} (order ${order.join(',')})`).toBe(provider);
  }
});
