/** `access list|status`: read-only, so they load no lock, no editor and no Docker client. */
import type { Output } from '../ui/output.js';
import { accessControlState, isLoopback, maskKey, type AccessKey } from './access.js';
import { resolveDeployment } from './deployment.js';
import { loadFiles } from './gateway-read.js';
import { readSettingsIn } from './settings.js';

export const publicKey = (k: AccessKey) => ({ name: k.name, key: maskKey(k.key), created: k.created ?? null });

export function sayHowToCall(out: Output): void {
  out.say(`Clients send it as "Authorization: Bearer <key>" (OpenAI style) or "x-api-key: <key>" (Anthropic style), not both.`);
}

export async function accessStatus(options: Record<string, unknown>, out: Output): Promise<void> {
  const deployment = await resolveDeployment(options);
  const state = await accessControlState(await loadFiles(deployment));
  const bindAddress = readSettingsIn(deployment.dataFolder)?.bindAddress ?? '127.0.0.1';
  const exposed = !isLoopback(bindAddress);
  if (out.json) return out.result({ enabled: state.enabled, keys: state.keys.length, bindAddress, exposed, headers: ['Authorization: Bearer <key>', 'x-api-key: <key>'] });
  out.say(`Access control: ${state.enabled ? 'on' : 'off'} (${state.keys.length} key${state.keys.length === 1 ? '' : 's'})`);
  out.say(`Published on:   ${bindAddress}${exposed ? ' (beyond this machine)' : ' (this machine only)'}`);
  if (state.enabled) sayHowToCall(out);
  else if (exposed) out.say('Anyone who reaches the port can use your provider keys: turn it on with get-ai-gateway access enable.');
}

export async function listAccessKeys(options: Record<string, unknown>, out: Output): Promise<void> {
  const deployment = await resolveDeployment(options);
  const state = await accessControlState(await loadFiles(deployment));
  if (out.json) return out.result({ enabled: state.enabled, keys: state.keys.map(publicKey) });
  out.say(`Access control: ${state.enabled ? 'on' : 'off'}`);
  if (state.keys.length === 0) {
    out.say('No access keys. Add one with get-ai-gateway access add --name <name>.');
    return;
  }
  const width = Math.max(4, ...state.keys.map((k) => k.name.length));
  out.say(`${'NAME'.padEnd(width)}  ${'KEY'.padEnd(12)}  CREATED`);
  for (const k of state.keys) out.say(`${k.name.padEnd(width)}  ${maskKey(k.key).padEnd(12)}  ${k.created ?? '-'}`);
}
