/** `access enable|disable|status|add|list|remove|rotate`: gateway access keys, hot-reloaded like provider keys. */
import type { Output } from '../ui/output.js';
import {
  accessControlState,
  checkKeyName,
  checkKeyValue,
  isLoopback,
  KEY_ENV,
  maskKey,
  newKey,
  writeAccess,
  type AccessKey,
  type AccessState,
} from './access.js';
import { readKeys } from './config-commands.js';
import { resolveDeployment, type Deployment } from './deployment.js';
import { UsageError } from './errors.js';
import { describeReload, editGateway, parseWriteMode, type ReloadReport } from './gateway-edit.js';
import { publicKey, sayHowToCall } from './access-view.js';

/** The key from --key-stdin or --key-env, checked; undefined = generate one. */
async function givenKey(options: Record<string, unknown>): Promise<string | undefined> {
  const flag = options.keyEnv !== undefined ? `--key-env ${String(options.keyEnv)}` : '--key-stdin';
  const keys = await readKeys(options);
  if (keys === undefined) return undefined;
  if (keys.length !== 1) throw new UsageError(`${flag} gave ${keys.length} keys; give exactly one`);
  return checkKeyValue(keys[0]!, flag);
}


/** Prints a key that was just created: the only time it is ever shown in full. */
function showNewKey(out: Output, key: AccessKey): void {
  out.say(`Key "${key.name}" (shown only now; store it, e.g. as ${KEY_ENV}):`);
  out.say(`  ${key.key}`);
}


async function changeAccess<T>(
  options: Record<string, unknown>,
  change: (state: AccessState, bindAddress: string) => { enabled: boolean; keys: AccessKey[]; result: T; unchanged?: boolean },
): Promise<{ result: T; reload: ReloadReport; deployment: Deployment }> {
  const writeMode = parseWriteMode(options.writeMode);
  const deployment = await resolveDeployment(options);
  const edit = await editGateway(
    deployment,
    async ({ files, settings }) => {
      const next = change(await accessControlState(files), settings.bindAddress);
      if (!next.unchanged) await writeAccess(files, next);
      return next.result;
    },
    { writeMode },
  );
  return { ...edit, deployment };
}

export async function enableAccess(options: Record<string, unknown>, out: Output): Promise<void> {
  const name = options.name === undefined ? 'default' : checkKeyName(options.name);
  const given = await givenKey(options);
  const { result, reload, deployment } = await changeAccess(options, (state) => {
    const created = state.keys.length === 0 ? newKey(name, given) : undefined;
    if (!created && given !== undefined) throw new UsageError('access keys exist already: --key-stdin/--key-env apply only to the first key', { hint: 'add more keys with get-ai-gateway access add --name <name>' });
    return { enabled: true, keys: created ? [created] : state.keys, result: { was: state.enabled, created, count: state.keys.length || 1 } };
  });
  if (out.json) {
    return out.result({ action: result.was ? 'unchanged' : 'enabled', enabled: true, keys: result.count, created: result.created ? newKeyJson(result.created) : null, reload });
  }
  out.say(result.was ? 'Access control was already on.' : `Access control is on: every request needs one of the ${result.count} key(s).`);
  if (result.created) {
    if (result.created.generated) showNewKey(out, result.created);
    else out.say(`First key "${result.created.name}" is ${maskKey(result.created.key)}.`);
  }
  sayHowToCall(out);
  out.say(describeReload(reload, deployment));
}

const newKeyJson = (k: AccessKey & { generated: boolean }) => ({ ...publicKey(k), ...(k.generated ? { key: k.key } : {}), generated: k.generated });

export async function disableAccess(options: Record<string, unknown>, out: Output): Promise<void> {
  const { result, reload, deployment } = await changeAccess(options, (state, bindAddress) => {
    if (state.enabled && !isLoopback(bindAddress) && !options.allowOpen) {
      throw new UsageError(`the gateway is published on ${bindAddress}: without access control anyone who reaches it spends your provider keys`, {
        hint: 'add --allow-open to turn it off anyway, or move it back to loopback first (start --recreate --bind-address 127.0.0.1)',
      });
    }
    return { enabled: false, keys: state.keys, result: { was: state.enabled }, unchanged: !state.present };
  });
  if (out.json) return out.result({ action: result.was ? 'disabled' : 'unchanged', enabled: false, reload });
  out.say(result.was ? 'Access control is off: the gateway answers without a key (the keys are kept).' : 'Access control was already off.');
  out.say(describeReload(reload, deployment));
}

export async function addAccessKey(options: Record<string, unknown>, out: Output): Promise<void> {
  const name = checkKeyName(options.name);
  const given = await givenKey(options);
  const { result, reload, deployment } = await changeAccess(options, (state) => {
    if (state.keys.some((k) => k.name === name)) {
      throw new UsageError(`a key named "${name}" exists already`, { hint: `replace it with get-ai-gateway access rotate --name ${name}, or choose another --name` });
    }
    const created = newKey(name, given);
    return { enabled: state.enabled, keys: [...state.keys, created], result: { created, enabled: state.enabled } };
  });
  if (out.json) return out.result({ action: 'added', ...newKeyJson(result.created), enabled: result.enabled, reload });
  out.say(`Added key "${name}"${result.created.generated ? '' : ` (${maskKey(result.created.key)})`}.`);
  if (result.created.generated) showNewKey(out, result.created);
  sayHowToCall(out);
  if (!result.enabled) out.say('Access control is off, so the key is not needed yet: turn it on with get-ai-gateway access enable.');
  out.say(describeReload(reload, deployment));
}

export async function removeAccessKey(options: Record<string, unknown>, out: Output): Promise<void> {
  const name = checkKeyName(options.name);
  const { result, reload, deployment } = await changeAccess(options, (state) => {
    const found = state.keys.some((k) => k.name === name);
    const keys = state.keys.filter((k) => k.name !== name);
    if (found && state.enabled && keys.length === 0) {
      throw new UsageError(`"${name}" is the last key and access control is on`, {
        hint: 'add another key first (access add --name <name>), or turn access control off (access disable)',
      });
    }
    return { enabled: state.enabled, keys, result: { found }, unchanged: !found };
  });
  if (out.json) return out.result({ action: result.found ? 'removed' : 'absent', name, reload });
  if (!result.found) {
    out.say(`No key named "${name}"; nothing changed.`);
    return;
  }
  out.say(`Removed key "${name}": requests with it are refused from now on.`);
  out.say(describeReload(reload, deployment));
}

export async function rotateAccessKey(options: Record<string, unknown>, out: Output): Promise<void> {
  const name = checkKeyName(options.name);
  const given = await givenKey(options);
  const { result, reload, deployment } = await changeAccess(options, (state) => {
    if (!state.keys.some((k) => k.name === name)) {
      throw new UsageError(`no key named "${name}"`, { hint: `see get-ai-gateway access list, or create it with get-ai-gateway access add --name ${name}` });
    }
    const created = newKey(name, given);
    return { enabled: state.enabled, keys: state.keys.map((k) => (k.name === name ? created : k)), result: { created, enabled: state.enabled } };
  });
  if (out.json) return out.result({ action: 'rotated', ...newKeyJson(result.created), enabled: result.enabled, reload });
  const old = result.enabled ? 'the old key is refused from now on' : 'the old key is gone (access control is off)';
  out.say(`Rotated key "${name}": ${old}${result.created.generated ? '' : `; the new one is ${maskKey(result.created.key)}`}.`);
  if (result.created.generated) showNewKey(out, result.created);
  out.say(describeReload(reload, deployment));
}
