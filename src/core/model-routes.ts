/**
 * Which Ingresses carry which model names, laid out for the Higress controller's rules:
 * - every Ingress has a different route key (path + header matches), since a second Ingress with the same key
 *   is a DuplicatedRoute and is dropped (pkg/ingress/kube/ingressv1/controller.go:567-604, createRuleKey :1239-1300);
 * - our files carry no creationTimestamp, so Ingresses are ordered by name (pkg/ingress/kube/common/tool.go:88-96);
 *   all our routes are path `/` Prefix with one header match, so SortHTTPRoutes keeps that order and the first
 *   match wins (tool.go:172-245). Names therefore encode priority:
 *     ai-route-<id>            `<id>/…` and `<alias>/…` for one provider (also the console's AI route <id>)
 *     model-1-<id>-<hash>      one exact model name (`exact` match)
 *     model-2-<nnn>-<id>-<hash> one glob; nnn = 999 - literal length, so longer globs come first
 *     model-3-fallback         `*` of the one fallback provider: any other model name
 *   ("ai-route-" < "model-1-" < "model-2-" < "model-3-" in byte order.) Routes the console creates get a
 *   creationTimestamp from the apiserver (higress-standalone src/apiserver/pkg/registry/file_rest.go:345), so
 *   they sort after all of ours, whatever their names.
 * GET /v1/models has an Exact path, which SortHTTPRoutes puts before every `/` route.
 * A name or glob claimed by two providers goes to the one configured first; the other is told it is shadowed.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { PROVIDERS } from './catalog.js';
import { escapeRegex, literalLength, parseModelList, patternMatch, type HeaderMatch, type ModelPattern } from './model-patterns.js';

export interface RoutedProvider {
  id: string;
  /** The model list as stored (validated). */
  models: string;
  /** Names that reach the provider as `<name>/<model>`: its id first, then its aliases. */
  entryNames: readonly string[];
}

export type RouteTier = 'entry' | 'exact' | 'glob' | 'fallback';

export interface PlannedRoute {
  /** Ingress name without the `.internal` suffix. */
  name: string;
  provider: string;
  tier: RouteTier;
  match: HeaderMatch;
  /** The pattern it serves (`groq/*` style for entry routes). */
  pattern: string;
}

export interface ShadowedPattern {
  provider: string;
  pattern: string;
  /** The provider that serves this pattern instead. */
  by: string;
}

export interface RoutePlan {
  routes: PlannedRoute[];
  shadowed: ShadowedPattern[];
  fallback: string | undefined;
}

export const INTERNAL = '.internal';
export const FALLBACK_ROUTE = 'model-3-fallback';
/** Route names we create for model patterns (and may delete again). */
export const MODEL_ROUTE_NAME = /^model-[123]-[a-z0-9-]+$/;
export const entryRouteName = (id: string): string => `ai-route-${id}`;

/**
 * The first 8 hex digits of the SHA-256 of a name: part of route and chain names, so it must never change. In
 * JavaScript (@noble/hashes): loading Node's crypto module costs a listing or an edit 3-5 ms, hashing a few
 * short names far less.
 */
export const hash8 = (text: string): string => bytesToHex(sha256(utf8ToBytes(text))).slice(0, 8);

/** The header match of a provider's entry route: `<id>/` as a prefix, or `(?:id|alias)/.*` with aliases. */
export function entryMatch(names: readonly string[]): HeaderMatch {
  return names.length === 1 ? { kind: 'prefix', value: `${names[0]}/` } : { kind: 'regex', value: `(?:${names.map(escapeRegex).join('|')})/.*` };
}

/**
 * ai-proxy `modelMapping` entry that strips `<name>/` before the provider sees the model: a `~regex` key is
 * matched with regexp.MatchString and replaced with ReplaceAllString (ai-proxy provider/provider.go:971-1012).
 */
export function entryModelMapping(names: readonly string[]): [key: string, value: string] {
  return [`~^(?:${names.map(escapeRegex).join('|')})/(.*)$`, '$1'];
}
/** Keys of the form entryModelMapping writes (to replace ours and leave the user's alone). */
export const ENTRY_MAPPING_KEY = /^~\^\(\?:[^()]*\)\/\(\.\*\)\$$/;

/**
 * The fallback: the requested provider if it lists `*`, else the current one if it still lists `*`, else the
 * first configured provider that lists `*`; none when no provider lists `*` (unknown names then get 404).
 */
export function chooseFallback(providers: readonly RoutedProvider[], requested: string | undefined, current: string | undefined): string | undefined {
  const anyModel = new Set(providers.filter((p) => parseModelList(p.models).some((m) => m.kind === 'any')).map((p) => p.id));
  for (const id of [requested, current]) if (id && anyModel.has(id)) return id;
  return providers.find((p) => anyModel.has(p.id))?.id;
}

/** The routes for these providers, in configuration order (first configured keeps a shared pattern). */
export function planRoutes(providers: readonly RoutedProvider[], fallback: string | undefined): RoutePlan {
  const routes: PlannedRoute[] = [];
  const shadowed: ShadowedPattern[] = [];
  const owner = new Map<string, string>();
  for (const p of providers) {
    routes.push({ name: entryRouteName(p.id), provider: p.id, tier: 'entry', match: entryMatch(p.entryNames), pattern: `${p.id}/*` });
  }
  for (const p of providers) {
    for (const pattern of parseModelList(p.models)) {
      if (pattern.kind === 'any') {
        if (p.id !== fallback) shadowed.push({ provider: p.id, pattern: '*', by: fallback ?? '' });
        continue;
      }
      const taken = owner.get(pattern.text);
      if (taken !== undefined) {
        if (taken !== p.id) shadowed.push({ provider: p.id, pattern: pattern.text, by: taken });
        continue;
      }
      owner.set(pattern.text, p.id);
      routes.push(patternRoute(p.id, pattern));
    }
  }
  if (fallback) routes.push({ name: FALLBACK_ROUTE, provider: fallback, tier: 'fallback', match: { kind: 'regex', value: '.*' }, pattern: '*' });
  return { routes, shadowed, fallback };
}

function patternRoute(provider: string, pattern: ModelPattern): PlannedRoute {
  const match = patternMatch(pattern);
  if (pattern.kind === 'exact') return { name: `model-1-${provider}-${hash8(pattern.text)}`, provider, tier: 'exact', match, pattern: pattern.text };
  const rank = String(Math.max(0, 999 - literalLength(pattern))).padStart(3, '0');
  return { name: `model-2-${rank}-${provider}-${hash8(pattern.text)}`, provider, tier: 'glob', match, pattern: pattern.text };
}

/** `<name>/` prefixes that reach a provider: its id, flag and aliases (from the catalog). */
export function entryNamesOf(id: string): string[] {
  const p = PROVIDERS.find((x) => x.id === id);
  return [...new Set([id, ...(p ? [p.flag, ...p.aliases] : [])].map((n) => n.toLowerCase()))];
}

export interface ModelListEntry {
  id: string;
  object: 'model';
  owned_by: string;
}

/**
 * What GET /v1/models answers (OpenAI's list format): the exact names that have a route, `<id>/<model>` for
 * each provider's exact and well-known models, and `higress/auto` when auto-routing is on.
 */
export function modelListEntries(plan: RoutePlan, providers: readonly { id: string; models: string }[], autoRouting: boolean): ModelListEntry[] {
  const data: ModelListEntry[] = [];
  const seen = new Set<string>();
  const add = (id: string, owner: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    data.push({ id, object: 'model', owned_by: owner });
  };
  for (const route of plan.routes) if (route.tier === 'exact') add(route.pattern, route.provider);
  for (const p of providers) {
    const exact = parseModelList(p.models).filter((m) => m.kind === 'exact').map((m) => m.text);
    const usual = PROVIDERS.find((x) => x.id === p.id)?.usualModels ?? [];
    for (const model of [...exact, ...usual]) add(`${p.id}/${model}`, p.id);
  }
  if (autoRouting) add('higress/auto', 'higress');
  return data;
}

export function modelListBody(plan: RoutePlan, providers: readonly { id: string; models: string }[], autoRouting: boolean): string {
  return JSON.stringify({ object: 'list', data: modelListEntries(plan, providers, autoRouting) });
}
