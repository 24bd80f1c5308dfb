/** `models` and `models resolve`: which model names reach which provider, read from the files as the gateway reads them. */
import { commandHint } from '../command-line.js';
import type { Output } from '../../ui/output.js';
import { UsageError } from '../errors.js';
import type { ConfiguredProvider, GatewayFiles } from '../gateway-files.js';
import { loadFiles } from '../gateway-read.js';
import { resolveDeployment, type Deployment } from '../deployment.js';
import { globMatches, parseModelList } from '../model-patterns.js';
import { buildRouteTable, mapModel, routeFor, type RouteTable } from '../model-resolve.js';
import { entryNamesOf, FALLBACK_ROUTE, INTERNAL, MODEL_ROUTE_NAME } from '../model-routes.js';
import { AUTO_MODEL } from '../routing.js';
import { isChainHead } from '../fallback-chains.js';
import { chainsView } from '../route-view.js';
import { DEFAULT_SETTINGS } from '../settings.js';
import { readSettingsIn } from '../settings.js';

/** Exit code of `models resolve` when no route takes the name (the gateway answers 404). */
export const UNROUTED_EXIT_CODE = 3;

export interface Resolution {
  model: string;
  /** Provider id, or null when the gateway would answer 404 (or the route reaches no provider). */
  provider: string | null;
  /** The Ingress that takes the request. */
  route: string | null;
  /** How the route matched: `exact`, `glob`, `prefix` (`<id>/…`), `fallback`, or `other` (an Ingress we did not write). */
  via: 'exact' | 'glob' | 'prefix' | 'fallback' | 'other' | null;
  /** The model name the provider receives (after ai-proxy's modelMapping, e.g. the `<id>/` prefix stripped). */
  upstreamModel: string | null;
  /** The model's fallback chain (`route fallback`), when it has one: the models tried next, in order. */
  fallback?: { on: string; active: boolean; to: { model: string; provider: string | null; upstreamModel: string | null }[] };
}

export interface Resolver {
  table: RouteTable;
  resolve(model: string): Resolution;
  /** resolve(model).provider alone: no model mapping is applied (auto-routing checks ask it of every rule). */
  providerOf(model: string): string | null;
}

function viaOf(ingress: string): Resolution['via'] {
  const name = ingress.endsWith(INTERNAL) ? ingress.slice(0, -INTERNAL.length) : ingress;
  if (name === FALLBACK_ROUTE) return 'fallback';
  if (isChainHead(name)) return 'exact';
  if (MODEL_ROUTE_NAME.test(name)) return name.startsWith('model-1-') ? 'exact' : 'glob';
  return /^ai-route-/.test(name) ? 'prefix' : 'other';
}

/** The one resolver: the controller's route order and first match, then ai-proxy's modelMapping. */
function memo<T>(compute: (key: string) => T): (key: string) => T {
  const known = new Map<string, T>();
  return (key) => {
    if (!known.has(key)) known.set(key, compute(key));
    return known.get(key)!;
  };
}

export function createResolver(files: GatewayFiles): Resolver {
  const table = buildRouteTable(files.ingresses());
  let chains: ReturnType<typeof chainsView> | undefined;
  // A resolver sees the files as they are when it is made: what it looks up per model is looked up once
  // (auto-routing checks resolve every rule's model).
  const providerOf = memo((destination: string) => files.providerOfDestination(destination) ?? null);
  const configuredProvider = memo((id: string) => files.hasProvider(id));
  /** The configured provider behind a route, or null. */
  const reached = (route: ReturnType<typeof routeFor>): string | null => {
    const provider = route?.destination ? providerOf(route.destination) : null;
    return provider !== null && configuredProvider(provider) ? provider : null;
  };
  return {
    table,
    providerOf: (model) => reached(routeFor(table, model)),
    resolve(model: string): Resolution {
      const route = routeFor(table, model);
      if (!route) return { model, provider: null, route: null, via: null, upstreamModel: null };
      const provider = reached(route);
      const resolution: Resolution = {
        model,
        provider,
        route: route.ingress,
        via: viaOf(route.ingress),
        upstreamModel: provider === null ? null : mapModel(files.modelMapping(provider), model),
      };
      if (isChainHead(route.ingress.replace(/\.internal$/, ''))) {
        const chain = (chains ??= chainsView(files)).find((c) => c.model === model);
        if (chain) resolution.fallback = { on: chain.on, active: chain.active, to: chain.to };
      }
      return resolution;
    },
  };
}

export interface PatternView {
  pattern: string;
  /** null: this provider serves it; else who takes a model of this pattern instead (provider id or Ingress name). */
  shadowedBy: string | null;
}

export interface ProviderModels {
  id: string;
  name: string;
  /** Names and globs as configured, e.g. `gpt-*,o1-*`. */
  patterns: string;
  /** Each pattern and whether a request for it really reaches this provider. */
  routes: PatternView[];
  /** `<id>/` and `<alias>/`: always reach this provider, with the prefix stripped. */
  prefixes: string[];
  /** This provider takes model names no other route takes. */
  fallback: boolean;
  /** Concrete names that reach it: bare when they route here, else with its `<id>/` prefix. Never a glob. */
  models: string[];
}

export interface ModelsView {
  baseUrl: string;
  providers: ProviderModels[];
  /** Who takes a model name nothing else matches; null: such names get 404. */
  fallback: string | null;
  /** Ingresses the gateway drops because an earlier one has the same route key. */
  droppedRoutes: { ingress: string; keptBy: string }[];
  autoRouting: { model: string; enabled: boolean; defaultModel: string | null; rules: { id: number; pattern: string; model: string }[] };
  /** Not part of --json: the resolver the view was made with. */
  resolve?: (model: string) => Resolution;
}

/** A name no pattern of ours matches (a control character is in no model list): what unknown names do. */
const UNKNOWN_MODEL = '\u0001unknown';

/** A concrete name a pattern stands for: the pattern itself, a well-known model it matches, or `*` read as `x`. */
function sampleOf(p: ConfiguredProvider, pattern: string): string {
  const parsed = parseModelList(pattern)[0]!;
  if (parsed.kind === 'exact') return parsed.text;
  if (parsed.kind === 'any') return UNKNOWN_MODEL;
  return p.provider?.usualModels.find((m) => globMatches(parsed, m)) ?? parsed.text.replaceAll('*', 'x');
}

/** Concrete model ids a provider answers for (never a glob): its exact names and the catalog's usual models that match. */
export function concreteModels(p: ConfiguredProvider): string[] {
  const patterns = parseModelList(p.models);
  const exact = patterns.filter((m) => m.kind === 'exact').map((m) => m.text);
  const usual = (p.provider?.usualModels ?? []).filter((m) => patterns.some((pattern) => globMatches(pattern, m)));
  return [...new Set([...exact, ...usual])];
}

export function gatewayBaseUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host.replace(/^\[(.*)\]$/, '$1');
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}/v1`;
}

export function modelsView(files: GatewayFiles, baseUrl: string, resolver: Resolver = createResolver(files)): ModelsView {
  const shadow = (p: ConfiguredProvider, sample: string): string | null => {
    const r = resolver.resolve(sample);
    return r.provider === p.id ? null : (r.provider ?? (r.route ? r.route : '404'));
  };
  const unknown = resolver.resolve(UNKNOWN_MODEL);
  const fallback = unknown.via === 'fallback' ? unknown.provider : null;
  const providers = files.configuredProviders().map((p) => {
    const names = entryNamesOf(p.id);
    return {
      id: p.id,
      name: p.provider?.name ?? p.id,
      patterns: p.models,
      routes: p.models.split(',').filter(Boolean).map((pattern) => ({ pattern, shadowedBy: shadow(p, sampleOf(p, pattern)) })),
      prefixes: names.filter((n) => resolver.resolve(`${n}/x`).provider === p.id).map((n) => `${n}/`),
      fallback: fallback === p.id,
      models: concreteModels(p).map((m) => (resolver.resolve(m).provider === p.id ? m : `${p.id}/${m}`)),
    };
  });
  const routing = files.autoRouting();
  return {
    baseUrl,
    providers,
    fallback,
    droppedRoutes: resolver.table.dropped,
    autoRouting: {
      model: AUTO_MODEL,
      enabled: routing.enabled,
      defaultModel: routing.defaultModel ?? null,
      rules: routing.rules.map((r, id) => ({ id, ...r })),
    },
    resolve: (model) => resolver.resolve(model),
  };
}

async function viewFor(options: Record<string, unknown>) {
  const deployment = await resolveDeployment(options);
  const settings = readSettingsIn(deployment.dataFolder) ?? DEFAULT_SETTINGS;
  const files = await loadFiles(deployment);
  return { deployment, files, view: modelsView(files, gatewayBaseUrl(settings.bindAddress, settings.httpPort)) };
}

export async function runModels(options: Record<string, unknown>, out: Output): Promise<void> {
  const { deployment, view } = await viewFor(options);
  const { resolve: _resolve, ...plain } = view;
  if (out.json) return out.result({ dataFolder: deployment.dataFolder, ...plain });
  printModels(view, out, deployment);
}

export function describeResolution(r: Resolution): string {
  if (!r.route) return `${r.model}: no route takes it: the gateway answers 404`;
  if (!r.provider) return `${r.model}: route ${r.route} reaches no configured provider`;
  const how = { exact: 'exact name', glob: 'glob', prefix: 'provider prefix', fallback: 'fallback for unknown names', other: `route ${r.route} (not written by get-ai-gateway)` }[r.via ?? 'other'];
  const sent = r.upstreamModel !== r.model ? `, sent as "${r.upstreamModel}"` : '';
  const steps = r.fallback?.active ? r.fallback.to.filter((s) => s.provider).map((s) => `${s.model} (${s.provider})`) : [];
  const chain = steps.length > 0 ? `; on ${r.fallback!.on} falls back to ${steps.join(', then ')}` : '';
  return `${r.model} -> ${r.provider} (${how}${sent})${chain}`;
}

export async function runResolve(model: string, options: Record<string, unknown>, out: Output): Promise<void> {
  if (!model.trim() || /\s/.test(model)) throw new UsageError(`"${model}" is not a model name`, { hint: 'e.g. get-ai-gateway models resolve gpt-4o' });
  const { files } = await viewFor(options);
  const r = createResolver(files).resolve(model);
  if (out.json) out.result(r);
  else out.say(describeResolution(r));
  if (!r.provider) process.exitCode = UNROUTED_EXIT_CODE;
}

export function printModels(view: ModelsView, out: Output, deployment?: Pick<Deployment, 'dataFolder' | 'containerName'>): void {
  if (view.providers.length === 0) {
    out.say('No providers configured, so the gateway serves no models.');
    out.say(`Add one with: ${commandHint('config add', deployment, '--provider openai --key-env OPENAI_API_KEY')}`);
    return;
  }
  out.say(`Models served at ${view.baseUrl} (GET ${view.baseUrl}/models lists them):`);
  for (const p of view.providers) {
    out.say(`  ${p.name} (${p.id}): ${p.patterns}${p.fallback ? '  [fallback for unknown names]' : ''}`);
    out.say(`    ${p.prefixes.length ? `also as ${p.prefixes.map((x) => `${x}<model>`).join(', ')}` : `no ${p.id}/ route: run any config change to add it`}`);
    for (const r of p.routes.filter((x) => x.shadowedBy)) {
      out.say(`    shadowed: ${r.pattern} goes to ${r.shadowedBy === '404' ? 'no route (404)' : r.shadowedBy}${r.pattern === '*' ? ' (the fallback)' : ''}; use ${p.id}/<model>`);
    }
    if (p.models.length > 0) out.say(`    e.g. ${p.models.join(', ')}`);
  }
  out.say(view.fallback ? `Unknown model names go to ${view.fallback} (change with: get-ai-gateway config fallback --provider <id>).` : 'Unknown model names get 404 (no provider lists "*").');
  for (const d of view.droppedRoutes) out.say(`  route ${d.ingress} is dropped by the gateway: same match as ${d.keptBy}`);
  const a = view.autoRouting;
  if (!a.enabled) {
    out.say(`  ${a.model}: off (enable with ${commandHint('route default', deployment, '--model <model>')})`);
  } else {
    out.say(`  ${a.model}: picks a model from the last user message; default ${a.defaultModel ?? '(none)'}`);
    for (const r of a.rules) out.say(`    rule ${r.id}: ${r.pattern} → ${r.model}`);
  }
}
