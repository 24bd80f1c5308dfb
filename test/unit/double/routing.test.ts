// Proves the gateway double's routing rules (test/double/routing.mjs) on their own: each case is a behaviour of the
// real controller or plugin, cited in routing.mjs. The renderer is not involved.
import { describe, expect, test } from 'vitest';
import { buildRoutes, customResponseFor, firstRoute, mapModel } from '../../double/routing.mjs';

const MODEL = 'x-higress-llm-model';
function ingress(name: string, opts: { match?: [string, string]; path?: string; pathType?: string; created?: string; method?: string; host?: string; extra?: Record<string, string> } = {}) {
  const annotations: Record<string, string> = { 'higress.io/destination': `llm-${name}.internal.dns:443`, ...opts.extra };
  if (opts.match) annotations[`higress.io/${opts.match[0]}-match-header-${MODEL}`] = opts.match[1];
  if (opts.method) annotations['higress.io/match-method'] = opts.method;
  return {
    name,
    obj: {
      metadata: { name, namespace: 'higress-system', annotations, ...(opts.created ? { creationTimestamp: opts.created } : {}) },
      spec: { rules: [{ ...(opts.host ? { host: opts.host } : {}), http: { paths: [{ path: opts.path ?? '/', pathType: opts.pathType ?? 'Prefix' }] } }] },
    },
  };
}
const pick = (ingresses: ReturnType<typeof ingress>[], model: string | undefined, pathname = '/v1/chat/completions', method = 'POST') =>
  firstRoute(buildRoutes(ingresses), { pathname, method, headers: model === undefined ? {} : { [MODEL]: model } })?.name;

describe('the double routes as the Higress controller does', () => {
  test('a second Ingress with the same route key is a DuplicatedRoute: dropped; the first in sort order keeps it', () => {
    const table = buildRoutes([ingress('b', { match: ['regex', '.*'] }), ingress('a', { match: ['regex', '.*'] })]);
    expect(table.routes.map((r) => r.name)).toEqual(['a']);
    expect(table.duplicated).toEqual([{ ingress: 'b', keptBy: 'a' }]);
    // Different kinds of match are different keys.
    expect(buildRoutes([ingress('a', { match: ['prefix', 'gpt-'] }), ingress('b', { match: ['regex', 'gpt-'] })]).duplicated).toEqual([]);
    // A trailing slash on a Prefix path does not make a new key.
    expect(buildRoutes([ingress('a', { path: '/v1/', match: ['exact', 'm'] }), ingress('b', { path: '/v1', match: ['exact', 'm'] })]).duplicated).toHaveLength(1);
  });

  test('an Ingress without a rule path makes no route', () => {
    const bare = { name: 'a', obj: { metadata: { name: 'a', namespace: 'higress-system', annotations: { [`higress.io/exact-match-header-${MODEL}`]: 'm' } } } };
    expect(buildRoutes([bare]).routes).toEqual([]);
  });

  test('Ingresses are ordered by creationTimestamp, then by name; the first match wins', () => {
    expect(pick([ingress('zeta', { match: ['prefix', 'gpt-'] }), ingress('alpha', { match: ['regex', '.*'] })], 'gpt-4o')).toBe('alpha');
    const older = ingress('zeta', { match: ['prefix', 'gpt-'], created: '2020-01-01T00:00:00Z' });
    const newer = ingress('alpha', { match: ['regex', '.*'], created: '2024-01-01T00:00:00Z' });
    expect(pick([newer, older], 'gpt-4o')).toBe('zeta');
    // No timestamp counts as the zero time: before any real one.
    expect(pick([older, ingress('yy', { match: ['regex', '.*'] })], 'gpt-4o')).toBe('yy');
  });

  test('SortHTTPRoutes: all-catch last, Exact paths first, longer paths first, more header matches first', () => {
    const allCatch = { name: 'a-all', obj: { metadata: { name: 'a-all', namespace: 'higress-system', annotations: { 'higress.io/destination': 'x.dns:80' } }, spec: { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix' }] } }] } } };
    expect(pick([allCatch, ingress('z', { match: ['regex', '.*'] })], 'm')).toBe('z');
    expect(pick([allCatch, ingress('z', { match: ['regex', '.*'] })], undefined)).toBe('a-all');
    expect(pick([ingress('a', { match: ['regex', '.*'] }), ingress('z', { path: '/v1/models', pathType: 'Exact' })], 'm', '/v1/models', 'GET')).toBe('z');
    expect(pick([ingress('a', { match: ['regex', '.*'] }), ingress('z', { path: '/v1', match: ['regex', '.*'] })], 'm')).toBe('z');
    const two = ingress('z', { match: ['regex', '.*'], extra: { 'higress.io/exact-match-header-x-team': 'blue' } });
    expect(firstRoute(buildRoutes([ingress('a', { match: ['regex', '.*'] }), two]), { pathname: '/', method: 'POST', headers: { [MODEL]: 'm', 'x-team': 'blue' } })?.name).toBe('z');
    // Routes with a method match come before those without.
    expect(pick([ingress('a', { match: ['regex', '.*'] }), ingress('z', { match: ['regex', '.*'], method: 'POST' })], 'm')).toBe('z');
    expect(pick([ingress('a', { match: ['regex', '.*'], method: 'GET' })], 'm')).toBeUndefined();
  });

  test('header matches: exact is exact, prefix is a prefix, regex is an RE2 full match', () => {
    expect(pick([ingress('a', { match: ['exact', 'gpt-4o'] })], 'gpt-4o-mini')).toBeUndefined();
    expect(pick([ingress('a', { match: ['exact', 'gpt-4o'] })], 'gpt-4o')).toBe('a');
    expect(pick([ingress('a', { match: ['prefix', 'gpt-4o'] })], 'gpt-4o-mini')).toBe('a');
    expect(pick([ingress('a', { match: ['regex', 'gpt-4o'] })], 'gpt-4o-mini')).toBeUndefined();
    expect(pick([ingress('a', { match: ['regex', 'gpt.4o'] })], 'gptx4o')).toBe('a');
    expect(pick([ingress('a', { match: ['regex', 'c++|gpt-.*'] })], 'gpt-4o')).toBeUndefined(); // RE2 rejects c++: no match
    expect(pick([ingress('a', { match: ['regex', '(?i)GPT-.*'] })], 'gpt-4o')).toBe('a');
    expect(pick([ingress('a', { match: ['exact', 'm'], host: 'api.example.com' })], 'm')).toBeUndefined();
  });

  test('ai-proxy modelMapping: exact key first, then prefix and ~regex with $1, then *; empty keeps the model', () => {
    const mapping = { 'gpt-4o': 'exact', 'gpt-*': 'prefix', '~^groq/(.*)$': '$1', '*': 'any' };
    expect(mapModel(mapping, 'gpt-4o')).toBe('exact');
    expect(mapModel(mapping, 'gpt-3.5')).toBe('prefix');
    expect(mapModel(mapping, 'groq/llama-3.3-70b')).toBe('llama-3.3-70b');
    expect(mapModel(mapping, 'other')).toBe('any');
    expect(mapModel({ '~^(?:moonshot|kimi)/(.*)$': '$1' }, 'kimi/moonshot-v1-8k')).toBe('moonshot-v1-8k');
    expect(mapModel({ '~^(?:moonshot|kimi)/(.*)$': '$1' }, 'moonshot-v1-8k')).toBe('moonshot-v1-8k');
    expect(mapModel({ x: '' }, 'x')).toBe('x');
    expect(() => mapModel({ '~(unclosed': 'y' }, 'm')).toThrow(/does not compile/);
  });

  test('custom-response answers a route named in a matchRule; disabled default config answers nothing else', () => {
    const plugin = {
      spec: {
        defaultConfigDisable: true,
        matchRules: [{ ingress: ['ai-model-list.internal'], configDisable: false, config: { status_code: 200, headers: ['content-type=application/json', 'x-a=b'], body: '{"object":"list"}' } }],
      },
    };
    expect(customResponseFor([plugin], 'ai-model-list.internal')).toEqual({ status: 200, headers: { 'x-a': 'b', 'content-type': 'application/json' }, body: '{"object":"list"}' });
    expect(customResponseFor([plugin], 'ai-route-openai.internal')).toBeUndefined();
    const plain = { spec: { defaultConfig: { status_code: 418, body: 'teapot' } } };
    expect(customResponseFor([plain], 'anything')).toMatchObject({ status: 418, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'teapot' });
    const onStatus = { spec: { defaultConfig: { enable_on_status: ['429'], body: 'x' } } };
    expect(customResponseFor([onStatus], 'anything')).toBeUndefined();
  });
});
