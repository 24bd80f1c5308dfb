import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { renderFreshDataFolder } from '../../src/core/start-plan.js';
import { isPlaceholderToken, planFromArgs, readGolden } from '../helpers/golden.js';

const HUNYUAN_ID = 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE';
const HUNYUAN_KEY = 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE';

interface GoldenCase {
  name: string;
  args: string[];
  configured: string[];
  /** Our intended differences from upstream (golden/README.md), applied to the golden provider entries. */
  fixProvider?: Record<string, (entry: any) => any>;
  fixRegistry?: Record<string, (registry: any) => any>;
  /** Intended differences in an ingress or ai-route file, by path. */
  fixFile?: Record<string, (doc: any) => any>;
}

const cases: GoldenCase[] = [
  { name: '01-one-key', args: ['--non-interactive', '--dashscope-key', 'sk-dash-0001'], configured: ['aliyun'] },
  {
    name: '02-multi-provider',
    args: '--non-interactive --openai-key sk-oa-0001 --deepseek-key sk-ds-0001 --claude-key sk-ant-0001 --moonshot-key sk-moon-0001 --zhipuai-key zp-0001 --zhipuai-domain api.z.ai --zhipuai-code-plan-mode'.split(' '),
    configured: ['deepseek', 'moonshot', 'zhipuai', 'openai', 'claude'],
  },
  {
    name: '03-auto-routing',
    args: '--non-interactive --dashscope-key sk-dash-0003 --openai-key sk-oa-0003 --auto-routing --auto-routing-default-model qwen-turbo'.split(' '),
    configured: ['aliyun', 'openai'],
  },
  {
    name: '04-model-patterns',
    args: [
      '--non-interactive', '--openai-key', 'sk-oa-0004', '--openai-models', 'gpt-4-turbo,gpt-4o', '--deepseek-key', 'sk-ds-0004',
      '--deepseek-models', 'deepseek-chat', '--openrouter-key', 'sk-or-0004', '--openrouter-models', '*', '--claude-key', 'sk-ant-0004',
      '--claude-models', 'claude-3-5-sonnet-*,claude-opus-4-20250514',
    ],
    configured: ['openai', 'deepseek', 'openrouter', 'claude'],
  },
  {
    name: '05-more-providers',
    args: '--non-interactive --groq-key gsk-0005 --grok-key xai-0005 --fireworks-key fw-0005 --github-key ghp-0005 --togetherai-key tg-0005 --gemini-key gm-0005 --mistral-key ms-0005 --cohere-key co-0005 --doubao-key db-0005 --baichuan-key bc-0005 --yi-key yi-0005 --stepfun-key sf-0005 --minimax-key mm-0005'.split(' '),
    configured: ['groq', 'grok', 'fireworks', 'github', 'togetherai', 'gemini', 'mistral', 'cohere', 'doubao', 'baichuan', 'yi', 'stepfun', 'minimax'],
    fixProvider: { togetherai: (e) => ({ ...e, type: 'together-ai' }) },
  },
  { name: '06-multi-token', args: ['--non-interactive', '--openai-key', 'sk-a-0006,sk-b-0006,sk-c-0006'], configured: ['openai'] },
  {
    // Upstream has no flags for these; container-env.txt shows the environment its template got.
    name: '08-cloud-providers',
    args: [
      '--non-interactive',
      '--azure-key', 'az-0008', '--azure-service-url', 'https://myres.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-06-01', '--azure-models', 'gpt-*',
      '--bedrock-access-key', 'AKIA0008', '--bedrock-secret-key', 'secret0008', '--bedrock-region', 'us-west-2',
      '--vertex-key', 'vx-0008', '--vertex-region', 'europe-west4', '--vertex-project-id', 'proj-0008',
      '--ollama-host', '192.168.1.50', '--ollama-port', '11500',
      '--dify-key', 'dify-0008', '--dify-api-url', 'https://dify.example.com/v1', '--dify-bot-type', 'Workflow', '--dify-input-variable', 'query', '--dify-output-variable', 'answer',
      '--cloudflare-key', 'cf-0008', '--cloudflare-account-id', 'acct-0008',
      '--deepl-key', 'dl-0008', '--deepl-target-lang', 'ZH',
      '--spark-key', 'key0008:secret0008',
      '--hunyuan-auth-id', HUNYUAN_ID, '--hunyuan-auth-key', HUNYUAN_KEY,
      '--minimax-key', 'mm-0008', '--minimax-group-id', 'grp-0008', '--minimax-api-type', 'pro', '--minimax-models', 'abab-*,MiniMax-*',
      '--claude-code-key', 'sk-ant-oat-0008',
    ],
    configured: ['azure', 'bedrock', 'vertex', 'ollama', 'dify', 'cloudflare', 'deepl', 'spark', 'hunyuan', 'minimax', 'claude'],
    fixProvider: {
      claude: (e) => ({ ...e, apiTokens: ['sk-ant-oat-0008'] }),
      dify: (e) => ({ ...e, difyApiUrl: 'https://dify.example.com/v1' }),
      // The plugin checks hunyuan's lengths (36/32); upstream's sample values are too short to pass.
      hunyuan: (e) => ({ ...e, hunyuanAuthId: HUNYUAN_ID, hunyuanAuthKey: HUNYUAN_KEY }),
      // minimax.go:92,112: the group id only takes effect with the Pro API.
      minimax: (e) => ({ ...e, minimaxApiType: 'pro' }),
    },
    // vertex.go:181-183: express mode (an API key) sends Host aiplatform.googleapis.com, whatever the region.
    fixRegistry: { vertex: (r) => ({ ...r, domain: 'aiplatform.googleapis.com' }) },
    // deepl.go:161-168: the plugin accepts only the models Free and Pro; a Pro key (no :fx) serves Pro.
    fixFile: {
      'ingresses/ai-route-deepl.internal.yaml': (doc) => {
        const annotations = { ...doc.metadata.annotations };
        delete annotations['higress.io/regex-match-header-x-higress-llm-model'];
        annotations['higress.io/prefix-match-header-x-higress-llm-model'] = 'Pro';
        return { ...doc, metadata: { ...doc.metadata, annotations } };
      },
      'configmaps/ai-route-deepl.yaml': (doc) => {
        const data = JSON.parse(doc.data.data);
        return { ...doc, data: { data: JSON.stringify({ ...data, modelPredicates: [{ matchType: 'PRE', matchValue: 'Pro' }] }) } };
      },
    },
  },
];

/**
 * Intended differences from upstream in routing (issue 9; the controller rules are in src/core/model-routes.ts):
 * - each provider entry gains modelMapping `~^(?:<names>)/(.*)$: $1`, so `<id>/<model>` and `<alias>/<model>`
 *   reach it with the prefix stripped;
 * - its Ingress `ai-route-<id>.internal` matches those prefixes instead of the model list, and records the list in
 *   the annotation `get-ai-gateway.io/models`; its console route shows the prefixes (PRE `<name>/`);
 * - each model pattern gets its own Ingress: exact names an `exact` match, `x*` a prefix, other globs an escaped
 *   regex; `*` of the first provider listing it becomes the fallback route `model-3-fallback.internal`;
 * - GET /v1/models is answered: Ingress `ai-model-list.internal` plus WasmPlugin `custom-response.internal`.
 */
const ENTRY_NAMES: Record<string, string[]> = {
  aliyun: ['aliyun', 'dashscope', 'qwen'],
  moonshot: ['moonshot', 'kimi'],
  zhipuai: ['zhipuai', 'zhipu'],
  togetherai: ['togetherai', 'together'],
};
const entryNames = (id: string) => ENTRY_NAMES[id] ?? [id];
const withPrefixStripping = (entry: any) => ({ ...entry, modelMapping: { [`~^(?:${entryNames(entry.id).join('|')})/(.*)$`]: '$1' } });

/** Upstream's header match read back as the list it was written from (its normalisation, inverted). */
function upstreamList(ingress: any): string[] {
  const a = ingress.metadata.annotations;
  const prefix = a['higress.io/prefix-match-header-x-higress-llm-model'];
  if (prefix !== undefined) return [prefix.endsWith('-') ? `${prefix}*` : prefix];
  return String(a['higress.io/regex-match-header-x-higress-llm-model']).split('|').map((v) => v.replaceAll('.*', '*'));
}

/** The Ingress match we intend for one pattern. */
function intendedMatch(pattern: string): [kind: string, value: string] {
  if (!pattern.includes('*')) return ['exact', pattern];
  if (pattern === '*') return ['regex', '.*'];
  if (pattern.indexOf('*') === pattern.length - 1) return ['prefix', pattern.slice(0, -1)];
  return ['regex', pattern.split('*').map((s) => s.replace(/[.+?()|[\]{}^$\\]/g, '\\$&')).join('.*')];
}

const matchOf = (ingress: any): [string, string] => {
  const [key, value] = Object.entries(ingress.metadata.annotations).find(([k]) => k.includes('-match-header-'))! as [string, string];
  return [key.replace(/^higress\.io\/|-match-header-x-higress-llm-model$/g, ''), value];
};

async function render(args: string[]) {
  const plan = planFromArgs(args, { dataFolder: '/nonexistent/get-ai-gateway-golden' });
  const files = await renderFreshDataFolder(plan);
  return new Map(files.map((f) => [f.path, f.path.endsWith('.yaml') ? parse(f.content) : f.content]));
}

/** Upstream placeholders are not configuration: drop them before comparing. */
function withoutPlaceholders(entry: any) {
  return { ...entry, apiTokens: (entry.apiTokens ?? []).filter((t: unknown) => !isPlaceholderToken(t)) };
}

const withoutVersion = (doc: any) => {
  const copy = structuredClone(doc);
  delete copy.metadata.resourceVersion;
  return copy;
};

describe.each(cases)('golden case $name', ({ name, args, configured, fixProvider = {}, fixRegistry = {}, fixFile = {} }) => {
  const goldenDoc = (path: string) => (fixFile[path] ?? ((doc: any) => doc))(readGolden(name, path));
  test('ai-proxy has exactly the configured providers, equal to upstream', async () => {
    const ours = (await render(args)).get('wasmplugins/ai-proxy.internal.yaml') as any;
    const golden = readGolden(name, 'wasmplugins/ai-proxy.internal.yaml');
    const goldenById = new Map(golden.spec.defaultConfig.providers.map((p: any) => [p.id, p]));
    const oursById = new Map(ours.spec.defaultConfig.providers.map((p: any) => [p.id, p]));
    expect([...oursById.keys()].sort()).toEqual([...configured].sort());
    for (const id of configured) {
      const expected = withPrefixStripping((fixProvider[id] ?? ((e: any) => e))(withoutPlaceholders(goldenById.get(id))));
      expect(oursById.get(id), id).toEqual(expected);
    }
    const rulesFor = (doc: any, id: string) => doc.spec.matchRules.filter((r: any) => r.config.activeProviderId === id);
    for (const id of configured) expect(rulesFor(ours, id), id).toEqual(rulesFor(golden, id));
    expect(ours.spec.matchRules).toHaveLength(configured.length);
    const rest = (doc: any) => ({ ...doc, metadata: withoutVersion(doc).metadata, spec: { ...doc.spec, defaultConfig: {}, matchRules: [] } });
    expect(rest(ours)).toEqual(rest(golden));
  });

  test('registries, ingresses and ai-routes equal upstream for configured providers, none for the others', async () => {
    const ours = await render(args);
    const bridge = ours.get('mcpbridges/default.yaml') as any;
    const golden = readGolden(name, 'mcpbridges/default.yaml');
    const goldenRegistries = new Map(golden.spec.registries.map((r: any) => [r.name, r]));
    expect(bridge.spec.registries.map((r: any) => r.name).sort()).toEqual(
      ['higress-console', ...configured.map((id) => `llm-${id}.internal`)].sort(),
    );
    for (const registry of bridge.spec.registries) {
      const id = registry.name.replace(/^llm-|\.internal$/g, '');
      expect(registry, registry.name).toEqual((fixRegistry[id] ?? ((r: any) => r))(goldenRegistries.get(registry.name)));
    }
    expect(withoutVersion({ ...bridge, spec: {} })).toEqual(withoutVersion({ ...golden, spec: {} }));

    // Each provider's own Ingress: upstream's, with the prefix match and the recorded list instead of the model match.
    for (const id of configured) {
      const path = `ingresses/ai-route-${id}.internal.yaml`;
      const theirs = withoutVersion(goldenDoc(path));
      const names = entryNames(id);
      const annotations = Object.fromEntries(Object.entries(theirs.metadata.annotations).filter(([k]) => !k.includes('-match-header-')));
      if (names.length === 1) annotations['higress.io/prefix-match-header-x-higress-llm-model'] = `${id}/`;
      else annotations['higress.io/regex-match-header-x-higress-llm-model'] = `(?:${names.join('|')})/.*`;
      annotations['get-ai-gateway.io/models'] = upstreamList(theirs).join(',');
      expect(withoutVersion(ours.get(path)), path).toEqual({ ...theirs, metadata: { ...theirs.metadata, annotations } });
    }

    // One Ingress per model pattern, in upstream's lists; the first provider listing `*` gets the fallback.
    const order = planFromArgs(args, { dataFolder: '/nonexistent/get-ai-gateway-golden' }).providers.map((p) => p.id);
    const expected: string[] = [];
    const taken = new Set<string>();
    let fallback: string | undefined;
    for (const id of order) {
      for (const pattern of upstreamList(goldenDoc(`ingresses/ai-route-${id}.internal.yaml`))) {
        if (pattern === '*') fallback ??= id;
        else if (!taken.has(pattern)) expected.push(`${id} ${intendedMatch(pattern).join(' ')}`);
        taken.add(pattern);
      }
    }
    if (fallback) expected.push(`${fallback} regex .*`);
    const patternPaths = [...ours.keys()].filter((p) => /^ingresses\/model-[123]-/.test(p));
    const provider = (ing: any) => ing.metadata.annotations['higress.io/destination'].replace(/^llm-(.+)\.internal\..*$/, '$1');
    expect(patternPaths.map((p) => `${provider(ours.get(p))} ${matchOf(ours.get(p)).join(' ')}`).sort()).toEqual(expected.sort());
    expect(ours.has('ingresses/model-3-fallback.internal.yaml')).toBe(fallback !== undefined);
    for (const path of patternPaths) {
      const mine = withoutVersion(ours.get(path));
      const template = withoutVersion(goldenDoc(`ingresses/ai-route-${provider(mine)}.internal.yaml`));
      const rest = (doc: any) => ({ ...doc, metadata: { ...doc.metadata, name: undefined, annotations: undefined } });
      expect(rest(mine), path).toEqual(rest(template));
    }
    const ingressPaths = [...ours.keys()].filter((p) => p.startsWith('ingresses/'));
    expect(ingressPaths.sort()).toEqual(
      [...configured.map((id) => `ingresses/ai-route-${id}.internal.yaml`), ...patternPaths, 'ingresses/ai-model-list.internal.yaml'].sort(),
    );
    expect(ours.has('wasmplugins/custom-response.internal.yaml')).toBe(true);

    const routePaths = [...ours.keys()].filter((p) => /^configmaps\/ai-route-/.test(p));
    expect(routePaths.sort()).toEqual(configured.map((id) => `configmaps/ai-route-${id}.yaml`).sort());
    for (const path of routePaths) {
      const mine = ours.get(path) as any;
      const theirs = readGolden(name, path);
      const id = path.replace(/^configmaps\/ai-route-|\.yaml$/g, '');
      const predicates = entryNames(id).map((n) => ({ matchType: 'PRE', matchValue: `${n}/` }));
      expect(JSON.parse(mine.data.data), path).toEqual({ ...JSON.parse(theirs.data.data), modelPredicates: predicates });
      expect(withoutVersion({ ...mine, data: {} })).toEqual(withoutVersion({ ...theirs, data: {} }));
    }
  });

  test('model-router, ai-statistics and the console map equal upstream; marker and settings written', async () => {
    const ours = await render(args);
    for (const path of ['wasmplugins/model-router.internal.yaml', 'wasmplugins/ai-statistics-1.0.0.yaml', 'configmaps/higress-console.yaml']) {
      expect(withoutVersion(ours.get(path)), path).toEqual(withoutVersion(readGolden(name, path)));
    }
    expect(ours.has('.ai-gateway-configured')).toBe(true);
    const settings = ours.get('default.cfg') as string;
    for (const token of args.filter((a, i) => /-key$/.test(args[i - 1] ?? ''))) {
      for (const part of token.split(',')) expect(settings).not.toContain(part);
    }
  });
});

describe('settings file', () => {
  test.each(['01-one-key', '03-auto-routing', '04-model-patterns'])("upstream's %s default.cfg (with keys) is read without error", async (name) => {
    const { readFileSync } = await import('node:fs');
    const { parseSettings, formatSettings } = await import('../../src/core/settings.js');
    const { goldenPath } = await import('../helpers/golden.js');
    const text = readFileSync(goldenPath(name, 'default.cfg'), 'utf8');
    const settings = parseSettings(text);
    expect(settings).toMatchObject({ httpPort: 8080, httpsPort: 8443, consolePort: 8001, containerName: 'higress-ai-gateway' });
    expect(settings.pluginRegistry).toMatch(/aliyuncs\.com$/);
    const rewritten = formatSettings(settings);
    expect(rewritten).not.toMatch(/_API_KEY=/);
    expect(parseSettings(rewritten)).toEqual(settings);
  });
});
