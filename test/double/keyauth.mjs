// Gateway double (TEST EQUIPMENT, not product): Higress's key-auth plugin, as its source states it
// (alibaba/higress plugins/wasm-go/extensions/key-auth/main.go):
//   config     `keys` required and non-empty (:148-154); `in_query` or `in_header` must exist (:161-165);
//              `consumers` required and non-empty (:175-181); each needs `name` and `credential` (:184-191);
//              a repeated credential is an error (:192-194). A config error fails the plugin's start
//              (wasm-go pkg/wrapper/plugin_wrapper.go:706-716); with
//              failStrategy FAIL_CLOSE (the default, 0) every request then fails with 5xx, with FAIL_OPEN the plugin
//              is skipped (api/extensions/v1alpha1/wasmplugin.proto:208-218).
//   enabled    `defaultConfigDisable: true` and no match rules: the controller drops the plugin
//              (pkg/ingress/config/ingress_config.go:1030, :1141-1143).
//   global     auth on every route when `global_auth` is true, or unset and no route configures the plugin
//              (:249-254, :299-302). `global_auth: false` without rules: nothing is checked.
//              Per-route `allow` lists (matchRules) are NOT implemented here: a plugin with match rules makes
//              the double answer 500 so that no test can rely on them silently.
//   request    the value of every header named in `keys` (in_header; else the query parameters, in_query) that is
//              present and non-empty (:259-278); more than one → 401 multi key (:281-282, :329-333); none → 401
//              (:283-284, :335-339); the value is looked up AS IS in the credentials (no `Bearer ` stripping) and an
//              unknown one → 403 (:288-292, :341-345); success adds (appends, not replaces) `X-Mse-Consumer: <name>`
//              (:294). Denials carry `WWW-Authenticate: Key realm=MSE Gateway` (:32, :360-363).
//   order      phase AUTHN; within a phase higher priority runs first (wasmplugin.proto:95-101): model-router
//              (AUTHN, 900) runs before key-auth (AUTHN, 310); ai-proxy and ai-statistics (UNSPECIFIED_PHASE) after.

const REALM = { 'www-authenticate': 'Key realm=MSE Gateway', 'content-type': 'text/plain' };

function isKeyAuth(resource) {
  const obj = resource.obj;
  return obj?.metadata?.labels?.['higress.io/wasm-plugin-name'] === 'key-auth' || String(obj?.spec?.url ?? '').includes('/key-auth/');
}

/** main.go parseGlobalConfig: the credential → name map, or the error the plugin would report. */
export function parseKeyAuthConfig(config) {
  const c = config ?? {};
  if (!Array.isArray(c.keys)) return { error: 'keys is required' };
  if (c.keys.length === 0) return { error: 'keys cannot be empty' };
  if (c.in_query === undefined && c.in_header === undefined) return { error: 'must one of in_query/in_header required' };
  if (!Array.isArray(c.consumers)) return { error: 'consumers is required' };
  if (c.consumers.length === 0) return { error: 'consumers cannot be empty' };
  const credentials = new Map();
  for (const item of c.consumers) {
    if (!item?.name) return { error: 'consumer name is required' };
    if (!item?.credential) return { error: 'consumer credential is required' };
    if (credentials.has(String(item.credential))) return { error: `duplicate consumer credential: ${item.credential}` };
    credentials.set(String(item.credential), String(item.name));
  }
  return {
    keys: c.keys.map((k) => String(k).toLowerCase()),
    inHeader: c.in_header === true,
    inQuery: c.in_query === true,
    globalAuth: typeof c.global_auth === 'boolean' ? c.global_auth : undefined,
    credentials,
  };
}

/**
 * Runs every loaded key-auth plugin on a request.
 * @returns {{ status: number, headers: object, body: string, detail: string } | undefined} a denial, or undefined
 * (then `headers` may have gained `x-mse-consumer`).
 */
export function applyKeyAuth(store, headers, url) {
  for (const resource of store.list('wasmplugins').filter(isKeyAuth)) {
    const spec = resource.obj.spec ?? {};
    const rules = Array.isArray(spec.matchRules) ? spec.matchRules.filter((r) => r?.configDisable !== true) : [];
    if (spec.defaultConfigDisable === true && rules.length === 0) continue;
    if (rules.length > 0) return { status: 500, headers: { 'content-type': 'text/plain' }, body: 'double: key-auth match rules are not implemented', detail: 'double' };
    const config = parseKeyAuthConfig(spec.defaultConfig);
    if (config.error) {
      if (spec.failStrategy === 'FAIL_OPEN') continue;
      return { status: 503, headers: { 'content-type': 'text/plain' }, body: `key-auth failed to start: ${config.error}`, detail: 'wasm_fail_stream' };
    }
    const global = config.globalAuth === true || config.globalAuth === undefined;
    if (!global) continue;
    const tokens = [];
    if (config.inHeader) {
      for (const key of config.keys) {
        const value = headers[key];
        if (typeof value === 'string' && value !== '') tokens.push(value);
      }
    } else if (config.inQuery) {
      const query = new URL(url ?? '/', 'http://double').searchParams;
      for (const key of config.keys) tokens.push(...query.getAll(key));
    }
    if (tokens.length > 1) return { status: 401, headers: REALM, body: 'Request denied by Key Auth check. Multi Key Authentication information found.', detail: 'key-auth.multi_key' };
    if (tokens.length === 0) return { status: 401, headers: REALM, body: 'Request denied by Key Auth check. No Key Authentication information found.', detail: 'key-auth.no_key' };
    const name = config.credentials.get(tokens[0]);
    if (name === undefined) return { status: 403, headers: REALM, body: 'Request denied by Key Auth check. Unauthorized consumer.', detail: 'key-auth.unauthorized' };
    const existing = headers['x-mse-consumer'];
    headers['x-mse-consumer'] = existing === undefined ? name : [...[existing].flat(), name];
  }
  return undefined;
}
