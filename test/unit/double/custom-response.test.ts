// Proves the double's custom_response redirect (test/double/custom-response-filter.mjs) and ai-proxy's rule
// order (dataplane.mjs aiProxyRuleFor) on their own, then the data path redirecting a live request through the
// double's own route table. Every object here is written by hand from the Higress sources, not by our renderer.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { customResponseFilterInChain, onAnswer, redirectPolicyFor, routeCustomResponse } from '../../double/custom-response-filter.mjs';
import { aiProxyRuleFor, createDataPlane } from '../../double/dataplane.mjs';

// higress-standalone all-in-one/config/envoyfilters/higress-gateway-global-custom-response.yaml
const GLOBAL = {
  metadata: { name: 'higress-gateway-global-custom-response' },
  spec: {
    configPatches: [
      {
        applyTo: 'HTTP_FILTER',
        match: { context: 'GATEWAY', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } } } },
        patch: { operation: 'INSERT_FIRST', value: { name: 'envoy.filters.http.custom_response', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.custom_response.v3.CustomResponse' } } },
      },
    ],
  },
};

const classInput = (c: string) => ({ single_predicate: { input: { name: c, typed_config: { '@type': 'type.googleapis.com/envoy.type.matcher.v3.HttpResponseStatusCodeClassMatchInput' } }, value_match: { exact: c } } });
const codeInput = (c: string) => ({ single_predicate: { input: { name: c, typed_config: { '@type': 'type.googleapis.com/envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput' } }, value_match: { exact: c } } });

/** A route's fallback as the console's envoyfilter-route-fallback.yaml writes it (RedirectPolicy fields optional). */
function routeFallback(route: string, predicate: object, policy: Record<string, unknown> = {}) {
  return {
    metadata: { name: route },
    spec: {
      configPatches: [
        {
          applyTo: 'HTTP_ROUTE',
          match: { context: 'GATEWAY', routeConfiguration: { vhost: { route: { name: route } } } },
          patch: {
            operation: 'MERGE',
            value: {
              typed_per_filter_config: {
                'envoy.filters.http.custom_response': {
                  '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
                  type_url: 'type.googleapis.com/envoy.extensions.filters.http.custom_response.v3.CustomResponse',
                  value: {
                    custom_response_matcher: {
                      matcher_list: {
                        matchers: [
                          {
                            predicate,
                            on_match: {
                              action: {
                                name: 'action',
                                typed_config: {
                                  '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
                                  type_url: 'type.googleapis.com/envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy',
                                  value: {
                                    use_original_request_uri: true,
                                    use_original_request_body: true,
                                    request_headers_to_add: [{ header: { key: 'x-higress-fallback-from', value: route }, append: false }],
                                    response_headers_to_add: [{ header: { key: 'x-higress-fallback-from', value: route }, append: false }],
                                    ...policy,
                                  },
                                },
                              },
                            },
                          },
                        ],
                      },
                    },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

describe('double custom_response filter (Higress envoy fork: custom_response_filter.cc, redirect_policy.cc)', () => {
  test('per-route config applies only when the global filter puts custom_response in the chain', () => {
    const route = routeFallback('a.internal', classInput('5xx'));
    expect(customResponseFilterInChain([route])).toBe(false);
    expect(onAnswer({ envoyFilters: [route], routeName: 'a.internal', status: 503, fromUpstream: true, state: {} })).toEqual({ action: 'pass' });
    expect(customResponseFilterInChain([GLOBAL, route])).toBe(true);
    expect(onAnswer({ envoyFilters: [GLOBAL, route], routeName: 'a.internal', status: 503, fromUpstream: true, state: {} }).action).toBe('redirect');
  });

  test('the config is found by route name; status classes and exact codes; other statuses pass', () => {
    const filters = [GLOBAL, routeFallback('a.internal', { or_matcher: { predicate: [codeInput('429'), classInput('5xx')] } })];
    expect(routeCustomResponse(filters, 'b.internal')).toBeUndefined();
    const config = routeCustomResponse(filters, 'a.internal');
    expect([429, 500, 503, 504].map((s) => redirectPolicyFor(config, s) !== undefined)).toEqual([true, true, true, true]);
    expect([200, 400, 401, 404, 428].map((s) => redirectPolicyFor(config, s))).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  test('RedirectPolicy defaults of the Higress build: one redirect, keep the original response code, upstream or not', () => {
    const policy = redirectPolicyFor(routeCustomResponse([routeFallback('a', classInput('5xx'))], 'a'), 502)!;
    expect(policy).toMatchObject({ maxInternalRedirects: 1, keepOriginalResponseCode: true, onlyRedirectUpstreamCode: false, useOriginalRequestBody: true });
  });

  test('a chain: each redirect replaces the stored policy; the last one found adds its response header; the count comes from the first', () => {
    const filters = [GLOBAL, routeFallback('a', classInput('5xx'), { max_internal_redirects: 2, keep_original_response_code: false }), routeFallback('b', classInput('5xx'), { max_internal_redirects: 9 })];
    const state: Record<string, any> = {};
    const first = onAnswer({ envoyFilters: filters, routeName: 'a', status: 503, fromUpstream: true, state });
    expect(first).toMatchObject({ action: 'redirect', requestHeaders: { 'x-higress-fallback-from': 'a' }, body: true });
    (first as any).commit();
    expect(state.remaining).toBe(1);
    const second = onAnswer({ envoyFilters: filters, routeName: 'b', status: 502, fromUpstream: true, state });
    expect(second).toMatchObject({ action: 'redirect', requestHeaders: { 'x-higress-fallback-from': 'b' } });
    (second as any).commit();
    expect(state.remaining).toBe(0);
    // The third route answers 200: no policy there, so the stored one (b's) finishes; keep_original_response_code was false.
    expect(onAnswer({ envoyFilters: filters, routeName: 'c', status: 200, fromUpstream: true, state })).toEqual({ action: 'finish', headers: { 'x-higress-fallback-from': 'b' } });
  });

  test('no redirect left: the answer is final even when it matches', () => {
    const filters = [GLOBAL, routeFallback('a', classInput('5xx')), routeFallback('b', classInput('5xx'))];
    const state: Record<string, any> = {};
    (onAnswer({ envoyFilters: filters, routeName: 'a', status: 503, fromUpstream: true, state }) as any).commit();
    // max_internal_redirects defaults to 1 and keep_original_response_code to true: the first 503 is what the client sees.
    expect(onAnswer({ envoyFilters: filters, routeName: 'b', status: 500, fromUpstream: true, state })).toEqual({ action: 'finish', headers: { 'x-higress-fallback-from': 'a' }, status: 503 });
  });

  test('only_redirect_upstream_code: a status the gateway made (503 no upstream, 504 timeout) passes as is', () => {
    const filters = [GLOBAL, routeFallback('a', classInput('5xx'), { only_redirect_upstream_code: true })];
    expect(onAnswer({ envoyFilters: filters, routeName: 'a', status: 503, fromUpstream: false, state: {} })).toEqual({ action: 'pass' });
    expect(onAnswer({ envoyFilters: filters, routeName: 'a', status: 503, fromUpstream: true, state: {} }).action).toBe('redirect');
  });
});

describe('double ai-proxy rule order (wasm-go pkg/matcher/rule_matcher.go:140-175)', () => {
  const plugin = (rules: object[]) => ({ spec: { matchRules: rules } });
  test('the first matching rule wins: a route rule listed first beats the service rule of the same upstream', () => {
    const routeRule = { ingress: ['step.internal'], config: { activeProviderId: 'derived' } };
    const serviceRule = { service: ['llm-x.internal.dns'], config: { activeProviderId: 'x' } };
    expect(aiProxyRuleFor(plugin([routeRule, serviceRule]), 'llm-x.internal.dns', 'step.internal')?.config.activeProviderId).toBe('derived');
    expect(aiProxyRuleFor(plugin([serviceRule, routeRule]), 'llm-x.internal.dns', 'step.internal')?.config.activeProviderId).toBe('x');
    expect(aiProxyRuleFor(plugin([routeRule, serviceRule]), 'llm-x.internal.dns', 'other.internal')?.config.activeProviderId).toBe('x');
  });
  test('a disabled rule is skipped; a rule with route and service needs both', () => {
    const both = { ingress: ['r'], service: ['s'], config: { activeProviderId: 'both' } };
    expect(aiProxyRuleFor(plugin([{ ...both, configDisable: true }]), 's', 'r')).toBeUndefined();
    expect(aiProxyRuleFor(plugin([both]), 's', 'other')).toBeUndefined();
    expect(aiProxyRuleFor(plugin([both]), 's', 'r')?.config.activeProviderId).toBe('both');
  });
});

// ---- the data path: a request redirected through the double's own route table ----

const upstreams: { server: http.Server; seen: { model: string; auth: string }[]; status: () => number }[] = [];
let gateway: http.Server;
let gatewayPort: number;
let aiProxy: { spec: { defaultConfig: { providers: Record<string, any>[] }; matchRules: object[] } };
const statuses = [503, 503, 200];

function ingress(name: string, port: number, headers: Record<string, string>) {
  const annotations: Record<string, string> = { 'higress.io/destination': `up${port}.static:80` };
  for (const [h, v] of Object.entries(headers)) annotations[`higress.io/exact-match-header-${h}`] = v;
  return { name, obj: { metadata: { name, annotations }, spec: { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix' }] } }] } } };
}

beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    const seen: { model: string; auth: string }[] = [];
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        seen.push({ model: JSON.parse(text).model, auth: String(req.headers.authorization) });
        res.writeHead(statuses[i]!, { 'content-type': 'application/json' }).end(JSON.stringify({ from: i }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    upstreams.push({ server, seen, status: () => statuses[i]! });
  }
  const ports = upstreams.map((u) => (u.server.address() as AddressInfo).port);
  const ingresses = [
    // The 2-header routes sort first (SortHTTPRoutes) but only match a request that carries the fallback header.
    ingress('head.internal', ports[0]!, { 'x-higress-llm-model': 'm' }),
    ingress('head-1.internal', ports[1]!, { 'x-higress-llm-model': 'm', 'x-higress-fallback-from': 'head.internal' }),
    ingress('head-2.internal', ports[2]!, { 'x-higress-llm-model': 'm', 'x-higress-fallback-from': 'head-1.internal' }),
    ingress('other.internal', ports[0]!, { 'x-higress-llm-model': 'n' }),
  ];
  const provider = (id: string, mapping: Record<string, string> = {}) => ({ id, type: 'openai', apiTokens: [`key-${id}`], modelMapping: mapping });
  aiProxy = {
    spec: {
      defaultConfig: { providers: [provider('p0'), provider('p1'), provider('p2'), provider('p1~head-1', { m: 'm1' }), provider('p2~head-2', { m: 'm2' })] },
      matchRules: [
        { ingress: ['head-1.internal'], config: { activeProviderId: 'p1~head-1' } },
        { ingress: ['head-2.internal'], config: { activeProviderId: 'p2~head-2' } },
        ...ports.map((p, i) => ({ service: [`up${p}.static`], config: { activeProviderId: `p${i}` } })),
      ],
    },
  };
  const bridge = { spec: { registries: ports.map((p) => ({ name: `up${p}`, type: 'static', protocol: 'http', domain: `127.0.0.1:${p}`, port: 80 })) } };
  const router = { spec: { defaultConfig: { modelToHeader: 'x-higress-llm-model' } } };
  const filters = [GLOBAL, routeFallback('head.internal', classInput('5xx'), { max_internal_redirects: 2, keep_original_response_code: false }), routeFallback('head-1.internal', classInput('5xx'))];
  const resources: Record<string, { name: string; obj: any }[]> = {
    ingresses,
    wasmplugins: [{ name: 'ai-proxy.internal', obj: aiProxy }, { name: 'model-router.internal', obj: router }],
    mcpbridges: [{ name: 'default', obj: bridge }],
    envoyfilters: filters.map((obj) => ({ name: obj.metadata.name, obj })),
  };
  const store = { list: (kind: string) => resources[kind] ?? [], get: (kind: string, name: string) => resources[kind]?.find((r) => r.name === name)?.obj };
  const handle = createDataPlane({ store: store as any, writeAccessLog: () => {} });
  gateway = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  gatewayPort = (gateway.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const s of [gateway, ...upstreams.map((u) => u.server)]) await new Promise((r) => s?.close(r));
});

const chat = async (model: string) => {
  const res = await fetch(`http://127.0.0.1:${gatewayPort}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, messages: [] }) });
  return { status: res.status, body: await res.json(), from: res.headers.get('x-higress-fallback-from') };
};

describe('double data path with a fallback chain', () => {
  test('503, 503, then 200: the same request walks the chain; each step gets its derived entry and mapped model', async () => {
    for (const u of upstreams) u.seen.length = 0;
    const r = await chat('m');
    expect(r).toEqual({ status: 200, body: { from: 2 }, from: 'head-1.internal' });
    expect(upstreams.map((u) => u.seen)).toEqual([[{ model: 'm', auth: 'Bearer key-p0' }], [{ model: 'm1', auth: 'Bearer key-p1~head-1' }], [{ model: 'm2', auth: 'Bearer key-p2~head-2' }]]);
  });

  test('another model on the same upstream is not redirected', async () => {
    for (const u of upstreams) u.seen.length = 0;
    expect(await chat('n')).toEqual({ status: 503, body: { from: 0 }, from: null });
    expect(upstreams[1]!.seen).toEqual([]);
  });

  test('the redirect keeps the request headers the filters changed: a step provider with no key gets the previous key', async () => {
    const step = aiProxy.spec.defaultConfig.providers.find((p) => p.id === 'p1~head-1')!;
    const tokens = step.apiTokens;
    step.apiTokens = [];
    statuses[1] = 200;
    try {
      for (const u of upstreams) u.seen.length = 0;
      expect((await chat('m')).status).toBe(200);
      expect(upstreams[1]!.seen).toEqual([{ model: 'm1', auth: 'Bearer key-p0' }]);
    } finally {
      step.apiTokens = tokens;
      statuses[1] = 503;
    }
  });

  test('when every step fails the last answer is final (keep_original_response_code false)', async () => {
    statuses[2] = 500;
    try {
      expect(await chat('m')).toEqual({ status: 500, body: { from: 2 }, from: 'head-1.internal' });
    } finally {
      statuses[2] = 200;
    }
  });
});
