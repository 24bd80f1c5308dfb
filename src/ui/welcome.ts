import { commandHint } from '../core/command-line.js';
import { paint } from './colors.js';
import { join } from 'node:path';
import { isLoopback, KEY_ENV, type AccessKey, type AccessState } from '../core/access.js';
import { exampleModel } from '../core/catalog.js';
import type { ReloadReport } from '../core/gateway-edit.js';
import type { GatewayFiles } from '../core/gateway-files.js';
import { globMatches, parseModelList } from '../core/model-patterns.js';
import { AUTO_MODEL } from '../core/routing.js';
import type { StartPlan } from '../core/start-plan.js';
import type { Output } from './output.js';

export interface Welcome {
  action: 'created' | 'recreated' | 'started' | 'already-running';
  container: string;
  image: string;
  readyMs: number;
  bindAddress: string;
  endpoints: { http: string; https: string; chatCompletions: string; console: string };
  console: 'ready' | 'starting';
  providers: { id: string; name: string; models: string; exampleModel: string }[];
  autoRouting: { enabled: boolean; defaultModel: string | null; rules: number };
  examples: string[];
  /** Access keys: on = every request needs one; `newKey` is shown here once, never again. */
  access: { enabled: boolean; keys: number; newKey: { name: string; key: string } | null };
  dataFolder: string;
  /** Written by the gateway (EnvoyFilter `envoyfilters/access-log-file.internal.yaml`); read by `usage`. */
  accessLog: string;
  changes: string[];
  reload?: ReloadReport;
  stop: string;
  enableAccess: string;
}

const host = (address: string) => (address === '0.0.0.0' ? '127.0.0.1' : address.includes(':') ? `[${address}]` : address);

function curl(base: string, model: string, message: string, withKey: boolean): string {
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: message }] });
  const auth = withKey ? ` -H "Authorization: Bearer $${KEY_ENV}"` : '';
  return `curl ${base}/v1/chat/completions -H 'Content-Type: application/json'${auth} -d '${body.replaceAll("'", "'\\''")}'`;
}

/** The same command in lines that fit an 80-column terminal, joined by shell line continuations. */
const wrapCurl = (command: string): string[] => command.replace(/ (-[Hd]) /g, ' \\\n  $1 ').split('\n');

export function buildWelcome(input: {
  plan: StartPlan;
  files: GatewayFiles;
  action: Welcome['action'];
  readyMs: number;
  consoleReady: boolean;
  changes: string[];
  reload?: ReloadReport;
  access: AccessState;
  newKey?: AccessKey;
}): Welcome {
  const { plan, files } = input;
  const base = `http://${host(plan.bindAddress)}:${plan.ports.http}`;
  const providers = files.configuredProviders().map((p) => ({
    id: p.id,
    name: p.provider?.name ?? p.id,
    models: p.models,
    exampleModel: p.provider ? exampleModel(p.provider, (m) => parseModelList(p.models).some((g) => globMatches(g, m)), p.models) : p.models,
  }));
  const routing = files.autoRouting();
  const withKey = input.access.enabled;
  const examples = providers.slice(0, 1).map((p) => curl(base, p.exampleModel, 'Hi!', withKey));
  if (routing.enabled) examples.push(curl(base, AUTO_MODEL, 'Hi!', withKey));
  return {
    action: input.action,
    container: plan.containerName,
    image: plan.image.ref,
    readyMs: input.readyMs,
    bindAddress: plan.bindAddress,
    endpoints: {
      http: base,
      https: `https://${host(plan.bindAddress)}:${plan.ports.https}`,
      chatCompletions: `${base}/v1/chat/completions`,
      console: `http://${host(plan.bindAddress)}:${plan.ports.console}`,
    },
    console: input.consoleReady ? 'ready' : 'starting',
    providers,
    autoRouting: { enabled: routing.enabled, defaultModel: routing.defaultModel ?? null, rules: routing.rules.length },
    examples,
    access: {
      enabled: input.access.enabled,
      keys: input.access.keys.length,
      newKey: input.newKey ? { name: input.newKey.name, key: input.newKey.key } : null,
    },
    dataFolder: plan.dataFolder,
    accessLog: join(plan.dataFolder, 'logs', 'access.log'),
    changes: input.changes,
    reload: input.reload,
    stop: commandHint('stop', plan),
    enableAccess: commandHint('access enable', plan),
  };
}

export function printWelcome(w: Welcome, out: Output): void {
  if (out.json) return out.result(w);
  const verb = { created: 'is up', recreated: 'was recreated and is up', started: 'started again', 'already-running': 'is already running' }[w.action];
  out.say('');
  out.say(paint().green.bold(`Higress AI Gateway ${verb}`) + paint().dim(` (${w.container}, ready in ${(w.readyMs / 1000).toFixed(1)} s)`));
  for (const change of w.changes) out.say(`  Applied: ${change}${w.reload?.confirmed ? ` (hot-reloaded in ${w.reload.ms} ms)` : ''}`);
  out.say('');
  out.say(`  OpenAI-compatible ${w.endpoints.chatCompletions}`);
  out.say(`  HTTPS             ${w.endpoints.https}`);
  out.say(`  Console           ${w.endpoints.console}  (${w.console})`);
  out.say(`  Providers         ${w.providers.map((p) => `${p.name} [${p.models}]`).join(', ') || 'none'}`);
  if (w.autoRouting.enabled) out.say(`  Auto-routing      model ${AUTO_MODEL}: ${w.autoRouting.rules} rule(s), default ${w.autoRouting.defaultModel}`);
  if (w.access.enabled) out.say(`  Access keys       required (${w.access.keys}): Authorization: Bearer <key> or x-api-key: <key>`);
  else if (!isLoopback(w.bindAddress)) out.say(`  Access keys       ${paint().yellow('off: anyone who reaches the port can use it')} (${w.enableAccess})`);
  out.say(`  Access log        ${w.accessLog}`);
  out.say(`  Configuration     ${w.dataFolder}`);
  if (w.access.newKey) {
    out.say('');
    out.say(paint().bold(`New access key "${w.access.newKey.name}" (shown only now; store it):`));
    out.say(`  ${w.access.newKey.key}`);
    out.say(`Put it in ${KEY_ENV} for the example below and for clients (get-ai-gateway openclaw reads it from there).`);
    out.say(`More keys: get-ai-gateway access add --name <name>; list them: get-ai-gateway access list.`);
  }
  if (w.examples.length) {
    out.say('');
    out.say('Try it:');
    for (const example of w.examples) for (const line of wrapCurl(example)) out.say(`  ${line}`);
  }
  out.say('');
  out.say(`Stop it with: ${w.stop}`);
}
