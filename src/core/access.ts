/**
 * Gateway access keys: Higress's key-auth plugin in `wasmplugins/key-auth.internal.yaml`.
 *
 * What the real plugin does (plugins/wasm-go/extensions/key-auth/main.go):
 * - it reads each header named in `keys` and compares its value AS IS with every consumer's `credential`
 *   (:259-267, :288): no `Bearer ` prefix is stripped. So every named key is two consumers with the same name:
 *   `Bearer <key>` for OpenAI clients (`Authorization`) and `<key>` for Anthropic-style clients (`x-api-key`).
 *   Names may repeat; credentials must not (:192-194);
 * - no key → 401, two key headers in one request → 401 (:280-285), an unknown key → 403 (:288-292, :341-342);
 *   on success it adds `X-Mse-Consumer: <name>` (:294);
 * - `global_auth: true` with no per-route `allow` list: every route needs a key (:299-302);
 * - an empty or missing `consumers` list is a config error (:175-181): access control on means at least one key.
 * The plugin reads only `name` and `credential` of a consumer (:183-201), so each entry also carries `created`.
 * Off is `defaultConfigDisable: true` (consumers kept); with no match rules the controller then drops the plugin
 * (pkg/ingress/config/ingress_config.go:1030, :1141-1143).
 * The template (templates/wasmplugins/key-auth.internal.yaml) uses the phase and priority the console installs it
 * with, AUTHN/310 (higress-console .../plugins/key-auth/spec.yaml:24-25): in the same phase the higher priority runs
 * first (api/extensions/v1alpha1/wasmplugin.proto:95-101), so model-router (AUTHN/900) picks the model, then the key
 * is checked, and ai-proxy (UNSPECIFIED_PHASE, last) never sees a refused request. The url follows the console's
 * plugin-server pattern (higress-standalone all-in-one/scripts/start-console.sh:34, version 1.0.0 in spec.yaml:18).
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { Document } from 'yaml';
import { UsageError } from './errors.js';
import { FILES, type GatewayFiles } from './gateway-files.js';
import { maskSecret } from './provider-config.js';

/** The request headers a key is read from: OpenAI clients send `Authorization: Bearer`, Anthropic-style ones `x-api-key`. */
export const KEY_HEADERS = ['authorization', 'x-api-key'] as const;
/** The header key-auth adds to an authenticated request (main.go:294); ai-statistics logs it as `consumer`. */
export const CONSUMER_HEADER = 'x-mse-consumer';
/** The environment variable clients (OpenClaw, the welcome's example) read the gateway key from. */
export const KEY_ENV = 'GET_AI_GATEWAY_KEY';
const BEARER = 'Bearer ';
const TEMPLATE = 'wasmplugins/key-auth.internal.yaml';

export interface AccessKey {
  name: string;
  /** The key itself (what `x-api-key` carries). Never printed except once when it is created. */
  key: string;
  created?: string;
}

export interface AccessState {
  /** The key-auth file exists. */
  present: boolean;
  /** Every request needs a key: plugin on, global, at least one key. */
  enabled: boolean;
  keys: AccessKey[];
}

type Plain = Record<string, unknown> | undefined;
const obj = (value: unknown): Plain => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);

/** Reads the access state from the key-auth resource as plain data (undefined = no file). */
export function accessStateOf(resource: unknown): AccessState {
  const spec = obj(obj(resource)?.spec);
  if (!spec) return { present: false, enabled: false, keys: [] };
  const config = obj(spec.defaultConfig) ?? {};
  const keys: AccessKey[] = [];
  for (const entry of Array.isArray(config.consumers) ? config.consumers : []) {
    const consumer = obj(entry);
    if (typeof consumer?.name !== 'string' || typeof consumer.credential !== 'string' || !consumer.name || !consumer.credential) continue;
    const key = consumer.credential.startsWith(BEARER) ? consumer.credential.slice(BEARER.length) : consumer.credential;
    if (keys.some((k) => k.name === consumer.name)) continue;
    keys.push({ name: consumer.name, key, created: typeof consumer.created === 'string' ? consumer.created : undefined });
  }
  const rules = Array.isArray(spec.matchRules) ? spec.matchRules : [];
  // main.go:249-254, :299: global when global_auth is true, or unset while no route configures the plugin.
  const global = config.global_auth === true || (config.global_auth === undefined && rules.length === 0);
  return { present: true, enabled: spec.defaultConfigDisable !== true && global && keys.length > 0, keys };
}

/** For other commands (openclaw, the welcome): is access control on, and with which keys. */
export async function accessControlState(files: GatewayFiles): Promise<AccessState> {
  return accessStateOf(await files.resource(FILES.keyAuth));
}

/** 127.0.0.0/8, ::1 in any spelling, or IPv4-mapped 127.0.0.1: only this machine reaches the ports. */
export function isLoopback(address: string): boolean {
  return isIP(address) === 4 ? address.startsWith('127.') : address === '::1' || /^(0*:)*:?0*1$/.test(address) || address === '::ffff:127.0.0.1';
}

export function generateKey(): string {
  return `gag_${randomBytes(32).toString('base64url')}`;
}

export const maskKey = (key: string): string => maskSecret(key);

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export function checkKeyName(value: unknown): string {
  const name = String(value ?? '').trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new UsageError(`--name "${name}" is not a valid key name`, { hint: 'use 1-64 letters, digits, . _ or -, starting with a letter or digit (e.g. --name laptop)' });
  }
  return name;
}

/** A key the user brings (stdin or env): one header-safe token, long enough to resist guessing. */
export function checkKeyValue(key: string, flag: string): string {
  if (/\s/.test(key)) throw new UsageError(`${flag}: the key contains white space`, { hint: 'give one key without spaces or line breaks' });
  if (!/^[\x21-\x7e]+$/.test(key)) throw new UsageError(`${flag}: the key must be printable ASCII`, { hint: 'or leave the flag out and a key is generated' });
  if (key.length < 16 || key.length > 512) {
    throw new UsageError(`${flag}: the key must have 16 to 512 characters (got ${key.length})`, { hint: 'or leave the flag out and a strong key is generated' });
  }
  return key;
}

/**
 * Writes the new state into key-auth.internal.yaml: the consumers rebuilt from the keys (two credentials
 * each), the plugin on or off. Refuses what the real plugin would reject: a duplicate credential, or
 * access on with no key.
 */
export async function writeAccess(files: GatewayFiles, next: { enabled: boolean; keys: AccessKey[] }): Promise<void> {
  const seen = new Map<string, string>();
  for (const k of next.keys) {
    const other = seen.get(k.key);
    if (other !== undefined) throw new UsageError(`that key is already the key of "${other}"`, { hint: 'give each name its own key (leave out --key-stdin/--key-env to generate one)' });
    seen.set(k.key, k.name);
  }
  if (next.enabled && next.keys.length === 0) {
    throw new UsageError('access control needs at least one key', { hint: 'add one with get-ai-gateway access add --name <name>, or turn access off with get-ai-gateway access disable' });
  }
  const previous = obj(obj(obj(await files.resource(FILES.keyAuth))?.spec)?.defaultConfig);
  const doc: Document = await files.editResource(FILES.keyAuth, TEMPLATE);
  const base = ['spec', 'defaultConfig'];
  doc.setIn([...base, 'global_auth'], true);
  doc.setIn([...base, 'in_header'], true);
  // Exactly our two headers: a third one a client also sends would make its requests "multi key" (main.go:281).
  const headers = Array.isArray(previous?.keys) ? previous.keys.map((h) => String(h).toLowerCase()) : [];
  if (headers.join() !== KEY_HEADERS.join()) doc.setIn([...base, 'keys'], doc.createNode([...KEY_HEADERS]));
  const consumers = next.keys.flatMap((k) => [
    { name: k.name, credential: `${BEARER}${k.key}`, ...(k.created ? { created: k.created } : {}) },
    { name: k.name, credential: k.key, ...(k.created ? { created: k.created } : {}) },
  ]);
  const { visit, isScalar } = await import('yaml');
  const list = doc.createNode(consumers);
  // Quoted: the apiserver reads YAML 1.1, where an unquoted `created` is a timestamp and a name like `on` a boolean (contract 9.2).
  visit(list, { Pair: (_key, pair) => void (isScalar(pair.value) && (pair.value.type = 'QUOTE_DOUBLE')) });
  doc.setIn([...base, 'consumers'], list);
  doc.setIn(['spec', 'defaultConfigDisable'], !next.enabled);
  // An authentication plugin must not be skipped when it fails (api/extensions/v1alpha1/wasmplugin.proto:208-218).
  doc.setIn(['spec', 'failStrategy'], 'FAIL_CLOSE');
  if (next.enabled) await logConsumer(files);
}

/** A new key for `name`: the given one, or a generated one. */
export function newKey(name: string, given?: string): AccessKey & { generated: boolean } {
  return { name, key: given ?? generateKey(), created: now(), generated: given === undefined };
}

/**
 * Makes ai-statistics write the consumer into the access log's `ai_log` (for `usage --by consumer`):
 * a `request_header` attribute on `x-mse-consumer` (ai-statistics/main.go:939-1015). Custom attributes are
 * ignored while `use_default_attributes` is on (main.go:546-577), so that switch is replaced by the same
 * default list spelled out (main.go:153-203), with its path suffixes (:627-630) and length limit (:562-567).
 */
export async function logConsumer(files: GatewayFiles): Promise<void> {
  const spec = obj(obj(await files.resource(FILES.aiStatistics))?.spec);
  const config = obj(spec?.defaultConfig) ?? {};
  const attributes = Array.isArray(config.attributes) ? config.attributes : [];
  if (attributes.some((a) => obj(a)?.key === 'consumer')) return;
  const doc = await files.editResource(FILES.aiStatistics, FILES.aiStatistics);
  const base = ['spec', 'defaultConfig'];
  const consumer = { key: 'consumer', value_source: 'request_header', value: CONSUMER_HEADER, apply_to_log: true };
  if (config.use_default_attributes === true) {
    doc.deleteIn([...base, 'use_default_attributes']);
    doc.setIn([...base, 'attributes'], doc.createNode([...DEFAULT_AI_STATISTICS_ATTRIBUTES, consumer]));
    if (config.enable_path_suffixes === undefined) doc.setIn([...base, 'enable_path_suffixes'], doc.createNode(['/completions', '/messages']));
    if (config.value_length_limit === undefined) doc.setIn([...base, 'value_length_limit'], 10485760);
  } else {
    doc.setIn([...base, 'attributes'], doc.createNode([...attributes, consumer]));
  }
}

/** ai-statistics `getDefaultAttributes()` (ai-statistics/main.go:153-203), as configuration. */
const DEFAULT_AI_STATISTICS_ATTRIBUTES = [
  { key: 'messages', value_source: 'request_body', value: 'messages', apply_to_log: true },
  { key: 'question', apply_to_log: true },
  { key: 'system', apply_to_log: true },
  { key: 'answer', apply_to_log: true, rule: 'append' },
  { key: 'reasoning', apply_to_log: true, rule: 'append' },
  { key: 'tool_calls', apply_to_log: true },
  { key: 'reasoning_tokens', apply_to_log: true },
  { key: 'cached_tokens', apply_to_log: true },
  { key: 'input_token_details', apply_to_log: true },
  { key: 'output_token_details', apply_to_log: true },
];

/**
 * `start` on an address beyond loopback: access control is turned on (a first key is created and shown once)
 * unless it already is, or the user said `--allow-open`. Returns the key it created.
 */
export async function accessForExposure(
  files: GatewayFiles,
  bindAddress: string,
  allowOpen: boolean,
): Promise<{ created?: AccessKey; state: AccessState }> {
  const state = await accessControlState(files);
  if (isLoopback(bindAddress) || state.enabled || allowOpen) return { state };
  const created = state.keys.length === 0 ? newKey('default') : undefined;
  const keys = created ? [...state.keys, created] : state.keys;
  await writeAccess(files, { enabled: true, keys });
  return { created: created && { name: created.name, key: created.key, created: created.created }, state: { present: true, enabled: true, keys } };
}
