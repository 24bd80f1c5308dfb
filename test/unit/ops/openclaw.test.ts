import JSON5 from 'json5';
import { describe, expect, test } from 'vitest';
import { scanJson5, setJson5Path } from '../../../src/core/ops/json5-edit.js';
import { gatewayBaseUrl, type ModelsView } from '../../../src/core/ops/models.js';
import { backupName, buildProvider, desiredModels, locateConfig, mergeOpenClawConfig, PLACEHOLDER_API_KEY } from '../../../src/core/ops/openclaw.js';

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

describe('where the OpenClaw config lives', () => {
  const home = '/home/u';
  test('~/.openclaw/openclaw.json by default, also when both runtimes exist', () => {
    expect(locateConfig(undefined, home, () => false)).toEqual({ path: '/home/u/.openclaw/openclaw.json', runtime: 'openclaw' });
    expect(locateConfig(undefined, home, () => true)).toEqual({ path: '/home/u/.openclaw/openclaw.json', runtime: 'openclaw' });
  });
  test('~/.clawdbot/clawdbot.json when only clawdbot is installed', () => {
    expect(locateConfig(undefined, home, (p) => p === '/home/u/.clawdbot')).toEqual({ path: '/home/u/.clawdbot/clawdbot.json', runtime: 'clawdbot' });
  });
  test('--config wins', () => {
    expect(locateConfig('/etc/oc.json', home, () => true)).toEqual({ path: '/etc/oc.json', runtime: 'custom' });
  });
});

describe('the higress provider', () => {
  test('base URL ends in exactly one /v1, for any bind address', () => {
    expect(gatewayBaseUrl('127.0.0.1', 8080)).toBe('http://127.0.0.1:8080/v1');
    expect(gatewayBaseUrl('0.0.0.0', 18080)).toBe('http://127.0.0.1:18080/v1');
    expect(gatewayBaseUrl('::', 8080)).toBe('http://[::1]:8080/v1');
    expect(gatewayBaseUrl('192.168.1.5', 8080)).toBe('http://192.168.1.5:8080/v1');
    for (const url of [gatewayBaseUrl('127.0.0.1', 8080), buildProvider({ baseUrl: 'http://127.0.0.1:8080/v1/v1' }, view()).baseUrl]) {
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

  test('a fresh entry', () => {
    expect(buildProvider(undefined, view())).toEqual({
      baseUrl: 'http://127.0.0.1:8080/v1',
      api: 'openai-completions',
      apiKey: PLACEHOLDER_API_KEY,
      models: desiredModels(view()),
    });
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
    const next = buildProvider(previous, view());
    expect(next.baseUrl).toBe('http://127.0.0.1:8080/v1');
    expect(next.apiKey).toBe('my-consumer-key');
    expect(next.headers).toEqual({ 'x-team': 'a' });
    expect(next.models.find((m) => m.id === 'gpt-4o')).toEqual({ id: 'gpt-4o', name: 'GPT-4o (mine)', contextWindow: 128000 });
    expect(next.models.map((m) => m.id)).toEqual(['gpt-4o-mini', 'gpt-4o', 'o3-mini', 'deepseek-chat', 'higress/auto', 'gpt-4.1']);
  });
});

describe('merging into the config', () => {
  test('no file yet: a new JSON document', () => {
    const r = mergeOpenClawConfig('', view(), parse);
    expect(r.changed).toBe(true);
    expect(JSON.parse(r.text)).toEqual({ models: { providers: { higress: buildProvider(undefined, view()) } } });
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
    expect(after).toEqual({ ...before, models: { ...before.models, providers: { ...before.models.providers, higress: buildProvider(undefined, view()) } } });
    for (const kept of ['// my OpenClaw settings', '// the agent', '/* providers */', '}, // local', "channels: { telegram: { enabled: true } },"]) {
      expect(r.text).toContain(kept);
    }
    // Bare keys like the file's own.
    expect(r.text).toContain('      higress: {\n        baseUrl: "http://127.0.0.1:8080/v1",');
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
    expect(higressOf(r.text)).toEqual(buildProvider(parse(text).models?.providers?.higress, view()));
    expect(mergeOpenClawConfig(r.text, view(), parse).changed).toBe(false);
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

describe('json5 text editing', () => {
  test('counts comments, ignoring comment-like text in strings', () => {
    expect(scanJson5('// a\n{ "u": "http://x/*y*/", /* b */ c: 1 }').comments).toBe(2);
  });
  test('a value on the path that is not an object cannot be edited in place', () => {
    expect(setJson5Path('{ "models": 3 }', ['models', 'providers', 'higress'], {}).inPlace).toBe(false);
  });
  test('strings with quotes, escapes and braces do not confuse the scanner', () => {
    const text = `{ 'a\\'}': "x\\"{", b: [1, { c: '}' }], models: { providers: { } } }`;
    const r = setJson5Path(text, ['models', 'providers', 'higress'], { baseUrl: 'u' });
    expect(JSON5.parse(r.text)).toEqual({ "a'}": 'x"{', b: [1, { c: '}' }], models: { providers: { higress: { baseUrl: 'u' } } } });
  });
});
