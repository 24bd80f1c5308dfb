// Gateway double (TEST EQUIPMENT, not product): Envoy's custom_response HTTP filter with a RedirectPolicy, as the
// Higress build of Envoy runs it (the fork's `#if defined(HIGRESS)` branches), configured through EnvoyFilters
// the way the Higress console configures an AI route's fallback (higress-console backend/sdk/src/main/resources/
// templates/envoyfilter-route-fallback.yaml). Written from these sources, never from the installer's renderer:
//   in the chain   only when an EnvoyFilter inserts `envoy.filters.http.custom_response` as an HTTP_FILTER (the
//                  image's config/envoyfilters/higress-gateway-global-custom-response.yaml, INSERT_FIRST);
//                  without it a per-route config has no filter to configure
//   per route      an HTTP_ROUTE patch whose match names the route (`routeConfiguration.vhost.route.name`; a
//                  route is named after its Ingress, higress pkg/ingress/kube/common/tool.go:316-321), MERGE of
//                  typed_per_filter_config["envoy.filters.http.custom_response"] (a udpa TypedStruct or the
//                  typed proto); the last such patch wins
//   matcher        custom_response_matcher.matcher_list: the first matcher whose predicate holds; inputs
//                  HttpResponseStatusCodeMatchInput ("429") and HttpResponseStatusCodeClassMatchInput ("5xx"),
//                  single_predicate value_match exact/prefix, or_matcher, and_matcher, not_matcher
//   redirect       envoy fork source/extensions/http/custom_response/redirect_policy/redirect_policy.cc
//                  (RedirectPolicy::encodeHeaders) and filters/http/custom_response/custom_response_filter.cc:
//                  - the first redirect stores the policy and `remain = max_internal_redirects - 1` (default 1) in
//                    the stream's filter state; a later one only replaces the stored policy;
//                  - on a redirected request's answer: remain <= 0 -> finish; else the new route's policy, when
//                    it matches, redirects again (remain--); when none matches -> finish;
//                  - finish = the stored policy's response_headers_to_add, and the status it kept when
//                    keep_original_response_code (default true) was set;
//                  - only_redirect_upstream_code (default false): a status the gateway made itself (no route,
//                    no upstream, timeout) is answered as is when true;
//                  - the redirect sets request_headers_to_add (append false replaces) on the downstream request,
//                    keeps the original URI (use_original_request_uri) and re-sends the original body
//                    (use_original_request_body), and is not made when no route takes the new request.
const FILTER_NAME = 'envoy.filters.http.custom_response';
const STATUS_INPUT = 'type.googleapis.com/envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput';
const CLASS_INPUT = 'type.googleapis.com/envoy.type.matcher.v3.HttpResponseStatusCodeClassMatchInput';
const REDIRECT_POLICY = 'type.googleapis.com/envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy';

const gatewayContext = (patch) => [undefined, 'GATEWAY', 'ANY'].includes(patch?.match?.context);
/** A TypedStruct's `value`, or the typed proto itself. */
const typed = (config) => (config?.['@type'] === 'type.googleapis.com/udpa.type.v1.TypedStruct' ? { type: config.type_url, value: config.value ?? {} } : { type: config?.['@type'], value: config ?? {} });

/** Whether an EnvoyFilter puts the custom_response filter into the gateway's HTTP filter chain. */
export function customResponseFilterInChain(envoyFilters) {
  return envoyFilters.some((f) =>
    (f?.spec?.configPatches ?? []).some(
      (p) => p?.applyTo === 'HTTP_FILTER' && gatewayContext(p) && ['INSERT_FIRST', 'INSERT_BEFORE', 'INSERT_AFTER', 'ADD'].includes(p?.patch?.operation) && p?.patch?.value?.name === FILTER_NAME,
    ),
  );
}

/** The custom_response config of a route, or undefined. */
export function routeCustomResponse(envoyFilters, routeName) {
  let config;
  for (const f of envoyFilters) {
    for (const p of f?.spec?.configPatches ?? []) {
      if (p?.applyTo !== 'HTTP_ROUTE' || !gatewayContext(p) || p?.patch?.operation !== 'MERGE') continue;
      if (p?.match?.routeConfiguration?.vhost?.route?.name !== routeName) continue;
      const perFilter = p?.patch?.value?.typed_per_filter_config?.[FILTER_NAME];
      if (perFilter) config = typed(perFilter).value;
    }
  }
  return config;
}

function inputValue(input, status) {
  const type = input?.typed_config?.['@type'];
  if (type === STATUS_INPUT) return String(status);
  if (type === CLASS_INPUT) return `${Math.floor(status / 100)}xx`;
  return undefined; // an input the double does not know matches nothing
}

function holds(predicate, status) {
  if (predicate?.single_predicate) {
    const value = inputValue(predicate.single_predicate.input, status);
    const match = predicate.single_predicate.value_match ?? {};
    if (value === undefined) return false;
    if (match.exact !== undefined) return value === String(match.exact);
    if (match.prefix !== undefined) return value.startsWith(String(match.prefix));
    return false;
  }
  if (predicate?.or_matcher) return (predicate.or_matcher.predicate ?? []).some((p) => holds(p, status));
  if (predicate?.and_matcher) return (predicate.and_matcher.predicate ?? []).every((p) => holds(p, status));
  if (predicate?.not_matcher) return !holds(predicate.not_matcher, status);
  return false;
}

const headerList = (list) => (Array.isArray(list) ? list : []).map((h) => ({ key: String(h?.header?.key ?? '').toLowerCase(), value: String(h?.header?.value ?? ''), append: h?.append === true })).filter((h) => h.key);
const flag = (v, fallback) => (v === undefined || v === null ? fallback : v === true || v?.value === true);

/** The RedirectPolicy a route's config picks for this status, or undefined. */
export function redirectPolicyFor(config, status) {
  for (const matcher of config?.custom_response_matcher?.matcher_list?.matchers ?? []) {
    if (!holds(matcher?.predicate, status)) continue;
    const action = typed(matcher?.on_match?.action?.typed_config);
    if (action.type !== REDIRECT_POLICY) return undefined;
    const v = action.value;
    const max = Number(v.max_internal_redirects?.value ?? v.max_internal_redirects ?? 1);
    return {
      maxInternalRedirects: Number.isFinite(max) ? max : 1,
      keepOriginalResponseCode: flag(v.keep_original_response_code, true),
      onlyRedirectUpstreamCode: flag(v.only_redirect_upstream_code, false),
      useOriginalRequestBody: flag(v.use_original_request_body, false),
      requestHeadersToAdd: headerList(v.request_headers_to_add),
      responseHeadersToAdd: headerList(v.response_headers_to_add),
    };
  }
  return undefined;
}

/**
 * What the filter does with an answer on `routeName`. `state` is the stream's filter state (an object the caller
 * keeps across redirects; empty at first).
 * @returns {{ action: 'pass' } | { action: 'finish', headers: Record<string,string>, status?: number } | { action: 'redirect', requestHeaders: Record<string,string>, body: boolean }}
 */
export function onAnswer({ envoyFilters, routeName, status, fromUpstream, state }) {
  if (!customResponseFilterInChain(envoyFilters)) return { action: 'pass' };
  const finish = () => {
    state.remaining = 0;
    const headers = Object.fromEntries(state.policy.responseHeadersToAdd.map((h) => [h.key, h.value]));
    return { action: 'finish', headers, ...(state.originalStatus !== undefined ? { status: state.originalStatus } : {}) };
  };
  if (state.policy && state.remaining <= 0) return finish();
  const config = routeName ? routeCustomResponse(envoyFilters, routeName) : undefined;
  const policy = config ? redirectPolicyFor(config, status) : undefined;
  if (!policy) return state.policy ? finish() : { action: 'pass' };
  if (state.policy) state.remaining -= 1;
  if (policy.onlyRedirectUpstreamCode && !fromUpstream) return { action: 'pass' };
  return {
    action: 'redirect',
    requestHeaders: Object.fromEntries(policy.requestHeadersToAdd.map((h) => [h.key, h.value])),
    body: policy.useOriginalRequestBody,
    /** Called once the new request has a route (no route: the answer passes as is, and nothing is stored). */
    commit: () => {
      if (!state.policy) {
        state.remaining = policy.maxInternalRedirects - 1;
        state.originalStatus = policy.keepOriginalResponseCode ? status : undefined;
      }
      state.policy = policy;
    },
  };
}
