/** `route list` and `route test`: read-only, so they load no lock and no Docker client. */
import { commandHint } from './command-line.js';
import { paint } from '../ui/colors.js';
import type { Output } from '../ui/output.js';
import { resolveDeployment } from './deployment.js';
import { AUTO_MODEL, type AutoRouting, type ChainPlan, type GatewayFiles } from './gateway-files.js';
import { loadFiles } from './gateway-read.js';

function routingView(routing: AutoRouting) {
  return {
    enabled: routing.enabled,
    defaultModel: routing.defaultModel ?? null,
    rules: routing.rules.map((r, id) => ({ id, pattern: r.pattern, model: r.model })),
  };
}

/** Fallback chains as `route list` and `models resolve` show them: where the model and each step go now. */
export function chainsView(files: GatewayFiles) {
  // Reading the chains is cheap; planning them builds the route table, so only when there are some.
  return (files.fallbackChains().length > 0 ? files.chainPlan() : []).map(chainView);
}

export function chainView({ chain, primary, steps, active }: ChainPlan) {
  return {
    model: chain.model,
    provider: primary?.provider ?? null,
    on: chain.on.join(','),
    active,
    to: steps.map((s) => ({ model: s.model, provider: s.target?.provider ?? null, upstreamModel: s.target?.upstreamModel ?? null })),
  };
}

export function describeChain(c: ReturnType<typeof chainView>): string {
  const steps = c.to.map((s) => (s.provider ? `${s.model} (${s.provider})` : `${s.model} (reaches no provider: skipped)`)).join(' -> ');
  const state = c.provider === null ? '  [inactive: the model reaches no provider]' : c.active ? '' : '  [inactive: no step reaches a provider]';
  return `${c.model} (${c.provider ?? 'no provider'}) -> ${steps}  on ${c.on}${state}`;
}

export async function listRoutes(options: Record<string, unknown>, out: Output): Promise<void> {
  const deployment = await resolveDeployment(options);
  const files = await loadFiles(deployment);
  const routing = files.autoRouting();
  const view = { ...routingView(routing), fallbackChains: chainsView(files) };
  if (out.json) return out.result(view);
  out.say(`Auto-routing for ${AUTO_MODEL}: ${routing.enabled ? paint().green('on') : 'off'}; default model: ${routing.defaultModel ?? '(none)'}`);
  if (view.rules.length === 0) out.say(`No rules. Add one with: ${commandHint('route add', deployment, '--model <model> --trigger "word|other words"')}`);
  for (const rule of view.rules) out.say(`  [${rule.id}] ${rule.pattern}  ->  ${rule.model}`);
  if (view.fallbackChains.length === 0) return;
  out.say('Fallback chains (the next model is tried when the one before answers a listed status):');
  for (const chain of view.fallbackChains) out.say(`  ${describeChain(chain)}`);
}

export async function testRoute(message: string, options: Record<string, unknown>, out: Output): Promise<void> {
  const deployment = await resolveDeployment(options);
  const [{ decideRoute }, { createResolver, describeResolution }] = await Promise.all([import('./routing.js'), import('./ops/models.js')]);
  const files = await loadFiles(deployment);
  const decision = decideRoute(files.autoRouting(), message);
  const target = decision.model ? createResolver(files).resolve(decision.model) : undefined;
  if (out.json) {
    return out.result({
      enabled: decision.enabled,
      model: decision.model ?? null,
      ruleId: decision.ruleId ?? null,
      pattern: decision.pattern ?? null,
      provider: target?.provider ?? null,
      route: target?.route ?? null,
      upstreamModel: target?.upstreamModel ?? null,
    });
  }
  if (!decision.enabled) return out.say(`Auto-routing is off: ${AUTO_MODEL} is not routed (enable it with ${commandHint('route default', deployment, '--model <model>')}).`);
  if (decision.ruleId !== undefined) out.say(`${decision.model}  (rule [${decision.ruleId}] ${decision.pattern})`);
  else out.say(`${decision.model ?? '(no default model)'}  (no rule matched: default model)`);
  if (target) out.say(`  ${describeResolution(target)}`);
}
