/**
 * Fallback across providers (`route fallback`), laid out as the Higress console lays out an AI route's fallback
 * (higress-console backend/sdk/.../service/ai/AiRouteServiceImpl.java:252-310, templates/envoyfilter-route-fallback.yaml):
 * - the head `ai-fallback-<hash>`: an exact match on the model, to the provider the model resolves to without the
 *   chain; it sorts before `ai-route-*` (model-routes.ts), so primary routing is unchanged;
 * - one Ingress per step `ai-fallback-<hash>-<n>`: the same model match plus an exact match
 *   `x-higress-fallback-from: <previous route>` (HigressConstants.java:30). Two header matches sort before every
 *   one-header route (SortHTTPRoutes, pkg/ingress/kube/common/tool.go:172-245), and only a redirected request
 *   carries that header;
 * - one EnvoyFilter per chain: on every route but the last, a per-route custom_response whose RedirectPolicy sends
 *   the same request (original URI and body) back through routing with that header. A route in the system
 *   namespace is named after its Ingress (tool.go:316-321, ingressv1/controller.go:565). The custom_response
 *   filter itself is in the chain through the image's envoyfilters/higress-gateway-global-custom-response.yaml
 *   (higress-standalone all-in-one/config/envoyfilters/, copied into /data by scripts/start-apiserver.sh:13).
 * - the redirected request still says the head's model, so each step gets a derived ai-proxy provider entry
 *   `<provider>~<step route>` (the base entry with a modelMapping of the model to the step's model) and a
 *   route-level match rule first in ai-proxy's list: wasm-go's rule matcher takes the first rule that matches
 *   (wasm-go pkg/matcher/rule_matcher.go:140-175), before the provider's service-level rule.
 */
import { UsageError } from './errors.js';
import { hash8 } from './model-routes.js';

export interface FallbackChain {
  /** The exact model name the chain is for. */
  model: string;
  /** Models tried in turn when the one before answers a listed status. */
  to: string[];
  /** Statuses that move the request on: `429` or a class `5xx`. */
  on: string[];
}

export const FALLBACK_FROM_HEADER = 'x-higress-fallback-from';
export const FALLBACK_TO_ANNOTATION = 'get-ai-gateway.io/fallback-to';
export const FALLBACK_ON_ANNOTATION = 'get-ai-gateway.io/fallback-on';
/** The image's default EnvoyFilter that puts custom_response into the HTTP filter chain. */
export const GLOBAL_CUSTOM_RESPONSE_FILE = 'envoyfilters/higress-gateway-global-custom-response.yaml';

/**
 * What moves a request on by default: a bad or revoked key (401, 403), a timeout (408, and the gateway's 504),
 * rate limits (429) and server or connection errors (5xx, the gateway's 503 included). Not 400/404/422: those
 * say the request itself is wrong, and the next provider would refuse it too, after a wasted call.
 */
export const DEFAULT_FALLBACK_ON = '401,403,408,429,5xx';
/**
 * The body the gateway keeps to send again (custom_response `with_request_body`); the console uses 1 MB. A chat
 * request with a long context or images can be larger, and a larger body is refused, so we allow 10 MiB.
 */
export const FALLBACK_MAX_BODY_BYTES = 10 * 1024 * 1024;

const HEAD = /^ai-fallback-[0-9a-f]{8}$/;
/** Every file name part we write for chains: head, steps and the filter. */
export const CHAIN_NAME = /^ai-fallback-[0-9a-f]{8}(?:-\d+)?$/;
export const DERIVED_PROVIDER = /~ai-fallback-[0-9a-f]{8}-\d+$/;

export const isChainHead = (name: string): boolean => HEAD.test(name);
export const chainHeadName = (model: string): string => `ai-fallback-${hash8(model)}`;
export const chainStepName = (model: string, step: number): string => `${chainHeadName(model)}-${step}`;
export const derivedProviderId = (provider: string, stepRoute: string): string => `${provider}~${stepRoute}`;
export const isDerivedProvider = (id: string): boolean => DERIVED_PROVIDER.test(id);

/** `"401,403,429,5xx"` → `['401', '403', '429', '5xx']`; exit 2 on anything else. */
export function parseFallbackStatuses(text: string): string[] {
  const items = text.split(',').map((s) => s.trim().toLowerCase());
  // Only failures: a 2xx here would send every answered request on to the next provider.
  const bad = items.find((s) => !/^(?:[45]\d\d|[45]xx)$/.test(s));
  if (bad !== undefined) {
    throw new UsageError(`--on "${text}": "${bad}" is not an error status (e.g. 429) or class (4xx, 5xx)`, { hint: `for example --on "${DEFAULT_FALLBACK_ON}"` });
  }
  return [...new Set(items)];
}

/** `--to a,b`: non-empty names, none twice, not the chain's own model. */
export function parseFallbackTargets(model: string, text: string): string[] {
  const to = text.split(',').map((s) => s.trim());
  const empty = to.findIndex((m) => m === '');
  if (empty >= 0) throw new UsageError(`--to "${text}" has an empty item`, { hint: 'e.g. --to claude-sonnet-4-5,deepseek-chat' });
  const spaced = to.find((m) => /\s/.test(m));
  if (spaced) throw new UsageError(`--to: "${spaced}" contains white space`, { hint: 'model names have no spaces' });
  if (to.includes(model)) throw new UsageError(`--to names ${model} itself: a chain cannot fall back to its own model`, { hint: 'list other models' });
  const twice = to.find((m, i) => to.indexOf(m) !== i);
  if (twice) throw new UsageError(`--to names ${twice} twice`, { hint: 'list each model once' });
  return to;
}

/** The model a chain is for: an exact name only (a glob head would take names other providers list exactly). */
export function checkChainModel(text: string): string {
  const model = text.trim();
  if (!model) throw new UsageError('--model is empty', { hint: 'e.g. --model gpt-4o' });
  if (/\s/.test(model)) throw new UsageError(`--model "${model}" contains white space`, { hint: 'model names have no spaces' });
  if (model.includes('*')) {
    throw new UsageError(`--model "${model}" is a glob: a fallback chain is for one exact model name`, { hint: 'run route fallback once per model, e.g. --model gpt-4o' });
  }
  return model;
}

const statusInput = (status: string) =>
  status.endsWith('xx')
    ? { name: `${status}_response`, typed_config: { '@type': 'type.googleapis.com/envoy.type.matcher.v3.HttpResponseStatusCodeClassMatchInput' } }
    : { name: `${status}_response`, typed_config: { '@type': 'type.googleapis.com/envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput' } };

/**
 * The per-route custom_response of one route of a chain, as the console's template writes it: a status matcher
 * (exact codes use HttpResponseStatusCodeMatchInput, classes HttpResponseStatusCodeClassMatchInput; an or_matcher
 * needs two predicates or more) and a RedirectPolicy that keeps the original URI and body, redirects on
 * gateway-made statuses too (only_redirect_upstream_code false) and answers with the final status.
 */
export function customResponsePatch(routeName: string, on: readonly string[], maxRedirects: number): Record<string, unknown> {
  const predicates = on.map((status) => ({ single_predicate: { input: statusInput(status), value_match: { exact: status } } }));
  const header = { header: { key: FALLBACK_FROM_HEADER, value: routeName }, append: false };
  return {
    applyTo: 'HTTP_ROUTE',
    match: { context: 'GATEWAY', routeConfiguration: { vhost: { route: { name: routeName } } } },
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
                      predicate: predicates.length === 1 ? predicates[0] : { or_matcher: { predicate: predicates } },
                      on_match: {
                        action: {
                          name: 'action',
                          typed_config: {
                            '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
                            type_url: 'type.googleapis.com/envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy',
                            value: {
                              max_internal_redirects: maxRedirects,
                              use_original_request_uri: true,
                              keep_original_response_code: false,
                              use_original_request_body: true,
                              only_redirect_upstream_code: false,
                              request_headers_to_add: [header],
                              response_headers_to_add: [header],
                            },
                          },
                        },
                      },
                    },
                  ],
                },
              },
              with_request_body: { max_request_bytes: FALLBACK_MAX_BODY_BYTES },
            },
          },
        },
      },
    },
  };
}

/** The chain's EnvoyFilter: every route that has a next step redirects to it. */
export function chainEnvoyFilter(head: string, routes: readonly string[], on: readonly string[]): Record<string, unknown> {
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name: head, namespace: 'higress-system', resourceVersion: '1' },
    spec: { configPatches: routes.slice(0, -1).map((route, i) => customResponsePatch(route, on, routes.length - 1 - i)) },
  };
}
