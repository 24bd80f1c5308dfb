// Gateway double (TEST EQUIPMENT, not product): the data path, i.e. what Envoy with the model-router,
// ai-proxy and ai-statistics plugins does with a request, reduced to what the installer's tests observe.
// Mirrors docs contract sections 1, 2 and 5:
//   model-router  body.model -> header `modelToHeader`; `higress/auto` + autoRouting -> first matching rule
//                 (RE2, on the last user message's text) else defaultModel; bad/empty rules are skipped.
//   routing       the controller's route keys, DuplicatedRoute drop, Ingress order and SortHTTPRoutes, then the
//                 first matching route (routing.mjs, with its sources); none -> 404.
//   upstream      `higress.io/destination: <registry>.<dns|static>:<port>` -> McpBridge registry:
//                 dns -> protocol://domain:port, static -> protocol://domain ("ip:port"); a domain the
//                 controller refuses (single label, bad ip:port) gives no upstream. Only http is
//                 proxied; https upstreams answer 502 (this sandbox has no internet anyway).
//   ai-proxy      a provider entry the plugin rejects (unknown type, missing required field) fails the whole
//                 plugin; FAIL_OPEN then bypasses it (aiProxyStartError).
//                 the first matchRules entry naming the route (`ingress`) or the service (aiProxyRuleFor) ->
//                 activeProviderId -> provider ->
//                 `Authorization: Bearer <token>` chosen, failed over, health-checked and retried as ai-proxy does
//                 (./keypool.mjs); the provider's `modelMapping` rewrites body.model (routing.mjs). No path
//                 rewriting, no protocol translation.
//   custom-response  a route-level rule answers the request itself (routing.mjs).
//   custom_response  Envoy's filter (not the plugin above): a route's RedirectPolicy sends the same request through
//                 routing again, with the headers the filters changed on it (./custom-response-filter.mjs).
//   key-auth      ./keyauth.mjs, after model-router and before routing (both AUTHN; see there).
//   access log    one JSON line per request in the real field names; `ai_log` is a JSON string with model,
//                 input_token, output_token, llm_service_duration, present only when an ai-statistics
//                 WasmPlugin is loaded (as in the real gateway, where that plugin writes it); plus each
//                 configured `request_header` attribute with `apply_to_log` (ai-statistics/main.go:711,
//                 :956-957, :1014-1015: the header's value, "" when absent), which the plugin reads only when
//                 `use_default_attributes` is off (main.go:546-577). A header with several values gives its first.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { applyKeyAuth } from './keyauth.mjs';
import { createKeyPool } from './keypool.mjs';
import { buildRoutes, customResponseFor, firstRoute, mapModel, re2 } from './routing.mjs';
import { onAnswer } from './custom-response-filter.mjs';

// model-router's default `enableOnPathSuffix`
const MODEL_PATH_SUFFIXES = [
  '/completions', '/embeddings', '/images/generations', '/audio/speech', '/fine_tuning/jobs',
  '/moderations', '/image-synthesis', '/video-synthesis', '/rerank', '/messages',
];
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

function isWasmPluginOn(obj) {
  return obj && obj.spec?.defaultConfigDisable !== true;
}

/** model-router: returns { headerName, model } and may replace body.model. */
export function applyModelRouter(store, path, body) {
  const plugin = store.get('wasmplugins', 'model-router.internal');
  if (!isWasmPluginOn(plugin)) return {};
  const cfg = plugin.spec?.defaultConfig ?? {};
  const headerName = String(cfg.modelToHeader || 'x-higress-llm-model').toLowerCase();
  const suffixes = Array.isArray(cfg.enableOnPathSuffix) ? cfg.enableOnPathSuffix : MODEL_PATH_SUFFIXES;
  const pathname = path.split('?')[0];
  if (!suffixes.some((s) => pathname.endsWith(s))) return {};
  if (!body || typeof body !== 'object' || typeof body.model !== 'string' || body.model === '') return {};
  const auto = cfg.autoRouting;
  if (body.model === 'higress/auto' && auto?.enable === true) {
    const text = lastUserText(body.messages);
    let chosen;
    for (const rule of Array.isArray(auto.rules) ? auto.rules : []) {
      if (!rule?.pattern || !rule?.model) continue;
      const re = re2(String(rule.pattern));
      if (re && re.matcher(text).find()) {
        chosen = String(rule.model);
        break;
      }
    }
    chosen ??= auto.defaultModel ? String(auto.defaultModel) : undefined;
    if (chosen) body.model = chosen;
  }
  return { headerName, model: body.model };
}

export function lastUserText(messages) {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) {
      for (let j = m.content.length - 1; j >= 0; j--) {
        if (m.content[j]?.type === 'text') return String(m.content[j].text ?? '');
      }
    }
    return '';
  }
  return '';
}

/** The route Envoy picks for a request: the controller's routes, first match wins. */
export function selectRoute(store, headers, pathname, method = 'POST') {
  const route = firstRoute(buildRoutes(store.list('ingresses')), { pathname, method, headers });
  return route && { name: route.name, obj: route.obj };
}

// higress registry/direct/watcher.go:140 domainRegex, checked at :187-191: a dns registry whose domain fails
// it gets no ServiceEntry (no upstream): a single label such as `ollama` or `localhost` never resolves.
const DNS_DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$/;

/** watcher.go:145-191: static needs `ip:port` (net.ParseIP), dns a valid domain. */
export function registryHasEndpoint(reg) {
  const domain = String(reg?.domain ?? '');
  if (reg?.type === 'dns') return DNS_DOMAIN.test(domain);
  if (reg?.type === 'static') {
    const [ip, port, ...rest] = domain.split(':');
    return rest.length === 0 && /^\d+$/.test(port ?? '') && /^(\d{1,3})(\.\d{1,3}){3}$/.test(ip) && ip.split('.').every((n) => Number(n) <= 255);
  }
  return false;
}

/** `higress.io/destination` -> { service, port, registry, upstreamBase } */
export function resolveDestination(store, destination) {
  const line = String(destination).split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  const target = line.replace(/^\d+(\.\d+)?%\s+/, '');
  const colon = target.lastIndexOf(':');
  const service = colon > 0 ? target.slice(0, colon) : target;
  const port = colon > 0 ? target.slice(colon + 1) : '80';
  const dot = service.lastIndexOf('.');
  const registryName = service.slice(0, dot);
  const type = service.slice(dot + 1);
  const bridges = [...store.list('mcpbridges')].sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : 0));
  for (const b of bridges) {
    const reg = (b.obj.spec?.registries ?? []).find((r) => r?.name === registryName && r?.type === type);
    if (!reg) continue;
    if (!registryHasEndpoint(reg)) return { service, port };
    const protocol = String(reg.protocol || 'http').toLowerCase();
    const upstreamBase = type === 'static' ? `${protocol}://${reg.domain}` : `${protocol}://${reg.domain}:${reg.port}`;
    return { service, port, registry: reg, protocol, upstreamBase };
  }
  return { service, port };
}

// ai-proxy provider/provider.go:126-161 (type names), :733-757 (Validate: protocol, type, then the type's
// ValidateConfig). Per type, what each provider/<type>.go ValidateConfig requires.
const needsTokens = (p) => (Array.isArray(p.apiTokens) && p.apiTokens.length > 0 ? undefined : 'no apiToken found in provider config');
const str = (v) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const VALIDATE = {
  moonshot: needsTokens, ai360: needsTokens, github: needsTokens, qwen: needsTokens, groq: needsTokens, grok: needsTokens,
  baichuan: needsTokens, yi: needsTokens, deepseek: needsTokens, zhipuai: needsTokens, claude: needsTokens, baidu: needsTokens,
  stepfun: needsTokens, cloudflare: needsTokens, gemini: needsTokens, mistral: needsTokens, cohere: needsTokens, doubao: needsTokens,
  coze: needsTokens, 'together-ai': needsTokens, dify: needsTokens, triton: needsTokens, openrouter: needsTokens, longcat: needsTokens,
  fireworks: needsTokens,
  openai: () => undefined, spark: () => undefined, vllm: () => undefined, generic: () => undefined,
  // azure.go:70-83
  azure: (p) => {
    if (!str(p.azureServiceUrl)) return 'missing azureServiceUrl in provider config';
    let url;
    try {
      url = new URL(str(p.azureServiceUrl));
    } catch {
      return 'invalid azureServiceUrl';
    }
    return url.searchParams.has('api-version') ? needsTokens(p) : 'missing api-version query parameter in azureServiceUrl';
  },
  // bedrock.go:59-69
  bedrock: (p) =>
    !(str(p.awsAccessKey) && str(p.awsSecretKey)) && needsTokens(p)
      ? 'missing bedrock access authentication parameters'
      : !str(p.awsRegion) ? 'missing bedrock region parameters' : undefined,
  // deepl.go:60-65
  deepl: (p) => (str(p.targetLang) ? undefined : 'missing targetLang in deepl provider config'),
  // hunyuan.go:91-99
  hunyuan: (p) =>
    !str(p.hunyuanAuthId) && !str(p.hunyuanAuthKey)
      ? undefined
      : str(p.hunyuanAuthId).length !== 36 || str(p.hunyuanAuthKey).length !== 32 ? 'hunyuanAuthId / hunyuanAuthKey is illegal in config file' : undefined,
  // minimax.go:41-50
  minimax: (p) => (str(p.minimaxApiType) === 'pro' && !str(p.minimaxGroupId) ? 'missing minimaxGroupId in provider config when minimaxApiType is pro' : needsTokens(p)),
  // ollama.go:18-26 (the port is read with gjson Uint(): a string of digits counts)
  ollama: (p) => (!str(p.ollamaServerHost) ? 'missing ollamaServerHost in provider config' : !(Number(p.ollamaServerPort) > 0) ? 'missing ollamaServerPort in provider config' : undefined),
  // vertex.go:61-98 (express mode = apiTokens; standard mode needs the OAuth fields)
  vertex: (p) => {
    if (needsTokens(p) === undefined) return p.vertexOpenAICompatible === true ? 'vertexOpenAICompatible is not compatible with Express Mode (apiTokens)' : undefined;
    if (!str(p.vertexAuthKey)) return 'missing vertexAuthKey in vertex provider config';
    if (!str(p.vertexRegion) || !str(p.vertexProjectId)) return 'missing vertexRegion or vertexProjectId in vertex provider config';
    return str(p.vertexAuthServiceName) ? undefined : 'missing vertexAuthServiceName in vertex provider config';
  },
};

/** provider.go Validate for one provider entry: undefined when the plugin accepts it. */
export function providerConfigError(p) {
  const protocol = str(p.protocol) || 'openai';
  if (protocol !== 'openai' && protocol !== 'original') return 'invalid protocol in config';
  const type = str(p.type);
  if (!type) return 'missing type in provider config';
  const validate = VALIDATE[type];
  if (!validate) return `unknown provider type: ${type}`;
  return validate(p);
}

/**
 * Why the ai-proxy plugin failed to start, or undefined. Each match rule is parsed with its active provider
 * (ai-proxy main.go:131-146 parseOverrideRuleConfig -> config/config.go:67-75 validates only the active
 * provider); one failing rule fails the whole plugin config (wasm-go pkg/matcher/rule_matcher.go:250-268, no
 * rule-level isolation for ai-proxy), and the plugin does not start (wasm-go pkg/wrapper/plugin_wrapper.go:
 * 706-713). With `failStrategy: FAIL_OPEN` (Istio WasmPlugin FailStrategy: "bypass the plugin execution on
 * plugin issues") requests then pass through without ai-proxy: no key injected, nothing rewritten.
 */
export function aiProxyStartError(plugin) {
  const providers = Array.isArray(plugin?.spec?.defaultConfig?.providers) ? plugin.spec.defaultConfig.providers : [];
  for (const rule of Array.isArray(plugin?.spec?.matchRules) ? plugin.spec.matchRules : []) {
    const id = str(rule?.config?.activeProviderId);
    const active = id ? providers.find((p) => str(p?.id) === id) : undefined;
    if (!active) continue; // no active provider: nothing to validate (config.go:67-70)
    const problem = providerConfigError(active);
    if (problem) return `provider ${id}: ${problem}`;
  }
  return undefined;
}

/**
 * ai-proxy's match rule for a request, as wasm-go's rule matcher picks it (pkg/matcher/rule_matcher.go:140-175):
 * the rules in their order (the controller keeps matchRules' order, pkg/ingress/config/ingress_config.go:1040-1120),
 * the first that matches wins: `ingress` names the route (`_match_route_`), `service` the upstream service (both:
 * both must match); a `configDisable` rule is not sent at all (:1042-1044).
 */
export function aiProxyRuleFor(plugin, service, routeName) {
  return (plugin?.spec?.matchRules ?? []).find((r) => {
    if (r?.configDisable === true) return false;
    const routes = Array.isArray(r?.ingress) && r.ingress.length > 0 ? r.ingress : undefined;
    const services = Array.isArray(r?.service) && r.service.length > 0 ? r.service : undefined;
    if (routes && !routes.includes(routeName)) return false;
    if (services && !services.includes(service)) return false;
    return Boolean(routes || services);
  });
}

/** ai-proxy: the provider entry of the rule that matches (none while the plugin failed to start). */
export function providerFor(store, service, routeName) {
  const plugin = store.get('wasmplugins', 'ai-proxy.internal');
  if (!isWasmPluginOn(plugin)) return undefined;
  if (aiProxyStartError(plugin)) return undefined;
  const id = aiProxyRuleFor(plugin, service, routeName)?.config?.activeProviderId;
  if (!id) return undefined;
  const providers = plugin.spec?.defaultConfig?.providers ?? [];
  return providers.find((p) => p?.id === id);
}

function aiStatistics(store) {
  return store
    .list('wasmplugins')
    .find(
      (r) =>
        (r.obj.metadata?.labels?.['higress.io/wasm-plugin-name'] === 'ai-statistics' || r.name.startsWith('ai-statistics')) &&
        isWasmPluginOn(r.obj),
    );
}

/** ai-statistics `request_header` attributes that go to the log, read when the request headers pass. */
export function headerAttributes(plugin, headers) {
  const config = plugin?.obj.spec?.defaultConfig ?? {};
  if (config.use_default_attributes === true || !Array.isArray(config.attributes)) return {};
  const out = {};
  for (const a of config.attributes) {
    if (a?.value_source !== 'request_header' || !a.apply_to_log || !a.key || !a.value) continue;
    const raw = headers[String(a.value).toLowerCase()];
    const value = Array.isArray(raw) ? raw[0] : raw;
    out[a.key] = value === undefined || value === '' ? (a.default_value ?? '') : value;
  }
  return out;
}

/** usage from a JSON body or from the last SSE chunk that carries one. */
export function usageOf(text) {
  try {
    return JSON.parse(text)?.usage;
  } catch {
    let usage;
    for (const line of text.split('\n')) {
      if (!line.startsWith('data:')) continue;
      try {
        usage = JSON.parse(line.slice(5).trim())?.usage ?? usage;
      } catch {
        /* [DONE] and the like */
      }
    }
    return usage;
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * @param {{ store: import('./store.mjs').Store, writeAccessLog: (entry: object) => void }} deps
 * @returns {(req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>}
 */
export function createDataPlane({ store, writeAccessLog, writeGatewayLog = () => {} }) {
  return async function handle(req, res) {
    const started = Date.now();
    const requestId = String(req.headers['x-request-id'] || randomUUID());
    const pathname = (req.url ?? '/').split('?')[0];
    const log = {
      start_time: new Date(started).toISOString(),
      method: req.method,
      path: req.url,
      protocol: `HTTP/${req.httpVersion}`,
      response_code: 0,
      response_flags: '-',
      duration: 0,
      bytes_received: 0,
      bytes_sent: 0,
      upstream_cluster: '-',
      upstream_host: '-',
      route_name: '-',
      request_id: requestId,
      authority: req.headers.host ?? '-',
      user_agent: req.headers['user-agent'] ?? '-',
      x_forwarded_for: req.headers['x-forwarded-for'] ?? '-',
      ai_log: '-',
    };
    const finish = (status, headers, payload, flags = '-') => {
      if (!res.headersSent) res.writeHead(status, headers);
      res.end(payload);
      log.response_code = status;
      log.response_flags = flags;
      log.duration = Date.now() - started;
      log.bytes_sent = payload ? Buffer.byteLength(payload) : log.bytes_sent;
      writeAccessLog(log);
    };

    const raw = await readBody(req);
    log.bytes_received = raw.length;
    // The custom_response filter's state for this stream, kept across its internal redirects (./custom-response-filter.mjs).
    const redirectState = {};
    const envoyFilters = () => store.list('envoyfilters').map((r) => r.obj);

    /** One pass of the filter chain and router; a custom_response redirect runs it again with new headers. */
    const pass = (downstreamHeaders, bodyBytes) => {
      let body;
      try {
        body = bodyBytes.length ? JSON.parse(bodyBytes.toString('utf8')) : undefined;
      } catch {
        body = undefined;
      }
      const headers = { ...downstreamHeaders };
      const routed = applyModelRouter(store, req.url ?? '/', body);
      if (routed.headerName) headers[routed.headerName] = routed.model;
      let outBody = body !== undefined && routed.headerName ? Buffer.from(JSON.stringify(body)) : bodyBytes;

      const denied = applyKeyAuth(store, headers, req.url);
      if (denied) return finish(denied.status, denied.headers, denied.body, '-');
      const statistics = aiStatistics(store);
      const logged = headerAttributes(statistics, headers);

      const route = selectRoute(store, headers, pathname, req.method);
      /**
       * An answer as custom_response sees it in the encode path: redirected (the same request again, new headers),
       * or relayed with the filter's response headers. `relay(extraHeaders, status?)` sends it to the client.
       */
      const answer = (status, fromUpstream, relay, discard = () => {}) => {
        const decision = onAnswer({ envoyFilters: envoyFilters(), routeName: route?.name, status, fromUpstream, state: redirectState });
        if (decision.action === 'redirect') {
          // The redirect reuses the stream's request header map with every change the filters made to it
          // (redirect_policy.cc: downstream_headers_ is the map the filters share; recreateStream keeps it):
          // key-auth's X-Mse-Consumer and ai-proxy's Authorization included.
          const next = { ...headers, ...decision.requestHeaders };
          const nextRoute = selectRoute(store, { ...next, ...(routed.headerName ? { [routed.headerName]: routed.model } : {}) }, pathname, req.method);
          if (nextRoute) {
            decision.commit();
            return discard(() => pass(next, decision.body ? raw : Buffer.alloc(0)));
          }
          return relay({});
        }
        if (decision.action === 'finish') return relay(decision.headers, decision.status);
        return relay({});
      };
      const local = (status, headers, payload, flags) =>
        answer(status, false, (extra, override) => finish(override ?? status, { ...headers, ...extra }, payload, flags), (again) => again());

      if (!route) return local(404, { 'content-type': 'text/plain' }, '', 'NR');
      log.route_name = route.name;
      const custom = customResponseFor(
        store.list('wasmplugins').map((r) => r.obj).filter((o) => o?.metadata?.labels?.['higress.io/wasm-plugin-name'] === 'custom-response'),
        route.name,
      );
      if (custom) return local(custom.status, custom.headers, custom.body);
      if (!route.obj.metadata?.annotations?.['higress.io/destination']) return local(503, { 'content-type': 'text/plain' }, 'no healthy upstream', 'UH');

      const dest = resolveDestination(store, route.obj.metadata.annotations['higress.io/destination']);
      log.upstream_cluster = `outbound|${dest.port}||${dest.service}`;
      if (!dest.upstreamBase) {
        return local(503, { 'content-type': 'text/plain' }, 'no healthy upstream', 'UH');
      }
      const provider = providerFor(store, dest.service, route.name);
      const providerHeader = provider?.id ? { 'x-double-provider': String(provider.id) } : {};
      if (dest.protocol !== 'http') {
        return local(502, { 'content-type': 'text/plain', ...providerHeader }, `double: ${dest.protocol} upstreams are not supported`, 'UF');
      }

      const target = new URL(req.url ?? '/', dest.upstreamBase);
      log.upstream_host = target.host;
      const outHeaders = {};
      for (const [k, v] of Object.entries(headers)) {
        if (!HOP_BY_HOP.has(k) && k !== 'host' && k !== 'content-length') outHeaders[k] = v;
      }
      outHeaders['x-request-id'] = requestId;
      outHeaders['content-length'] = String(outBody.length);
      // ai-statistics (priority 900) reads the request before ai-proxy (priority 100) maps the model.
      const requestedModel = body?.model;
      if (provider?.modelMapping && body && typeof body.model === 'string') {
        body.model = mapModel(provider.modelMapping, body.model);
        outBody = Buffer.from(JSON.stringify(body));
        outHeaders['content-length'] = String(outBody.length);
      }
      const pool = provider ? keyPoolFor(provider, writeGatewayLog) : undefined;
      const streaming = body?.stream === true;
      const tried = [];

      // ai-proxy's `timeout` is only for its own side calls (context files, tokens), not the forwarded request
      // (provider.go:315-317, README_EN.md:49): nothing here uses it. `firstByteTimeout` on a streaming request
      // is sent as x-envoy-upstream-rq-first-byte-timeout-ms (provider.go:1147-1154, isStreamingAPI :1360-1375);
      // the gateway's Envoy then ends a request whose upstream sends nothing in time the way its router ends an
      // upstream request timeout: 504 "upstream request timeout", flag UT (Envoy router docs,
      // x-envoy-upstream-rq-timeout-ms), and, like its other x-envoy-upstream-rq-* headers, does not forward it.
      const firstByteMs = Number(provider?.firstByteTimeout) > 0 && isStreamingApi(pathname, body) ? Number(provider.firstByteTimeout) : 0;
      const upstreamStarted = Date.now();
      const send = (token) => {
        if (token !== undefined) {
          outHeaders.authorization = `Bearer ${token}`;
          headers.authorization = outHeaders.authorization; // ai-proxy rewrites the stream's own header
          tried.push(token);
        }
        const upReq = http.request(target, { method: req.method, headers: outHeaders });
        const firstByteTimer = firstByteMs
          ? setTimeout(() => upReq.destroy(Object.assign(new Error('upstream request timeout'), { code: 'TIMEOUT' })), firstByteMs)
          : undefined;
        upReq.on('error', (err) => {
          clearTimeout(firstByteTimer);
          if (res.headersSent) {
            res.destroy();
            return;
          }
          // Envoy's own answer passes ai-proxy's response phase like an upstream one (main.go:343-349): it counts
          // for failover. (Retrying it is not modelled.)
          if (tried.length === 1 && pool) {
            pool.requestId = requestId;
            pool.record(token, err.code === 'TIMEOUT' ? 504 : 503);
            pool.requestId = undefined;
          }
          if (err.code === 'TIMEOUT') local(504, { 'content-type': 'text/plain', ...providerHeader }, 'upstream request timeout', 'UT');
          else local(503, { 'content-type': 'text/plain', ...providerHeader }, `upstream connect error or disconnect/reset before headers. reset reason: ${err.code ?? err.message}`, 'UF');
        });
        upReq.on('response', (upRes) => {
          clearTimeout(firstByteTimer);
          const status = upRes.statusCode ?? 502;
          // Failover counts the first answer only; retry answers do not (failover.go:581-585, retry.go:80-105).
          if (tried.length === 1 && pool) {
            pool.requestId = requestId;
            pool.record(token, status);
            pool.requestId = undefined;
            if (status !== 200 && pool.failover) pool.rememberEndpoint(target, outHeaders);
          }
          const retryWith = token !== undefined && pool ? pool.retryToken(status, streaming, tried) : undefined;
          if (retryWith !== undefined) {
            upRes.resume();
            upRes.on('end', () => send(retryWith));
            return;
          }
          const discard = (again) => {
            upRes.resume();
            upRes.on('end', again);
          };
          answer(status, true, (extra, override) => {
            const relay = { ...providerHeader };
            for (const [k, v] of Object.entries(upRes.headers)) if (!HOP_BY_HOP.has(k)) relay[k] = v;
            Object.assign(relay, extra);
            const finalStatus = override ?? status;
            res.writeHead(finalStatus, relay);
            const chunks = [];
            upRes.on('data', (c) => {
              chunks.push(c);
              res.write(c);
            });
            upRes.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              log.bytes_sent = Buffer.byteLength(text);
              if (statistics) {
                const usage = usageOf(text) ?? {};
                log.ai_log = JSON.stringify({
                  ...logged,
                  model: requestedModel ?? '-',
                  input_token: usage.prompt_tokens ?? usage.input_tokens ?? 0,
                  output_token: usage.completion_tokens ?? usage.output_tokens ?? 0,
                  llm_service_duration: Date.now() - upstreamStarted,
                });
              }
              finish(finalStatus, relay, undefined);
            });
            upRes.on('error', () => res.destroy());
          }, discard);
        });
        upReq.end(outBody);
      };
      send(pool?.choose());
    };
    pass({ ...req.headers }, raw);
  };
}

/** ai-proxy's isStreamingAPI (provider.go:1360-1375): `stream: true` on these APIs, Gemini's stream call always. */
function isStreamingApi(pathname, body) {
  if (/:streamGenerateContent$/.test(pathname)) return true;
  const streamable = /\/(chat\/completions|completions|images\/generations|images\/edits|responses|messages|complete)$/.test(pathname);
  return streamable && body?.stream === true;
}

// One key pool per provider entry; a changed entry starts a new one (failover.go:135-137 resets shared data).
const keyPools = new Map();
function keyPoolFor(entry, writeGatewayLog) {
  const json = JSON.stringify(entry);
  const known = keyPools.get(entry.id);
  if (known?.json === json) return known.pool;
  if (known?.timer) clearInterval(known.timer);
  // ai-proxy's own log lines (keypool.mjs), with the request they belong to (none for a health check).
  const pool = createKeyPool(entry, Math.random, (level, message) => writeGatewayLog({ level, plugin: 'ai-proxy', requestId: pool.requestId, message }));
  let endpoint;
  pool.rememberEndpoint = (target, headers) => {
    endpoint = { target: new URL(target), headers: { ...headers } };
  };
  let timer;
  if (pool.failover) {
    // Health check (failover.go:149-184): POST the failed request's host and path with healthCheckModel
    // (generateRequestHeadersAndBody :229-255) for each unavailable token; 200 counts as a success.
    timer = setInterval(() => {
      if (!endpoint) return;
      for (const token of pool.unavailable()) {
        const payload = Buffer.from(JSON.stringify({ model: pool.failover.healthCheckModel, messages: [{ role: 'user', content: 'who are you?' }] }));
        const headers = { ...endpoint.headers, authorization: `Bearer ${token}`, 'content-length': String(payload.length), 'content-type': 'application/json' };
        const probe = http.request(endpoint.target, { method: 'POST', headers, timeout: pool.failover.healthCheckTimeout });
        probe.on('timeout', () => probe.destroy());
        probe.on('error', () => {});
        probe.on('response', (r) => {
          r.resume();
          pool.recordHealthCheck(token, r.statusCode ?? 0);
        });
        probe.end(payload);
      }
    }, pool.failover.healthCheckInterval);
    timer.unref();
  }
  keyPools.set(entry.id, { json, pool, timer });
  return pool;
}
