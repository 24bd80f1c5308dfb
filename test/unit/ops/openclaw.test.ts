import JSON5 from 'json5';
import { describe, expect, test } from 'vitest';
import { scanJson5, setJson5Path } from '../../../src/core/ops/json5-edit.js';
import { gatewayBaseUrl, type ModelsView } from '../../../src/core/ops/models.js';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessKeyReference, backupName, buildProvider, desiredModels, gatewayRequiresKey, mergeOpenClawConfig, modelRef, pruneBackups } from '../../../src/core/ops/openclaw.js';
import { tempDir } from '../../helpers/cli.js';

const view = (over: Partial<ModelsView> = {}): ModelsView => {
  const v: ModelsView = {
    baseUrl: 'http://127.0.0.1:8080/v1',
    providers: [
      { id: 'openai', name: 'OpenAI', patterns: 'gpt-*,o3-*', routes: [], prefixes: ['openai/'], fallback: false, models: ['gpt-4o-mini', 'gpt-4o', 'o3-mini'] },
      { id: 'deepseek', name: 'DeepSeek', patterns: 'deepseek-*', routes: [], prefixes: ['deepseek/'], fallback: false, models: ['deepseek-chat'] },
    ],
    fallback: null,
    droppedRoutes: [],
    autoRouting: { model: 'higress/auto', enabled: true, defaultModel: 'gpt-4o', rules: [] },
    ...over,
  };
  // What the resolver answers for these providers' patterns (only those still in the view).
  const globs: Record<string, RegExp> = { openai: /^(gpt-|o3-|openai\/)/, deepseek: /^(deepseek-|deepseek\/)/ };
  v.resolve = (model) => {
    const provider = v.providers.find((p) => globs[p.id]?.test(model))?.id ?? null;
    return { model, provider, route: provider, via: provider ? 'glob' : null, upstreamModel: provider ? model : null };
  };
  return v;
};
const parse = (t: string) => JSON5.parse(t);
const higressOf = (text: string) => parse(text).models.providers.higress;

describe('the higress provider', () => {
  test('base URL ends in exactly one /v1, for any bind address', () => {
    expect(gatewayBaseUrl('127.0.0.1', 8080)).toBe('http://127.0.0.1:8080/v1');
    expect(gatewayBaseUrl('0.0.0.0', 18080)).toBe('http://127.0.0.1:18080/v1');
    expect(gatewayBaseUrl('::', 8080)).toBe('http://[::1]:8080/v1');
    expect(gatewayBaseUrl('192.168.1.5', 8080)).toBe('http://192.168.1.5:8080/v1');
    for (const url of [gatewayBaseUrl('127.0.0.1', 8080), buildProvider({ baseUrl: 'http://127.0.0.1:8080/v1/v1' }, view(), undefined).baseUrl]) {
      expect(url).not.toMatch(/\/v1\/v1/);
      expect(url.match(/\/v1/g)).toHaveLength(1);
    }
  });

  test('models: the providers\' usual models, then higress/auto when auto-routing is on', () => {
    expect(desiredModels(view()).map((m) => m.id)).toEqual(['gpt-4o-mini', 'gpt-4o', 'o3-mini', 'deepseek-chat', 'higress/auto']);
    expect(desiredModels(view()).every((m) => typeof m.name === 'string' && m.name.length > 0)).toBe(true);
    const off = view({ autoRouting: { model: 'higress/auto', enabled: false, defaultModel: null, rules: [] } });
    expect(desiredModels(off).map((m) => m.id)).not.toContain('higress/auto');
  });

  test('a fresh entry has no apiKey when the gateway needs none', () => {
    expect(buildProvider(undefined, view(), undefined)).toEqual({
      baseUrl: 'http://127.0.0.1:8080/v1',
      api: 'openai-completions',
      models: desiredModels(view()),
    });
  });

  test('a gateway that requires access keys: apiKey is a reference to GET_AI_GATEWAY_KEY, never a value', () => {
    expect(accessKeyReference('openclaw')).toEqual({ source: 'env', provider: 'default', id: 'GET_AI_GATEWAY_KEY' });
    expect(accessKeyReference('clawdbot')).toBe('${GET_AI_GATEWAY_KEY}');
    expect(buildProvider(undefined, view(), accessKeyReference('openclaw')).apiKey).toEqual(accessKeyReference('openclaw'));
    // The old placeholder is replaced, or dropped when no key is needed.
    expect(buildProvider({ apiKey: 'higress-local' }, view(), accessKeyReference('openclaw')).apiKey).toEqual(accessKeyReference('openclaw'));
    expect('apiKey' in buildProvider({ apiKey: 'higress-local', models: [] }, view(), undefined)).toBe(false);
    // Our own reference goes when access control is turned off again.
    expect('apiKey' in buildProvider({ apiKey: accessKeyReference('openclaw') }, view(), undefined)).toBe(false);
    // A key the user set stays.
    const own = { source: 'file', provider: 'vault', id: '/higress' };
    expect(buildProvider({ apiKey: own }, view(), accessKeyReference('openclaw')).apiKey).toEqual(own);
  });

  test('model entries carry what the catalog knows; unknown models and higress/auto get nothing', () => {
    const ollama = { id: 'ollama', name: 'Ollama', patterns: 'llama*', routes: [], prefixes: ['ollama/'], fallback: false, models: ['llama3.2'] };
    // A model another provider's route takes is offered with its provider prefix: the facts still apply.
    const shadowed = { id: 'azure', name: 'Azure OpenAI', patterns: 'gpt-*', routes: [], prefixes: ['azure/'], fallback: false, models: ['azure/gpt-4o'] };
    const models = desiredModels(view({ providers: [...view().providers, ollama, shadowed] }));
    const byId = Object.fromEntries(models.map((m) => [m.id, m]));
    expect(byId['gpt-4o']).toEqual({ id: 'gpt-4o', name: 'gpt-4o (OpenAI via Higress)', input: ['text', 'image'], reasoning: false, contextWindow: 128000, maxTokens: 16384 });
    expect(byId['o3-mini']).toMatchObject({ input: ['text'], reasoning: true });
    expect(byId['deepseek-chat']).toMatchObject({ input: ['text'], reasoning: false, contextWindow: 128000 });
    expect(Object.keys(byId['llama3.2']!)).toEqual(['id', 'name']);
    expect(byId['azure/gpt-4o']).toMatchObject({ input: ['text', 'image'], contextWindow: 128000 });
    expect(Object.keys(byId['higress/auto']!)).toEqual(['id', 'name']);
  });

  test('model references: OpenClaw keeps higress/auto, clawdbot splits at the first slash', () => {
    expect(modelRef('openclaw', 'gpt-4o')).toBe('higress/gpt-4o');
    expect(modelRef('openclaw', 'higress/auto')).toBe('higress/auto');
    expect(modelRef('openclaw', 'openai/gpt-4o-mini')).toBe('higress/openai/gpt-4o-mini');
    expect(modelRef('clawdbot', 'gpt-4o')).toBe('higress/gpt-4o');
    expect(modelRef('clawdbot', 'higress/auto')).toBe('higress/higress/auto');
  });

  test("an existing entry keeps the user's apiKey, other fields, model extras and routable hand-added models", () => {
    const previous = {
      baseUrl: 'http://127.0.0.1:9999/v1',
      apiKey: 'my-consumer-key',
      headers: { 'x-team': 'a' },
      models: [
        { id: 'gpt-4o', name: 'GPT-4o (mine)', contextWindow: 128000 },
        { id: 'gpt-4.1', name: 'added by hand' },
        { id: 'claude-sonnet-4-5', name: 'no provider routes this any more' },
      ],
    };
    const next = buildProvider(previous, view(), undefined);
    expect(next.baseUrl).toBe('http://127.0.0.1:8080/v1');
    expect(next.apiKey).toBe('my-consumer-key');
    expect(next.headers).toEqual({ 'x-team': 'a' });
    // The user's values win over the catalog's.
    expect(next.models.find((m) => m.id === 'gpt-4o')).toEqual({ id: 'gpt-4o', name: 'GPT-4o (mine)', input: ['text', 'image'], reasoning: false, contextWindow: 128000, maxTokens: 16384 });
    // Existing models keep their place; new ones follow; unroutable ones go.
    expect(next.models.map((m) => m.id)).toEqual(['gpt-4o', 'gpt-4.1', 'gpt-4o-mini', 'o3-mini', 'deepseek-chat', 'higress/auto']);
  });
});

describe('merging into the config', () => {
  test('no file yet: a new JSON document', () => {
    const r = mergeOpenClawConfig('', view(), parse);
    expect(r.changed).toBe(true);
    expect(JSON.parse(r.text)).toEqual({ models: { providers: { higress: buildProvider(undefined, view(), undefined) } } });
    expect(r.text).toMatch(/^\{\n {2}"models"/);
  });

  const commented = `// my OpenClaw settings
{
  agents: { defaults: { model: { primary: 'anthropic/claude-opus-4-5' } } }, // the agent
  /* providers */
  models: {
    mode: 'merge',
    providers: {
      ollama: { baseUrl: 'http://127.0.0.1:11434/v1', api: 'openai-completions', models: [] }, // local
    },
  },
  channels: { telegram: { enabled: true } },
}
`;

  test('comments, other keys and formatting survive; only the provider is added', () => {
    const r = mergeOpenClawConfig(commented, view(), parse);
    expect(r).toMatchObject({ changed: true, preserved: true });
    const before = parse(commented);
    const after = parse(r.text);
    expect(after).toEqual({ ...before, models: { ...before.models, providers: { ...before.models.providers, higress: buildProvider(undefined, view(), undefined) } } });
    for (const kept of ['// my OpenClaw settings', '// the agent', '/* providers */', '}, // local', "channels: { telegram: { enabled: true } },"]) {
      expect(r.text).toContain(kept);
    }
    // Bare keys and single quotes like the file's own.
    expect(r.text).toContain("      higress: {\n        baseUrl: 'http://127.0.0.1:8080/v1',");
    expect(r.text).toContain("input: ['text', 'image']");
  });

  test('idempotent: the second run changes nothing', () => {
    const first = mergeOpenClawConfig(commented, view(), parse);
    const second = mergeOpenClawConfig(first.text, view(), parse);
    expect(second.changed).toBe(false);
    expect(second.text).toBe(first.text);
  });

  test('a changed gateway (port, providers) replaces only the provider entry in place', () => {
    const first = mergeOpenClawConfig(commented, view(), parse);
    const moved = view({ baseUrl: 'http://127.0.0.1:18080/v1', providers: [view().providers[1]!] });
    const second = mergeOpenClawConfig(first.text, moved, parse);
    expect(second).toMatchObject({ changed: true, preserved: true });
    expect(higressOf(second.text).baseUrl).toBe('http://127.0.0.1:18080/v1');
    expect(higressOf(second.text).models.map((m: { id: string }) => m.id)).toEqual(['deepseek-chat', 'higress/auto']);
    expect(second.text).toContain('// the agent');
  });

  test.each([
    ['strict JSON', '{\n  "gateway": {\n    "port": 18789\n  }\n}\n'],
    ['empty object', '{}'],
    ['one line', '{ "a": 1 }'],
    ['models without providers', '{\n  "models": { "mode": "merge" }\n}'],
    ['trailing comment after the last member', '{\n  "a": 1 // one\n}'],
    ['an existing higress entry', '{\n  "models": {\n    "providers": {\n      "higress": { "baseUrl": "http://x/v1", "apiKey": "" }\n    }\n  }\n}'],
    ['tabs', '{\n\t"a": {\n\t\t"b": 1\n\t},\n}'],
    ['a duplicate key (the last wins)', '{ "models": 1, "models": { "providers": {} } }'],
  ])('%s: edited in place, parses to the expected object', (_name, text) => {
    const r = mergeOpenClawConfig(text, view(), parse);
    expect(r.changed).toBe(true);
    expect(r.preserved).toBe(true);
    expect(higressOf(r.text)).toEqual(buildProvider(parse(text).models?.providers?.higress, view(), undefined));
    expect(mergeOpenClawConfig(r.text, view(), parse).changed).toBe(false);
  });

  test('comments inside an existing higress entry survive an update', () => {
    const text = `{
  // gateway
  models: {
    providers: {
      higress: {
        // where the gateway listens
        baseUrl: 'http://127.0.0.1:9999/v1', // old port
        api: 'openai-completions',
        apiKey: 'higress-local', // placeholder of an earlier version
        timeoutSeconds: 30, // mine
        models: [
          // the one I use
          { id: 'gpt-4o', name: 'GPT-4o (mine)' }, // keep this
          { id: 'claude-sonnet-4-5', name: 'no longer routed' },
        ],
      },
    },
  },
}
`;
    const r = mergeOpenClawConfig(text, view(), parse);
    expect(r).toMatchObject({ changed: true, preserved: true });
    for (const kept of ['// gateway', '// where the gateway listens', '// old port', 'timeoutSeconds: 30, // mine', '// the one I use', "{ id: 'gpt-4o', name: 'GPT-4o (mine)', input: ['text', 'image'], reasoning: false, contextWindow: 128000, maxTokens: 16384 }, // keep this"]) {
      expect(r.text).toContain(kept);
    }
    expect(r.text).not.toContain('higress-local');
    expect(r.text).not.toContain('placeholder of an earlier version');
    expect(r.text).not.toContain('no longer routed');
    expect(r.text).not.toContain('"');
    expect(higressOf(r.text)).toEqual(buildProvider(parse(text).models.providers.higress, view(), undefined));
    expect(mergeOpenClawConfig(r.text, view(), parse).changed).toBe(false);
  });

  test('a double-quoted file stays double-quoted', () => {
    const r = mergeOpenClawConfig(`{\n  "gateway": { "mode": "local" }\n}\n`, view(), parse);
    expect(r.text).toContain('"models": {');
    expect(r.text).toContain('"input": ["text", "image"]');
    expect(r.text).not.toContain("'");
  });

  test('--default-model is set in the same edit: a string default is replaced, an object gets its primary', () => {
    const asObject = mergeOpenClawConfig(commented, view(), parse, { defaultModel: 'higress/auto' });
    expect(parse(asObject.text).agents.defaults.model).toEqual({ primary: 'higress/auto' });
    expect(asObject.text).toContain('// the agent');
    const asString = mergeOpenClawConfig(`{ agents: { defaults: { model: 'anthropic/claude-opus-4-5' } } } // x`, view(), parse, { defaultModel: 'higress/gpt-4o' });
    expect(parse(asString.text).agents.defaults.model).toBe('higress/gpt-4o');
    expect(asString.text).toContain('// x');
    const none = mergeOpenClawConfig('{}', view(), parse, { defaultModel: 'higress/gpt-4o' });
    expect(parse(none.text).agents).toEqual({ defaults: { model: { primary: 'higress/gpt-4o' } } });
  });

  test('not JSON5, or a path that is not an object: a usage error, nothing computed', () => {
    expect(() => mergeOpenClawConfig('{ models: ', view(), parse)).toThrowError(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('not valid JSON5') }));
    expect(() => mergeOpenClawConfig('{ models: { providers: [] } }', view(), parse)).toThrowError(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('models.providers') }));
    expect(() => mergeOpenClawConfig('[]', view(), parse)).toThrowError(expect.objectContaining({ exitCode: 2 }));
  });

  test('backup name: <file>.bak-<UTC timestamp>', () => {
    expect(backupName('/h/.openclaw/openclaw.json', new Date('2024-05-01T10:15:00.123Z'))).toBe('/h/.openclaw/openclaw.json.bak-20240501T101500Z');
  });
});

describe('backups', () => {
  test('only the newest 3 of ours are kept; other files stay', async () => {
    const dir = tempDir();
    const file = join(dir, 'openclaw.json');
    const names = ['20240101T000000Z', '20240102T000000Z', '20240102T000000Z-1', '20240103T000000Z', '20240104T000000Z'].map((s) => `openclaw.json.bak-${s}`);
    for (const n of [...names, 'openclaw.json', 'openclaw.json.bak', 'openclaw.json.bak-mine', 'other.json.bak-20200101T000000Z']) writeFileSync(join(dir, n), 'x');
    const removed = await pruneBackups(file);
    expect(removed.map((p) => p.slice(dir.length + 1))).toEqual(names.slice(0, 2));
    expect(readdirSync(dir).sort()).toEqual(['openclaw.json', 'openclaw.json.bak', 'openclaw.json.bak-20240102T000000Z-1', 'openclaw.json.bak-20240103T000000Z', 'openclaw.json.bak-20240104T000000Z', 'openclaw.json.bak-mine', 'other.json.bak-20200101T000000Z']);
  });
});

describe('does the gateway require an access key?', () => {
  const keyAuth = (spec: string) => {
    const data = tempDir();
    mkdirSync(join(data, 'wasmplugins'));
    writeFileSync(join(data, 'wasmplugins', 'key-auth.internal.yaml'), `apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: key-auth.internal\n  namespace: higress-system\nspec:\n${spec}`);
    return data;
  };
  const consumers = '  defaultConfig:\n    global_auth: true\n    keys: [Authorization]\n    consumers:\n      - name: ci\n        credential: Bearer k-1\n';
  test.each<[string, string | null, boolean]>([
    ['no key-auth file', null, false],
    ['enabled with a consumer', consumers, true],
    ['defaultConfigDisable: true', `  defaultConfigDisable: true\n${consumers}`, false],
    ['defaultConfigDisable: false', `  defaultConfigDisable: false\n${consumers}`, true],
    ['no consumers', '  defaultConfig:\n    keys: [Authorization]\n    consumers: []\n', false],
  ])('%s', async (_name, spec, expected) => {
    const data = spec === null ? tempDir() : keyAuth(spec);
    expect(await gatewayRequiresKey(data)).toBe(expected);
  });
});

describe('json5 text editing', () => {
  test('counts comments, ignoring comment-like text in strings', () => {
    expect(scanJson5('// a\n{ "u": "http://x/*y*/", /* b */ c: 1 }').comments).toBe(2);
  });
  test('a value on the path that is not an object cannot be edited in place', () => {
    expect(setJson5Path('{ "models": 3 }', ['models', 'providers', 'higress'], {}, { models: 3 }).inPlace).toBe(false);
  });
  test('strings with quotes, escapes and braces do not confuse the scanner', () => {
    const text = `{ 'a\\'}': "x\\"{", b: [1, { c: '}' }], models: { providers: { } } }`;
    const r = setJson5Path(text, ['models', 'providers', 'higress'], { baseUrl: 'u' }, JSON5.parse(text));
    expect(JSON5.parse(r.text)).toEqual({ "a'}": 'x"{', b: [1, { c: '}' }], models: { providers: { higress: { baseUrl: 'u' } } } });
  });
});
