/**
 * TEST ORACLE: what the Higress controller and ai-proxy do with a chat request, computed by the gateway double's
 * own routing module (test/double/routing.mjs: written from the Go source, cited there and proven by
 * test/unit/double/routing.test.ts), never by our renderer or resolver, so the two can disagree.
 */
import { aiProxyRuleFor } from '../double/dataplane.mjs';
import { buildRoutes, firstRoute, mapModel, type DoubleRoute } from '../double/routing.mjs';

type Doc = Record<string, any>;

export interface ControllerView {
  routes: DoubleRoute[];
  duplicated: { ingress: string; keptBy: string }[];
  /** Route keys of the routes the controller keeps (distinct by construction; duplicates are in `duplicated`). */
  routeCount: number;
}

/** All Ingresses of a data folder (path -> parsed doc) as the controller turns them into routes. */
export function controllerRoutes(resources: Map<string, Doc>): ControllerView {
  const ingresses = [...resources.entries()].filter(([p]) => p.startsWith('ingresses/')).map(([, obj]) => ({ name: String(obj.metadata?.name), obj }));
  const table = buildRoutes(ingresses);
  return { routes: table.routes, duplicated: table.duplicated, routeCount: table.routes.length };
}

/** ai-proxy: the provider entry of the first match rule that names the route or the destination's service. */
export function providerBehind(resources: Map<string, Doc>, destination: string, route = ''): Doc | undefined {
  const service = destination.trim().replace(/:\d+$/, '');
  const proxy = resources.get('wasmplugins/ai-proxy.internal.yaml');
  const rule = aiProxyRuleFor(proxy, service, route);
  return (proxy?.spec?.defaultConfig?.providers ?? []).find((p: Doc) => p.id === rule?.config?.activeProviderId);
}

/** A chat request for `model` (with other request headers, e.g. a fallback redirect's): the provider id that gets it and the model it receives, or undefined (404). */
export function chatRequest(resources: Map<string, Doc>, view: ControllerView, model: string, headers: Record<string, string> = {}): { provider: string; model: string; ingress: string } | undefined {
  const route = firstRoute(view, { pathname: '/v1/chat/completions', method: 'POST', headers: { ...headers, 'x-higress-llm-model': model } });
  if (!route) return undefined;
  const provider = providerBehind(resources, String(route.obj.metadata?.annotations?.['higress.io/destination'] ?? ''), route.name);
  if (!provider) return undefined;
  return { provider: String(provider.id), model: mapModel(provider.modelMapping, model), ingress: route.name };
}
