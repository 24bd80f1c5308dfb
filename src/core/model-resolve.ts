/**
 * Which provider answers a model name, decided the way the gateway decides it, from whatever Ingresses the
 * data folder holds (ours, the console's, upstream's). The one resolver behind `models`, `models resolve`,
 * `route test`, `status` and `doctor`.
 */
import { RE2JS } from 're2js';
import type { HeaderMatch } from './model-patterns.js';
import { subsetRegExp } from './re2-subset.js';

export const MODEL_HEADER = 'x-higress-llm-model';
const MATCH_ANNOTATION = /^higress\.io\/(exact|prefix|regex)-match-header-(.+)$/;
const METHOD_ANNOTATION = 'higress.io/match-method';
/** A chat request: the path model-router sets the model header on. */
const CHAT_PATH = '/v1/chat/completions';

export interface IngressInput {
  name: string;
  obj: unknown;
}

export interface EffectiveRoute {
  ingress: string;
  /** The model-header match, when the route has one. */
  match: HeaderMatch | undefined;
  /** Other conditions a chat request with only the model header does not meet (host, other headers, methods). */
  otherConditions: boolean;
  path: string;
  pathType: 'Exact' | 'Prefix';
  destination: string | undefined;
}

export interface RouteTable {
  routes: EffectiveRoute[];
  /** Ingresses the controller drops: same route key as one that sorts earlier. */
  dropped: { ingress: string; keptBy: string }[];
}

const record = (v: unknown): Record<string, any> => (v && typeof v === 'object' ? (v as Record<string, any>) : {});

/**
 * Builds the routes as the controller would: Ingresses ordered by creationTimestamp then name (tool.go:88-96),
 * a route whose key (path, methods, header matches; controller.go:1239-1300) was seen before is dropped
 * (controller.go:567-604), then SortHTTPRoutes (tool.go:172-245): exact paths first, longer paths first, more
 * header matches first, an all-catch (`/` with no match) last, otherwise Ingress order.
 */
export function buildRouteTable(ingresses: readonly IngressInput[]): RouteTable {
  const ordered = [...ingresses].sort((a, b) => {
    const ta = String(record(record(a.obj).metadata).creationTimestamp ?? '');
    const tb = String(record(record(b.obj).metadata).creationTimestamp ?? '');
    if (ta !== tb) return ta < tb ? -1 : 1;
    const na = `${a.name}.higress-system`;
    const nb = `${b.name}.higress-system`;
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
  const seen = new Map<string, string>();
  const dropped: RouteTable['dropped'] = [];
  const routes: (EffectiveRoute & { headerCount: number; hasMethods: boolean; allCatch: boolean })[] = [];
  for (const { name, obj } of ordered) {
    const metadata = record(record(obj).metadata);
    const annotations = record(metadata.annotations);
    const headers = new Map<string, HeaderMatch>();
    const keyParts: string[] = [];
    for (const [key, value] of Object.entries(annotations)) {
      const m = MATCH_ANNOTATION.exec(key);
      if (!m) continue;
      keyParts.push(`${m[1]}-${m[2]}\t${String(value)}`);
      if (!headers.has(m[2]!.toLowerCase())) headers.set(m[2]!.toLowerCase(), { kind: m[1] as HeaderMatch['kind'], value: String(value) });
    }
    keyParts.sort();
    const methods = annotations[METHOD_ANNOTATION] === undefined ? '' : String(annotations[METHOD_ANNOTATION]);
    const destination = typeof annotations['higress.io/destination'] === 'string' ? annotations['higress.io/destination'] : undefined;
    for (const rule of Array.isArray(record(obj).spec?.rules) ? record(obj).spec.rules : []) {
      const host = typeof rule?.host === 'string' ? rule.host : '';
      for (const p of Array.isArray(rule?.http?.paths) ? rule.http.paths : []) {
        const pathType = p?.pathType === 'Exact' ? 'Exact' : 'Prefix';
        const rawPath = typeof p?.path === 'string' ? p.path : '/';
        const path = pathType === 'Prefix' && rawPath !== '/' ? rawPath.replace(/\/$/, '') : rawPath;
        const key = `${host}|${pathType}|${path}\n\n${methods}\n\n${keyParts.join('\n')}`;
        const first = seen.get(key);
        if (first !== undefined) {
          dropped.push({ ingress: name, keptBy: first });
          continue;
        }
        seen.set(key, name);
        routes.push({
          ingress: name,
          match: headers.get(MODEL_HEADER),
          otherConditions: host !== '' || methods !== '' || [...headers.keys()].some((h) => h !== MODEL_HEADER),
          path,
          pathType,
          destination,
          headerCount: headers.size,
          hasMethods: methods !== '',
          allCatch: pathType === 'Prefix' && path === '/' && headers.size === 0 && methods === '',
        });
      }
    }
  }
  const sorted = routes
    .map((route, index) => ({ route, index }))
    .sort((a, b) => {
      const x = a.route;
      const y = b.route;
      if (x.allCatch !== y.allCatch) return x.allCatch ? 1 : -1;
      if (x.pathType !== y.pathType) return x.pathType === 'Exact' ? -1 : 1;
      if (x.path.length !== y.path.length) return y.path.length - x.path.length;
      if (x.hasMethods !== y.hasMethods) return x.hasMethods ? -1 : 1;
      if (x.headerCount !== y.headerCount) return y.headerCount - x.headerCount;
      return a.index - b.index;
    })
    .map(({ route: { headerCount: _h, hasMethods: _m, allCatch: _a, ...route } }) => route);
  return { routes: sorted, dropped };
}

const regexCache = new Map<string, { matches(value: string): boolean } | null>();
function fullMatch(pattern: string, value: string): boolean {
  if (!regexCache.has(pattern)) {
    const subset = subsetRegExp(pattern);
    if (subset) regexCache.set(pattern, { matches: (v) => subset.test(v) });
    else {
      try {
        regexCache.set(pattern, RE2JS.compile(pattern));
      } catch {
        regexCache.set(pattern, null); // the gateway rejects the route; it matches nothing
      }
    }
  }
  return regexCache.get(pattern)?.matches(value) ?? false;
}

export function headerMatches(match: HeaderMatch, value: string): boolean {
  if (match.kind === 'exact') return value === match.value;
  if (match.kind === 'prefix') return value.startsWith(match.value);
  return fullMatch(match.value, value); // Envoy safe_regex: the whole value
}

function pathMatches(route: EffectiveRoute, path: string): boolean {
  if (route.pathType === 'Exact') return path === route.path;
  return route.path === '/' || path === route.path || path.startsWith(`${route.path}/`);
}

/** The first route a chat request for `model` takes (host-less, no other headers), or undefined (404). */
export function routeFor(table: RouteTable, model: string, path = CHAT_PATH): EffectiveRoute | undefined {
  return table.routes.find((r) => !r.otherConditions && pathMatches(r, path) && (r.match === undefined || headerMatches(r.match, model)));
}

/** Go's ReplaceAllString template: `$$`, `${name}`, `$name` (longest \w+; an unknown group is ""). */
function replaceAllGo(re: RE2JS, text: string, template: string): string {
  const m = re.matcher(text);
  let out = '';
  let last = 0;
  while (m.find()) {
    out += text.slice(last, m.start());
    out += template.replace(/\$(\$|\{(\w+)\}|(\w+))?/g, (_all, what?: string, braced?: string, bare?: string) => {
      if (what === '$') return '$';
      const name = braced ?? bare;
      const index = name !== undefined && /^\d+$/.test(name) ? Number(name) : -1;
      return index >= 0 && index <= re.groupCount() ? (m.group(index) ?? '') : '';
    });
    last = m.end();
  }
  return out + text.slice(last);
}

/**
 * ai-proxy `modelMapping` (provider/provider.go:971-1012): an exact key first, then `prefix*` and `~regex`
 * keys (Go map order, i.e. any order: we try them as listed), then `*`. Empty result keeps the model.
 */
export function mapModel(mapping: Record<string, string>, model: string): string {
  const pick = (): string | undefined => {
    if (Object.hasOwn(mapping, model)) return mapping[model];
    for (const [key, value] of Object.entries(mapping)) {
      if (key === '*') continue;
      if (key.endsWith('*') && model.startsWith(key.slice(0, -1))) return value;
      if (key.startsWith('~')) {
        try {
          const re = RE2JS.compile(key.slice(1));
          if (re.matcher(model).find()) return replaceAllGo(re, model, value);
        } catch {
          continue;
        }
      }
    }
    return mapping['*'];
  };
  const mapped = pick();
  return mapped ? mapped : model;
}
