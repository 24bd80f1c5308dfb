/**
 * TEST ORACLE, written from Higress's Go source (not from our renderer or resolver), so it can disagree with them.
 * Given a data folder's parsed resources it computes what the controller and ai-proxy do with a chat request:
 *   - Ingresses sorted by creationTimestamp, then name + "." + namespace   (pkg/ingress/kube/common/tool.go:88-96)
 *   - empty rule host -> "*"                                               (ingressv1/controller.go:1206)
 *   - route key = createRuleKey(annotations, PathFormat())                 (controller.go:1239-1300, common/controller.go:103)
 *   - a key seen before (or a second equal PathFormat in one Ingress) -> DuplicatedRoute, dropped (controller.go:567-604)
 *   - Prefix paths other than "/" lose a trailing "/"                      (controller.go:553-559)
 *   - header matches: exact / prefix / regex (RE2, full value); one match per header name (annotations/match.go:141-260)
 *   - SortHTTPRoutes (stable): default backend and all-catch last, Exact path first, longer path first, methods,
 *     more header matches first                                            (tool.go:172-245)
 *   - first route that matches wins; destination "<service>:<port>"; ai-proxy matchRules service -> provider
 *   - ai-proxy modelMapping: exact key, then "x*" prefix / "~regex" keys (any order), then "*" (provider.go:971-1012)
 */
import { RE2JS } from 're2js';

type Doc = Record<string, any>;

export interface ControllerRoute {
  ingress: string;
  key: string;
  host: string;
  pathType: 'Exact' | 'Prefix';
  path: string;
  methods: string[];
  headers: Map<string, { type: 'exact' | 'prefix' | 'regex'; value: string }>;
  destination: string;
}

export interface ControllerView {
  routes: ControllerRoute[];
  duplicated: { ingress: string; key: string; keptBy: string }[];
  keys: string[];
}

const PREFIX = 'higress.io';

function createRuleKey(annots: Record<string, string>, hostAndPath: string): string {
  const sep = '\n\n';
  let sb = hostAndPath + sep;
  if (annots[`${PREFIX}/match-method`] !== undefined) sb += annots[`${PREFIX}/match-method`];
  sb += sep;
  const start = PREFIX.length + 1;
  const headers: [string, string][] = [];
  const params: [string, string][] = [];
  for (const [k, val] of Object.entries(annots)) {
    let idx = k.indexOf('match-header');
    if (idx !== -1) {
      headers.push([k.slice(start, idx) + k.slice(idx + 'match-header'.length + 1), val]);
      continue;
    }
    idx = k.indexOf('match-pseudo-header');
    if (idx !== -1) {
      headers.push([k.slice(start, idx) + ':' + k.slice(idx + 'match-pseudo-header'.length + 1), val]);
      continue;
    }
    idx = k.indexOf('match-query');
    if (idx !== -1) params.push([k.slice(start, idx) + k.slice(idx + 'match-query'.length + 1), val]);
  }
  headers.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  params.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  sb += headers.map(([k, v]) => `${k}\t${v}`).join('\n') + sep;
  sb += params.map(([k, v]) => `${k}\t${v}`).join('\n') + sep;
  return sb;
}

function headerMatches(annots: Record<string, string>): ControllerRoute['headers'] {
  const out: ControllerRoute['headers'] = new Map();
  for (const [k, v] of Object.entries(annots)) {
    const m = /^higress\.io\/(exact|regex|prefix)-match-header-(.+)$/.exec(k);
    if (m && !out.has(m[2]!)) out.set(m[2]!, { type: m[1] as 'exact', value: v });
  }
  return out;
}

/** All Ingresses of a data folder (path -> parsed doc) as the controller turns them into routes. */
export function controllerRoutes(resources: Map<string, Doc>): ControllerView {
  const ingresses = [...resources.entries()].filter(([p]) => p.startsWith('ingresses/')).map(([, d]) => d);
  ingresses.sort((a, b) => {
    const ta = a.metadata?.creationTimestamp ? Date.parse(a.metadata.creationTimestamp) : 0;
    const tb = b.metadata?.creationTimestamp ? Date.parse(b.metadata.creationTimestamp) : 0;
    if (ta === tb) {
      const an = `${a.metadata.name}.${a.metadata.namespace}`;
      const bn = `${b.metadata.name}.${b.metadata.namespace}`;
      return an < bn ? -1 : an > bn ? 1 : 0;
    }
    return ta - tb;
  });
  const route2Ingress = new Map<string, string>();
  const routes: ControllerRoute[] = [];
  const duplicated: ControllerView['duplicated'] = [];
  for (const ing of ingresses) {
    const annots: Record<string, string> = Object.fromEntries(Object.entries(ing.metadata?.annotations ?? {}).map(([k, v]) => [k, String(v)]));
    const name = String(ing.metadata.name);
    const defined = new Set<string>();
    const keys: string[] = [];
    for (const rule of ing.spec?.rules ?? []) {
      const host = rule.host ? String(rule.host) : '*';
      for (const p of rule.http?.paths ?? []) {
        const pathType = p.pathType === 'Exact' ? 'Exact' : 'Prefix';
        const originPath = pathType === 'Prefix' && p.path !== '/' ? String(p.path).replace(/\/$/, '') : String(p.path);
        const pathFormat = [host, pathType, originPath].join('-');
        const key = createRuleKey(annots, pathFormat);
        keys.push(key);
        const pre = route2Ingress.get(key);
        if (pre !== undefined || defined.has(pathFormat)) {
          duplicated.push({ ingress: name, key, keptBy: pre ?? name });
          continue;
        }
        defined.add(pathFormat);
        routes.push({
          ingress: name,
          key,
          host,
          pathType,
          path: originPath,
          methods: (annots[`${PREFIX}/match-method`] ?? '').split(' ').filter(Boolean),
          headers: headerMatches(annots),
          destination: annots[`${PREFIX}/destination`] ?? '',
        });
      }
    }
    for (const key of keys) if (!route2Ingress.has(key)) route2Ingress.set(key, name);
  }
  // SortHTTPRoutes: a stable sort with the Go comparator.
  const allCatch = (r: ControllerRoute) => r.pathType === 'Prefix' && r.path === '/' && r.headers.size === 0 && r.methods.length === 0;
  const less = (i: ControllerRoute, j: ControllerRoute): boolean => {
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
  const indexed = routes.map((r, n) => ({ r, n }));
  indexed.sort((a, b) => (less(a.r, b.r) ? -1 : less(b.r, a.r) ? 1 : a.n - b.n));
  return { routes: indexed.map((x) => x.r), duplicated, keys: routes.map((r) => r.key) };
}

function stringMatch(m: { type: string; value: string }, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (m.type === 'exact') return value === m.value;
  if (m.type === 'prefix') return value.startsWith(m.value);
  try {
    return RE2JS.compile(m.value).matches(value);
  } catch {
    return false;
  }
}

/** The route a request takes (host-less, given headers), or undefined (404). */
export function firstMatch(view: ControllerView, path: string, headers: Record<string, string>, method = 'POST'): ControllerRoute | undefined {
  return view.routes.find((r) => {
    if (r.host !== '*') return false;
    if (r.pathType === 'Exact' ? path !== r.path : !(r.path === '/' || path === r.path || path.startsWith(`${r.path}/`))) return false;
    if (r.methods.length > 0 && !r.methods.includes(method)) return false;
    for (const [name, m] of r.headers) if (!stringMatch(m, headers[name])) return false;
    return true;
  });
}

/** ai-proxy: the provider entry whose match rule lists the destination's service. */
export function providerBehind(resources: Map<string, Doc>, destination: string): Doc | undefined {
  const service = destination.trim().replace(/:\d+$/, '');
  const proxy = resources.get('wasmplugins/ai-proxy.internal.yaml');
  const rule = (proxy?.spec?.matchRules ?? []).find((r: Doc) => (r.service ?? []).includes(service));
  return (proxy?.spec?.defaultConfig?.providers ?? []).find((p: Doc) => p.id === rule?.config?.activeProviderId);
}

/** doGetMappedModel + getMappedModel (provider.go:971-1012). */
export function mappedModel(mapping: Record<string, string> | undefined, model: string): string {
  if (!mapping || Object.keys(mapping).length === 0) return model;
  const pick = (): string => {
    if (model in mapping) return mapping[model]!;
    for (const [k, v] of Object.entries(mapping)) {
      if (k === '*') continue;
      if (k.endsWith('*') && model.startsWith(k.slice(0, -1))) return v;
      if (k.startsWith('~')) {
        const re = RE2JS.compile(k.slice(1)); // regexp.MustCompile: a bad key panics the plugin
        if (re.matcher(model).find()) return re.matcher(model).replaceAll(v);
      }
    }
    return mapping['*'] ?? '';
  };
  const mapped = pick();
  return mapped.length !== 0 ? mapped : model;
}

/** A chat request for `model`: the provider id that gets it and the model it receives, or undefined (404). */
export function chatRequest(resources: Map<string, Doc>, view: ControllerView, model: string): { provider: string; model: string; ingress: string } | undefined {
  const route = firstMatch(view, '/v1/chat/completions', { 'x-higress-llm-model': model });
  if (!route) return undefined;
  const provider = providerBehind(resources, route.destination);
  if (!provider) return undefined;
  return { provider: String(provider.id), model: mappedModel(provider.modelMapping, model), ingress: route.ingress };
}
