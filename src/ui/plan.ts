import { paint } from './colors.js';
import { providerById } from '../core/catalog.js';
import { isLoopback } from '../core/access.js';
import { maskSecret } from '../core/provider-config.js';
import { describeResilience, resilienceEntry, settingsText } from '../core/resilience.js';
import { loadFiles } from '../core/gateway-read.js';
import { renderFreshDataFolder, type StartPlan } from '../core/start-plan.js';
import type { Output } from './output.js';

/** `start --dry-run`: everything resolved, nothing written. */
export async function printPlan(plan: StartPlan, out: Output): Promise<void> {
  const files = plan.existing ? [] : (await renderFreshDataFolder(plan)).map((f) => f.path).sort();
  // An existing folder keeps what it has: show that next to what the flags add.
  const current = plan.existing ? await loadFiles(plan) : undefined;
  const kept = (current?.configuredProviders() ?? []).filter((c) => !plan.providers.some((p) => p.id === c.id)).map((c) => c.id);
  const routingNow = current?.autoRouting();
  const providers = plan.providers.map((p) => ({
    id: p.id,
    name: providerById(p.id).name,
    keys: p.tokens.map(maskSecret),
    models: p.models,
    // What the entry will say, in the words `config list` uses; {} = kept as the entry has it (or none).
    settings: p.resilience ? describeResilience(resilienceEntry(p.resilience)) : {},
  }));
  const result = {
    dryRun: true,
    timezone: plan.timezone.timezone ?? null,
    timezoneSource: plan.timezone.source,
    image: plan.image.ref,
    imageReason: plan.image.reason,
    fallbackImages: plan.image.fallbackRepos.map((r) => `${r}:${plan.image.tag}`),
    pluginRegistry: plan.image.pluginRegistry,
    containerName: plan.containerName,
    bindAddress: plan.bindAddress,
    /** Published beyond loopback: access keys are turned on (a first key is created) unless --allow-open or already on. */
    accessKeys: isLoopback(plan.bindAddress) ? 'unchanged' : plan.allowOpen ? 'not required (--allow-open)' : 'required',
    ports: plan.ports,
    mounts: plan.mounts,
    env: Object.keys(plan.env),
    dataFolder: plan.dataFolder,
    existingDataFolder: plan.existing,
    providers,
    keptProviders: kept,
    removeProviders: plan.removeProviders,
    autoRouting: plan.autoRouting ?? null,
    files,
  };
  if (out.json) return out.result(result);
  out.say(paint().bold('Plan (dry run: nothing is written, Docker is not touched)'));
  out.say(`  Timezone:        ${result.timezone ?? 'unknown'} (from ${result.timezoneSource})`);
  out.say(`  Image:           ${result.image}: ${result.imageReason}`);
  if (result.fallbackImages.length) out.say(`  Fallback images: ${result.fallbackImages.join(', ')}`);
  out.say(`  Plugin registry: ${result.pluginRegistry}`);
  out.say(`  Container:       ${result.containerName} (restart policy always)`);
  out.say(`  Ports:           ${plan.bindAddress}:${plan.ports.http} HTTP, :${plan.ports.https} HTTPS, :${plan.ports.console} console`);
  if (!isLoopback(plan.bindAddress)) out.say(`  Access keys:     ${result.accessKeys}${result.accessKeys === 'required' ? ' (a first key is created and shown once, unless keys are on already)' : ''}`);
  for (const m of plan.mounts) out.say(`  Mount:           ${m.host} -> ${m.container}`);
  out.say(`  Container env:   ${result.env.join(', ')} (no keys)`);
  const noProviders = plan.existing ? 'none configured and none given' : 'none given: start stops here (pass --<provider>-key, e.g. --openai-key)';
  out.say(`  Providers:       ${providers.length || kept.length ? '' : noProviders}`);
  for (const p of providers) {
    out.say(`    ${p.name} (${p.id}): keys ${p.keys.join(', ') || '-'}; models ${p.models}`);
    if (Object.keys(p.settings).length) out.say(`      resilience: ${settingsText(p.settings)}`);
  }
  if (kept.length) out.say(`    kept as configured: ${kept.join(', ')}`);
  if (plan.removeProviders.length) out.say(`  Remove:          ${plan.removeProviders.map((id) => `${providerById(id).name} (${id})`).join(', ')}`);
  const routing = plan.autoRouting
    ? `on, default model ${plan.autoRouting.defaultModel}`
    : routingNow
      ? `kept ${routingNow.enabled ? `on (default model ${routingNow.defaultModel ?? 'none'})` : 'off'}`
      : 'off (turn it on with --auto-routing --auto-routing-default-model <model>)';
  out.say(`  Auto-routing:    ${routing}`);
  if (plan.existing) {
    out.say(`  Data folder:     ${plan.dataFolder} (exists: providers above would be applied to it)`);
  } else {
    out.say(`  Data folder:     ${plan.dataFolder} (new), files:`);
    for (const f of files) out.say(`    ${f}`);
  }
}
