/** `config list`: read-only, so it loads no lock, no Docker client. */
import { commandHint } from './command-line.js';
import { paint } from '../ui/colors.js';
import type { Output } from '../ui/output.js';
import { resolveDeployment } from './deployment.js';
import type { ConfiguredProvider } from './gateway-files.js';
import { loadFiles } from './gateway-read.js';
import { maskSecret } from './provider-config.js';
import { settingsText } from './resilience.js';

interface ProviderView {
  id: string;
  name: string;
  type: string;
  keys: string[];
  models: string;
  extras: Record<string, string | number | boolean>;
  settings: Record<string, unknown>;
}

function view(p: ConfiguredProvider): ProviderView {
  const secretKeys = new Set((p.provider?.extras ?? []).filter((f) => f.secret).map((f) => f.key));
  const extras = Object.fromEntries(
    Object.entries(p.extras).map(([k, v]) => [k, secretKeys.has(k) && typeof v === 'string' ? maskSecret(v) : v]),
  );
  return { id: p.id, name: p.provider?.name ?? p.id, type: p.type, keys: p.tokens.map(maskSecret), models: p.models, extras, settings: p.settings };
}

export async function listProviders(options: Record<string, unknown>, out: Output): Promise<void> {
  const deployment = await resolveDeployment(options);
  const providers = (await loadFiles(deployment)).configuredProviders().map(view);
  if (out.json) return out.result({ dataFolder: deployment.dataFolder, providers });
  if (providers.length === 0) {
    out.say(`No providers configured in ${deployment.dataFolder}.`);
    out.say(`Add one with: ${commandHint('config add', deployment, '--provider openai --key-env OPENAI_API_KEY')}`);
    return;
  }
  out.say(paint().dim(`Data folder: ${deployment.dataFolder} (${deployment.source})`));
  for (const p of providers) {
    const extras = Object.entries(p.extras).map(([k, v]) => `${k}=${v}`).join(', ');
    out.say(`${paint().bold(p.name)} (${p.id})`);
    out.say(`  keys:   ${p.keys.join(', ') || '-'}`);
    out.say(`  models: ${p.models}`);
    if (extras) out.say(`  extras: ${extras}`);
    const settings = settingsText(p.settings);
    if (settings) out.say(`  resilience: ${settings}`);
  }
}
