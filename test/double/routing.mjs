// Gateway double (TEST EQUIPMENT, not product): how the Higress controller turns Ingresses into routes, how Envoy
// picks one, and the plugin steps on the way (ai-proxy modelMapping, custom-response). Written from the Go source,
// independently of the installer's renderer (never import ../../src here):
//   order         Ingresses sorted by metadata.creationTimestamp, then name + "." + namespace
//                 (pkg/ingress/kube/common/tool.go:88-96); an empty rule host is "*" (ingressv1/controller.go:1206)
//   route key     createRuleKey: "<host>-<pathType>-<path>", the match-method annotation, the header matches
//                 ("<kind>-<header>\t<value>", sorted by "<kind>-<header>") and query matches (controller.go:1239-1300);
//                 a Prefix path other than "/" loses a trailing "/" (controller.go:553-559)
//   duplicates    a key an earlier Ingress already has, or a PathFormat twice in one Ingress, is a
//                 DuplicatedRoute: the route is dropped (controller.go:567-604)
//   sort          SortHTTPRoutes, stable (tool.go:172-245): default backend and all-catch (Prefix "/" with no
//                 header, query or method match) last; same path type: longer path first, then method regex
//                 (any before none, shorter first), then more header matches, then more query matches;
//                 Exact before Prefix; otherwise Ingress order
//   match         Envoy takes the first route whose path, method and headers match; header matches are
//                 higress.io/{exact,prefix,regex}-match-header-<name>, regex = RE2 full match, one match per
//                 header name (pkg/ingress/kube/annotations/match.go:141-260)
//   modelMapping  ai-proxy provider.go:971-1012: exact key, then "x*" prefix and "~regex" keys (Go map order: any
//                 order; here the file's order), then "*"; regex via regexp.MustCompile + ReplaceAllString ($1);
//                 an empty result keeps the model
//   custom-response  plugins/wasm-go/extensions/custom-response/main.go:56-195: a rule without enable_on_status
//                 answers the request itself with status_code (200), headers ("k=v") and body; content-type from
//                 the headers, else JSON if the body is valid JSON, else text. Route-level rules name the Ingress
//                 in matchRules[].ingress (pkg/ingress/config/ingress_config.go:1064 `_match_route_`).
import { RE2JS } from 're2js';

const MATCH = /^higress\.io\/(exact|regex|prefix)-match-header-(.+)$/;

const regexCache = new Map();
/** RE2 compile with a cache; undefined when the pattern does not compile. */
export function re2(pattern) {
  if (!regexCache.has(pattern)) {
    let compiled;
    try {
      compiled = RE2JS.compile(pattern);
    } catch {
      compiled = undefined;
    }
    regexCache.set(pattern, compiled);
  }
  return regexCache.get(pattern);
}

function createRuleKey(annotations, pathFormat) {
  const sep = '\n\n';
  const headers = [];
  const params = [];
  for (const [k, v] of Object.entries(annotations)) {
    let m = /^higress\.io\/(.*?)match-header-(.+)$/.exec(k);
    if (m) {
      headers.push([`${m[1]}${m[2]}`, String(v)]);
      continue;
    }
    m = /^higress\.io\/(.*?)match-pseudo-header-(.+)$/.exec(k);
    if (m) {
      headers.push([`${m[1]}:${m[2]}`, String(v)]);
      continue;
    }
    m = /^higress\.io\/(.*?)match-query-(.+)$/.exec(k);
    if (m) params.push([`${m[1]}${m[2]}`, String(v)]);
  }
  const byKey = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  headers.sort(byKey);
  params.sort(byKey);
  const method = annotations['higress.io/match-method'] === undefined ? '' : String(annotations['higress.io/match-method']);
  return [pathFormat, method, headers.map((h) => h.join('\t')).join('\n'), params.map((p) => p.join('\t')).join('\n'), ''].join(sep);
}

function creationTime(obj) {
  const t = obj?.metadata?.creationTimestamp;
  if (t === undefined || t === null || t === '') return 0;
  const ms = t instanceof Date ? t.getTime() : Date.parse(String(t));
  return Number.isFinite(ms) ? ms : 0;
}

/**
 * @param {{ name: string, obj: any }[]} ingresses
 * @returns {{ routes: object[], duplicated: { ingress: string, keptBy: string }[] }}
 */
export function buildRoutes(ingresses) {
  const ordered = [...ingresses].sort((a, b) => {
    const ta = creationTime(a.obj);
    const tb = creationTime(b.obj);
    if (ta !== tb) return ta - tb;
    const an = `${a.obj?.metadata?.name ?? a.name}.${a.obj?.metadata?.namespace ?? ''}`;
    const bn = `${b.obj?.metadata?.name ?? b.name}.${b.obj?.metadata?.namespace ?? ''}`;
    return an < bn ? -1 : an > bn ? 1 : 0;
  });
  const route2Ingress = new Map();
  const routes = [];
  const duplicated = [];
  for (const { name, obj } of ordered) {
    const annotations = obj?.metadata?.annotations ?? {};
    const headers = new Map();
    for (const [k, v] of Object.entries(annotations)) {
      const m = MATCH.exec(k);
      if (m && !headers.has(m[2].toLowerCase())) headers.set(m[2].toLowerCase(), { kind: m[1], value: String(v) });
    }
    const methods = String(annotations['higress.io/match-method'] ?? '')
      .split(' ')
      .map((x) => x.toUpperCase())
      .filter(Boolean);
    const defined = new Set();
    const keys = [];
    for (const rule of obj?.spec?.rules ?? []) {
      const host = rule?.host ? String(rule.host) : '*';
      for (const p of rule?.http?.paths ?? []) {
        const pathType = p?.pathType === 'Exact' ? 'Exact' : 'Prefix';
        const rawPath = String(p?.path ?? '/');
        const path = pathType === 'Prefix' && rawPath !== '/' ? rawPath.replace(/\/$/, '') : rawPath;
        const pathFormat = `${host}-${pathType}-${path}`;
        const key = createRuleKey(annotations, pathFormat);
        keys.push(key);
        if (route2Ingress.has(key) || defined.has(pathFormat)) {
          duplicated.push({ ingress: name, keptBy: route2Ingress.get(key) ?? name });
          continue;
        }
        defined.add(pathFormat);
        routes.push({ name, obj, host, pathType, path, methods, headers });
      }
    }
    for (const key of keys) if (!route2Ingress.has(key)) route2Ingress.set(key, name);
  }
  const allCatch = (r) => r.pathType === 'Prefix' && r.path === '/' && r.headers.size === 0 && r.methods.length === 0;
  const less = (i, j) => {
    if (allCatch(i)) return false;
    if (allCatch(j)) return true;
    if (i.pathType === j.pathType) {
      if (i.path.length !== j.path.length) return i.path.length > j.path.length;
      const im = i.methods.join('|').length;
      const jm = j.methods.join('|').length;
      if (im !== jm) return im !== 0 && jm !== 0 ? im < jm : im !== 0;
      if (i.headers.size !== j.headers.size) return i.headers.size > j.headers.size;
      return false;
    }
    return i.pathType === 'Exact';
  };
  const sorted = routes.map((r, n) => ({ r, n })).sort((a, b) => (less(a.r, b.r) ? -1 : less(b.r, a.r) ? 1 : a.n - b.n));
  return { routes: sorted.map((x) => x.r), duplicated };
}

function headerHolds(match, actual) {
  if (typeof actual !== 'string') return false;
  if (match.kind === 'exact') return actual === match.value;
  if (match.kind === 'prefix') return actual.startsWith(match.value);
  const re = re2(match.value);
  return Boolean(re && re.matches(actual));
}

/** The first route for a request (the request's Host is ignored: only host-less rules are served). */
export function firstRoute(table, { pathname, method, headers }) {
  return table.routes.find((r) => {
    if (r.host !== '*') return false;
    if (r.pathType === 'Exact' ? pathname !== r.path : !(r.path === '/' || pathname === r.path || pathname.startsWith(`${r.path}/`))) return false;
    if (r.methods.length > 0 && !r.methods.includes(String(method).toUpperCase())) return false;
    for (const [name, match] of r.headers) if (!headerHolds(match, headers[name])) return false;
    return true;
  });
}

/** ai-proxy modelMapping: the model the provider receives. */
/**
 * Go's Regexp.ReplaceAllString (regexp/regexp.go, Expand): in the template `$$` is `$`, `${name}` and `$name`
 * (name as long as possible of [A-Za-z0-9_]) are the group by number or name, an unknown group is "".
 */
export function goReplaceAll(re, text, template) {
  const named = typeof re.namedGroups === 'function' ? re.namedGroups() : {};
  const groupOf = (m, name) => {
    const index = /^\d+$/.test(name) ? Number(name) : named?.[name];
    return index !== undefined && index <= re.groupCount() ? (m.group(index) ?? '') : '';
  };
  const m = re.matcher(text);
  let out = '';
  let last = 0;
  while (m.find()) {
    out += text.slice(last, m.start());
    out += template.replace(/\$(\$|\{(\w+)\}|(\w+))?/g, (all, what, braced, bare) => (what === '$' ? '$' : what === undefined ? '' : groupOf(m, braced ?? bare)));
    last = m.end();
  }
  return out + text.slice(last);
}

export function mapModel(mapping, model) {
  if (!mapping || typeof mapping !== 'object' || Object.keys(mapping).length === 0) return model;
  const pick = () => {
    if (Object.hasOwn(mapping, model)) return String(mapping[model]);
    for (const [key, value] of Object.entries(mapping)) {
      if (key === '*') continue;
      if (key.endsWith('*') && model.startsWith(key.slice(0, -1))) return String(value);
      if (key.startsWith('~')) {
        const re = re2(key.slice(1));
        if (!re) throw new Error(`modelMapping key ${key} does not compile (regexp.MustCompile panics)`);
        if (re.matcher(model).find()) return goReplaceAll(re, model, String(value));
      }
    }
    return mapping['*'] === undefined ? '' : String(mapping['*']);
  };
  const mapped = pick();
  return mapped.length > 0 ? mapped : model;
}

/** custom-response: the rule that answers a request on `routeName`, or undefined. */
export function customResponseFor(plugins, routeName) {
  for (const plugin of plugins) {
    const spec = plugin?.spec ?? {};
    const rule = (spec.matchRules ?? []).find((r) => r?.configDisable !== true && Array.isArray(r?.ingress) && r.ingress.includes(routeName));
    const config = rule?.config ?? (spec.defaultConfigDisable === true ? undefined : spec.defaultConfig);
    if (!config) continue;
    const item = Array.isArray(config.rules) ? config.rules.find((x) => !(x?.enable_on_status ?? []).length) : config;
    if (!item || (item.enable_on_status ?? []).length) continue;
    const headers = {};
    let contentType = '';
    for (const h of item.headers ?? []) {
      const [k, ...rest] = String(h).split('=');
      if (rest.length === 0) continue;
      if (k.trim().toLowerCase() === 'content-type') contentType = rest.join('=').trim();
      else if (k.trim().toLowerCase() !== 'content-length') headers[k.trim()] = rest.join('=').trim();
    }
    const body = item.body === undefined ? '' : String(item.body);
    if (!contentType && body) {
      try {
        JSON.parse(body);
        contentType = 'application/json; charset=utf-8';
      } catch {
        contentType = 'text/plain; charset=utf-8';
      }
    }
    headers['content-type'] = contentType;
    return { status: item.status_code === undefined ? 200 : Number(item.status_code), headers, body };
  }
  return undefined;
}
