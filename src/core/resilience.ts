/**
 * In-provider resilience on an ai-proxy provider entry: key failover, retries, timeouts and the user's model
 * map, as ai-proxy parses them (plugins/wasm-go/extensions/ai-proxy/provider/provider.go, failover.go, retry.go).
 */
import { RE2JS } from 're2js';
import type { Provider } from './catalog.js';
import { UsageError } from './errors.js';
import { ENTRY_MAPPING_KEY, entryModelMapping } from './model-routes.js';

/** failover.go:22-36 (`failover` on a provider entry, parsed in FromJson :80-107). */
export interface FailoverConfig {
  enabled: boolean;
  healthCheckModel: string;
  failureThreshold?: number;
  failoverOnStatus?: string[];
}

/** retry.go:21-29 (`retryOnFailure`, parsed in FromJson :31-47). */
export interface RetryConfig {
  enabled: boolean;
  maxRetries?: number;
  retryOnStatus?: string[];
}

/** The entry fields these flags set; a field left undefined keeps what the entry holds. */
export interface Resilience {
  failover?: FailoverConfig;
  retryOnFailure?: RetryConfig;
  /** provider.go:317,535 (milliseconds, uint32). */
  timeout?: number;
  /** provider.go:458,540 (milliseconds; sent as x-envoy-upstream-rq-first-byte-timeout-ms for streaming, :1148). */
  firstByteTimeout?: number;
  /** The user's own modelMapping entries (the `<id>/` stripping entry is added by modelMappingFor). */
  modelMap?: Record<string, string>;
}

export const RESILIENCE_FIELDS = ['failover', 'retryOnFailure', 'timeout', 'firstByteTimeout'] as const;

/**
 * Defaults for a key pool. Upstream's default status list is 4xx and 5xx (failover.go:103-106, retry.go:43-46):
 * a client's 400 (bad model name, too long a prompt) would count against a good key and take it out of the
 * pool. We take a key out only on what says the key or the provider is bad: 401, 403, 429 and 5xx; we
 * retry (with another key) only on 429 and 5xx, where a second attempt can succeed.
 */
export const DEFAULT_FAILOVER_STATUS = '401,403,429,5*';
export const DEFAULT_RETRY_STATUS = '429,5*';

const UINT32_MAX = 4294967295;

function positiveInt(value: unknown, flag: string, { min = 1, max = UINT32_MAX } = {}): number {
  const text = String(value).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} "${text}" is not a whole number from ${min} to ${max}`, { hint: `for example ${flag} ${Math.max(min, 3)}` });
  }
  return n;
}

/**
 * `"429,5*,50x"` → anchored regexes. ai-proxy matches each entry with regexp.MatchString, unanchored
 * (util/string.go:16-24): a bare `5*` would match every status, so we write `^5.*$`.
 */
export function statusPatterns(text: string, flag: string): string[] {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new UsageError(`${flag} is empty`, { hint: `for example ${flag} "429,5*"` });
  return parts.map((part) => {
    if (!/^[1-5](\d{2}|\d?\*|\d?x{1,2}|\dx)$/i.test(part) || (/x/i.test(part) && part.length !== 3)) {
      throw new UsageError(`${flag}: "${part}" is not a status, a status prefix with * or a status with x (e.g. 429, 5*, 50x)`, { hint: `for example ${flag} "429,5*"` });
    }
    return `^${part.replace(/\*$/, '.*').replace(/x/gi, '\\d')}$`;
  });
}

/** The status list back in the words the user wrote (for `config list`). */
export function statusText(patterns: readonly string[] | undefined): string | undefined {
  return patterns?.map((p) => p.replace(/^\^/, '').replace(/\$$/, '').replace(/\.\*$/, '*').replace(/\\d/g, 'x')).join(',');
}

/**
 * Go's ReplaceAllString reads `$name` as long as possible (`$1x` is group "1x", empty): refuse that, and
 * group numbers the regex does not have.
 */
function checkReplacement(re: RE2JS, key: string, value: string, flag: string): void {
  for (const m of value.matchAll(/\$(\$|\{(\w+)\}|(\w+))?/g)) {
    if (m[1] === '$') continue;
    const name = m[2] ?? m[3];
    if (name === undefined) throw new UsageError(`${flag} "${key}=${value}": a lone $ (write $$ for a dollar sign)`);
    if (m[3] !== undefined && !/^\d+$/.test(m[3])) {
      throw new UsageError(`${flag} "${key}=${value}": $${m[3]} reads as the group "${m[3]}" in Go`, { hint: `write \${${m[3].match(/^\d+/)?.[0] ?? m[3]}} instead` });
    }
    if (/^\d+$/.test(name) && Number(name) > re.groupCount()) {
      throw new UsageError(`${flag} "${key}=${value}": the regex has ${re.groupCount()} group(s), not ${name}`);
    }
  }
}

/** Splits on commas outside (), [] and {} (a regex such as a{1,2} keeps its comma). */
function splitOutsideBrackets(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      current += c + (text[i + 1] ?? '');
      i++;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
    if (c === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  return [...parts, current];
}

/**
 * `--model-map "from=to,…"`: exact names, `prefix*` globs and `~regex` keys (with `$1` in the value), as
 * provider.go:979-1015 applies them. A regex is compiled with RE2 here because ai-proxy compiles it with
 * regexp.MustCompile at request time (:1000): a bad one would panic the plugin.
 */
export function parseModelMap(text: string, flag = '--model-map'): Record<string, string> {
  const map: Record<string, string> = {};
  const pairs = splitOutsideBrackets(text).map((p) => p.trim()).filter(Boolean);
  if (pairs.length === 0) throw new UsageError(`${flag} is empty`, { hint: `for example ${flag} "gpt-4=gpt-4o,~^claude-(.*)$=anthropic-\${1}"` });
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = at > 0 ? pair.slice(0, at).trim() : '';
    const value = at > 0 ? pair.slice(at + 1).trim() : '';
    if (!key || !value) throw new UsageError(`${flag}: "${pair}" is not from=to`, { hint: `for example ${flag} "gpt-4=gpt-4o,o1-*=o3-mini"` });
    if (/[\r\n]/.test(pair)) throw new UsageError(`${flag} contains a line break`);
    if (key.startsWith('~')) {
      let re: RE2JS;
      try {
        re = RE2JS.compile(key.slice(1));
      } catch (error) {
        const reason = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
        throw new UsageError(`${flag}: "${key.slice(1)}" is not a valid RE2 pattern: ${reason}`, { hint: 'the gateway uses RE2: look-around and back-references do not work', cause: error });
      }
      checkReplacement(re, key, value, flag);
    } else if (key.indexOf('*') !== -1 && key.indexOf('*') !== key.length - 1) {
      throw new UsageError(`${flag}: "${key}" has a * that is not at the end`, { hint: 'globs are prefixes only (o1-*); use ~regex for more' });
    }
    if (Object.hasOwn(map, key)) throw new UsageError(`${flag}: "${key}" is mapped twice`);
    map[key] = value;
  }
  return map;
}

/**
 * The whole modelMapping of a provider entry: the user's entries plus our `<name>/` stripping entry. Exact
 * keys win first, but prefix and regex keys are tried in Go map order, i.e. at random (provider.go:989-1010):
 * a user entry that could also match `<name>/…` would make the result random, so it is refused.
 */
export function modelMappingFor(names: readonly string[], user: Record<string, string>, { check = true, flag = '--model-map' } = {}): Record<string, string> {
  const own = Object.fromEntries(Object.entries(user).filter(([k]) => !ENTRY_MAPPING_KEY.test(k)));
  for (const key of check ? Object.keys(own) : []) {
    for (const name of names) {
      const entry = `${name}/`;
      const clash = key.startsWith('~')
        ? ['', 'x', 'gpt-4o', 'a/b'].some((rest) => RE2JS.compile(key.slice(1)).matcher(entry + rest).find())
        : key.endsWith('*') && key !== '*' && (entry.startsWith(key.slice(0, -1)) || key.slice(0, -1).startsWith(entry));
      if (clash) {
        throw new UsageError(`${flag}: "${key}" could also match ${entry}<model>, which the gateway strips to reach ${names[0]}; the outcome would be random`, {
          hint: key.startsWith('~') ? `anchor it so it cannot match "${entry}", e.g. ~^(?:[^/]*)$` : 'use a prefix that does not begin with the provider id',
        });
      }
    }
  }
  const [key, value] = entryModelMapping(names);
  return { ...own, [key]: value };
}

/** The resilience flags, as commander names their values (camelCase) and as the user types them (kebab). */
export const RESILIENCE_OPTIONS = ['failover', 'healthCheckModel', 'failureThreshold', 'failoverOnStatus', 'retries', 'retryOnStatus', 'timeoutMs', 'firstByteTimeoutMs', 'modelMap'] as const;
export type ResilienceOption = (typeof RESILIENCE_OPTIONS)[number];
export const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The resilience flags of `config add`, or one provider's of `start` (camelCase commander options); undefined
 * when none is given. `flagOf` names a flag in messages (`start` says `--deepseek-retries` where it was typed so).
 */
export function resilienceFromOptions(provider: Provider, options: Partial<Record<string, unknown>>, flagOf: (name: ResilienceOption) => string = (n) => `--${kebab(n)}`): Resilience | undefined {
  const r: Resilience = {};
  const failoverFlags = (['healthCheckModel', 'failureThreshold', 'failoverOnStatus'] as const).filter((k) => options[k] !== undefined);
  if (failoverFlags.length && !options.failover) {
    throw new UsageError(`${flagOf(failoverFlags[0]!)} needs ${flagOf('failover')}`);
  }
  if (options.failover) {
    const model = options.healthCheckModel !== undefined ? String(options.healthCheckModel).trim() : provider.usualModels[0];
    if (!model) throw new UsageError(`${flagOf('failover')} needs ${flagOf('healthCheckModel')} for ${provider.name}`, { hint: `name a cheap model the provider serves, e.g. ${flagOf('healthCheckModel')} <model>` });
    r.failover = {
      enabled: true,
      healthCheckModel: model,
      failureThreshold: options.failureThreshold !== undefined ? positiveInt(options.failureThreshold, flagOf('failureThreshold'), { max: 1000 }) : 3,
      failoverOnStatus: statusPatterns(String(options.failoverOnStatus ?? DEFAULT_FAILOVER_STATUS), flagOf('failoverOnStatus')),
    };
  }
  if (options.retryOnStatus !== undefined && options.retries === undefined) throw new UsageError(`${flagOf('retryOnStatus')} needs ${flagOf('retries')}`);
  if (options.retries !== undefined) {
    const n = positiveInt(options.retries, flagOf('retries'), { min: 0, max: 10 });
    r.retryOnFailure =
      n === 0 ? { enabled: false } : { enabled: true, maxRetries: n, retryOnStatus: statusPatterns(String(options.retryOnStatus ?? DEFAULT_RETRY_STATUS), flagOf('retryOnStatus')) };
  }
  if (options.timeoutMs !== undefined) r.timeout = positiveInt(options.timeoutMs, flagOf('timeoutMs'));
  if (options.firstByteTimeoutMs !== undefined) r.firstByteTimeout = positiveInt(options.firstByteTimeoutMs, flagOf('firstByteTimeoutMs'));
  if (options.modelMap !== undefined) r.modelMap = parseModelMap(String(options.modelMap), flagOf('modelMap'));
  return Object.keys(r).length ? r : undefined;
}

/** The entry fields a Resilience sets (as upsertProvider writes them; the model map without the <id>/ entry). */
export function resilienceEntry({ modelMap, ...fields }: Resilience): Record<string, unknown> {
  return { ...fields, ...(modelMap && { modelMapping: modelMap }) };
}

/** What `config list` shows: the settings in the user's words (status lists as they wrote them). */
export function describeResilience(entry: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const failover = entry.failover as Partial<FailoverConfig> | undefined;
  if (failover?.enabled) {
    out.failover = { healthCheckModel: failover.healthCheckModel, failureThreshold: failover.failureThreshold ?? 3, onStatus: statusText(failover.failoverOnStatus) ?? '4*,5*' };
  }
  const retry = entry.retryOnFailure as Partial<RetryConfig> | undefined;
  if (retry?.enabled) out.retries = { max: retry.maxRetries ?? 1, onStatus: statusText(retry.retryOnStatus) ?? '4*,5*' };
  if (typeof entry.timeout === 'number') out.timeoutMs = entry.timeout;
  if (typeof entry.firstByteTimeout === 'number') out.firstByteTimeoutMs = entry.firstByteTimeout;
  const mapping = entry.modelMapping;
  if (mapping && typeof mapping === 'object') {
    const own = Object.entries(mapping as Record<string, unknown>).filter(([k]) => !ENTRY_MAPPING_KEY.test(k));
    if (own.length) out.modelMap = Object.fromEntries(own.map(([k, v]) => [k, String(v)]));
  }
  return out;
}

/** One line for the terminal: `failover on 401,403,429,5* (3 failures; health check gpt-4o-mini); retries 1 on 429,5*; …`. */
export function settingsText(settings: Record<string, unknown>): string {
  const s = settings as ReturnType<typeof describeResilience> & Record<string, any>;
  const parts: string[] = [];
  if (s.failover) parts.push(`failover on ${s.failover.onStatus} (${s.failover.failureThreshold} failures; health check ${s.failover.healthCheckModel})`);
  if (s.retries) parts.push(`retries ${s.retries.max} on ${s.retries.onStatus}`);
  if (s.timeoutMs !== undefined) parts.push(`timeout ${s.timeoutMs} ms`);
  if (s.firstByteTimeoutMs !== undefined) parts.push(`first byte ${s.firstByteTimeoutMs} ms`);
  if (s.modelMap) parts.push(`model map ${Object.entries(s.modelMap).map(([k, v]) => `${k}=${v}`).join(',')}`);
  return parts.join('; ');
}
