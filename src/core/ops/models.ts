/** `models`: which model names the gateway routes, from the files (the gateway does not answer GET /v1/models). */
import { commandHint } from '../command-line.js';
import type { Output } from '../../ui/output.js';
import type { ConfiguredProvider, GatewayFiles } from '../gateway-files.js';
import { loadFiles } from '../gateway-read.js';
import { resolveDeployment, type Deployment } from '../deployment.js';
import { headerMatch, modelMatches, splitModelPatterns } from '../model-patterns.js';
import { AUTO_MODEL } from '../routing.js';
import { DEFAULT_SETTINGS } from '../settings.js';
import { readSettingsIn } from '../settings.js';

export interface ProviderModels {
  id: string;
  name: string;
  /** Names and globs as configured, e.g. `gpt-*,o1-*`. */
  patterns: string;
  /** How the gateway matches the model header. */
  match: { kind: 'prefix' | 'regex'; value: string };
  /** Concrete model names it serves: exact names from the patterns and the catalog's usual models that match. */
  models: string[];
}

export interface ModelsView {
  baseUrl: string;
  providers: ProviderModels[];
  autoRouting: { model: string; enabled: boolean; defaultModel: string | null; rules: { id: number; pattern: string; model: string }[] };
}

/** Concrete model ids a provider answers for (never a glob). */
export function concreteModels(p: ConfiguredProvider): string[] {
  const match = p.match ?? headerMatch(p.models);
  const exact = splitModelPatterns(p.models).filter((item) => !item.includes('*'));
  const usual = (p.provider?.usualModels ?? []).filter((m) => safeMatches(match, m));
  return [...new Set([...exact, ...usual])];
}

function safeMatches(match: { kind: 'prefix' | 'regex'; value: string }, model: string): boolean {
  try {
    return modelMatches(match, model);
  } catch {
    return false; // a console-edited regex JavaScript cannot compile
  }
}

export function gatewayBaseUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host.replace(/^\[(.*)\]$/, '$1');
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}/v1`;
}

export function modelsView(files: GatewayFiles, baseUrl: string): ModelsView {
  const providers = files.configuredProviders().map((p) => ({
    id: p.id,
    name: p.provider?.name ?? p.id,
    patterns: p.models,
    match: p.match ?? headerMatch(p.models),
    models: concreteModels(p),
  }));
  const routing = files.autoRouting();
  return {
    baseUrl,
    providers,
    autoRouting: {
      model: AUTO_MODEL,
      enabled: routing.enabled,
      defaultModel: routing.defaultModel ?? null,
      rules: routing.rules.map((r, id) => ({ id, ...r })),
    },
  };
}

export async function runModels(options: Record<string, unknown>, out: Output): Promise<void> {
  const deployment = await resolveDeployment(options);
  const settings = readSettingsIn(deployment.dataFolder) ?? DEFAULT_SETTINGS;
  const view = modelsView(await loadFiles(deployment), gatewayBaseUrl(settings.bindAddress, settings.httpPort));
  if (out.json) return out.result({ dataFolder: deployment.dataFolder, ...view });
  printModels(view, out, deployment);
}

export function printModels(view: ModelsView, out: Output, deployment?: Pick<Deployment, 'dataFolder' | 'containerName'>): void {
  if (view.providers.length === 0) {
    out.say('No providers configured, so the gateway serves no models.');
    out.say(`Add one with: ${commandHint('config add', deployment, '--provider openai --key-env OPENAI_API_KEY')}`);
    return;
  }
  out.say(`Models served at ${view.baseUrl} (send the name as "model"; any name matching a provider's patterns works):`);
  for (const p of view.providers) {
    out.say(`  ${p.name} (${p.id}): ${p.patterns}`);
    if (p.models.length > 0) out.say(`    e.g. ${p.models.join(', ')}`);
  }
  const a = view.autoRouting;
  if (!a.enabled) {
    out.say(`  ${a.model}: off (enable with ${commandHint('route default', deployment, '--model <model>')})`);
  } else {
    out.say(`  ${a.model}: picks a model from the last user message; default ${a.defaultModel ?? '(none)'}`);
    for (const r of a.rules) out.say(`    rule ${r.id}: ${r.pattern} → ${r.model}`);
  }
  out.say('(The gateway does not answer GET /v1/models in this layout; this list comes from the configuration.)');
}
