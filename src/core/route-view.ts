/** `route list` and `route test`: read-only, so they load no lock and no Docker client. */
import { commandHint } from './command-line.js';
import chalk from 'chalk';
import type { Output } from '../ui/output.js';
import { resolveDeployment } from './deployment.js';
import { AUTO_MODEL, type AutoRouting } from './gateway-files.js';
import { loadFiles } from './gateway-read.js';

function routingView(routing: AutoRouting) {
  return {
    enabled: routing.enabled,
    defaultModel: routing.defaultModel ?? null,
    rules: routing.rules.map((r, id) => ({ id, pattern: r.pattern, model: r.model })),
  };
}

export async function listRoutes(options: Record<string, unknown>, out: Output): Promise<void> {
  const deployment = await resolveDeployment(options);
  const routing = (await loadFiles(deployment)).autoRouting();
  const view = routingView(routing);
  if (out.json) return out.result(view);
  out.say(`Auto-routing for ${AUTO_MODEL}: ${routing.enabled ? chalk.green('on') : 'off'}; default model: ${routing.defaultModel ?? '(none)'}`);
  if (view.rules.length === 0) {
    out.say(`No rules. Add one with: ${commandHint('route add', deployment, '--model <model> --trigger "word|other words"')}`);
    return;
  }
  for (const rule of view.rules) out.say(`  [${rule.id}] ${rule.pattern}  ->  ${rule.model}`);
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
