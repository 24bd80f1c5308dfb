/** Turning flag values into a validated provider configuration, and telling real entries from placeholders. */
import { commandHint } from './command-line.js';
import { readFileSync } from 'node:fs';
import { aliasNames, findProviderChoice, keyFlag, modelsFlag, PROVIDERS, providerNameList, providerNames, type ExtraField, type Extras, type Provider } from './catalog.js';
import { closest } from './suggest.js';
import { UsageError } from './errors.js';
import { normalizeModelList, validateModelPatterns } from './model-patterns.js';
import type { ProviderConfig } from './gateway-files.js';

/** Upstream renders unconfigured providers with tokens and hosts like `YOUR_OPENAI_API_KEY`. */
export function isPlaceholder(value: unknown): boolean {
  return typeof value === 'string' && /^YOUR_[A-Z0-9_]+$/.test(value);
}

export function isConfiguredEntry(entry: Record<string, unknown>): boolean {
  const provider = PROVIDERS.find((p) => p.id === entry.id);
  // The plugin reads each token as text (gjson String()): a plain `on` written by hand is the token "true".
  const tokens = (Array.isArray(entry.apiTokens) ? entry.apiTokens : []).filter((t) => t !== null && typeof t !== 'object').map(String);
  if (tokens.some((t) => t.length > 0 && !isPlaceholder(t))) return true;
  if (!provider) return false;
  const real = (key: string) => entry[key] !== undefined && entry[key] !== '' && !isPlaceholder(entry[key]);
  const required = (provider.extras ?? []).filter((f) => f.required).map((f) => f.key);
  if (!required.every(real)) return false;
  if (provider.keys?.none || provider.keys?.optional) return true;
  return (provider.keys?.alternatives ?? []).some((set) => set.every(real));
}

/** `first4***last4`; keys of 8 characters or fewer: `first2***` (upstream's rule). */
export function maskSecret(secret: string): string {
  return secret.length <= 8 ? `${secret.slice(0, 2)}***` : `${secret.slice(0, 4)}***${secret.slice(-4)}`;
}

/** `--provider` by id, alias or variant name (`claude-code`); an unknown name gets a did-you-mean and every name. */
export function resolveProvider(name: string): { provider: Provider; variant: boolean } {
  const choice = findProviderChoice(name);
  if (choice) return choice;
  const near = closest(name, providerNameList(), 2);
  throw new UsageError(`unknown provider "${name}"${near.length ? `; did you mean ${near.join(' or ')}?` : ''}`, {
    code: 'usage.unknown-provider',
    hint: `providers (aliases in parentheses): ${providerNames()}`,
  });
}

/** camelCase option name commander gives a flag: `azure-service-url` → `azureServiceUrl`. */
export const optionKey = (flag: string): string => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function splitKeyList(raw: string): string[] {
  return raw.split(',').map((k) => k.trim()).filter((k) => k.length > 0);
}

export function checkToken(provider: Provider, token: string, flag: string): void {
  if (token.length === 0) throw new UsageError(`--${flag} is empty`, { hint: 'pass the API key itself' });
  if (/[\r\n]/.test(token)) throw new UsageError(`--${flag} contains a line break`, { hint: 'pass one key per value; keys never span lines' });
  if (/[\u0000-\u001f\u007f]/.test(token)) throw new UsageError(`--${flag} contains a control character`, { hint: 'keys are printable text: check how the key was pasted' });
  const problem = provider.keys?.validate?.(token);
  if (problem) throw new UsageError(`--${flag} ${problem}`, { hint: `see ${commandHint('config add --help')}` });
}

export interface ProviderInput {
  /** Tokens from the key flag (already split), undefined if not given. */
  tokens?: string[];
  /** Tokens from the variant key flag (e.g. --claude-code-key). */
  variantTokens?: string[];
  /** The key flag the tokens came from (an alias such as --kimi-key names itself in messages). */
  keyFlag?: string;
  models?: string;
  /** Raw extra values by field key, as typed. */
  extras: Record<string, string | boolean | undefined>;
}

/** Reads one provider's input from an options object whose keys are commander's camelCased flags. */
export function providerInputFromOptions(
  provider: Provider,
  options: Record<string, unknown>,
  flagFor: (flag: string) => string = (f) => f,
): ProviderInput | undefined {
  // A flag and its alias flags (--moonshot-key, --kimi-key) are one flag: at most one of them may be given.
  const givenFlag = (flags: string[]) => {
    const given = flags.map(flagFor).filter((flag) => options[optionKey(flag)] !== undefined);
    if (given.length > 1) throw new UsageError(`${given.map((f) => `--${f}`).join(' and ')} name the same setting of ${provider.name}: give only one`);
    return given[0];
  };
  const aliases = aliasNames(provider);
  const tokensOf = (flag: string | undefined) => {
    if (!flag) return undefined;
    const value = options[optionKey(flag)];
    const values = (Array.isArray(value) ? value : [value]).map(String);
    const tokens = values.flatMap(splitKeyList);
    if (tokens.length === 0) throw new UsageError(`--${flag} is empty`, { hint: 'pass the API key itself' });
    return tokens;
  };
  const key = keyFlag(provider);
  const usedKeyFlag = key ? givenFlag([key, ...aliases.map((a) => `${a}-key`)]) : undefined;
  const tokens = tokensOf(usedKeyFlag);
  const variantFlag = provider.keys?.variant?.flag;
  const variantTokens = variantFlag && options[optionKey(flagFor(variantFlag))] !== undefined ? tokensOf(flagFor(variantFlag)) : undefined;
  const modelsGiven = givenFlag([modelsFlag(provider), ...aliases.map((a) => `${a}-models`)]);
  const models = modelsGiven === undefined ? undefined : (options[optionKey(modelsGiven)] as string);
  const extras: ProviderInput['extras'] = {};
  let anyExtra = false;
  for (const field of provider.extras ?? []) {
    const value = options[optionKey(flagFor(field.flag))] as string | boolean | undefined;
    if (value !== undefined) {
      extras[field.key] = value;
      anyExtra = true;
    }
  }
  if (!tokens && !variantTokens && !anyExtra && models === undefined) return undefined;
  return { tokens, variantTokens, models, extras, keyFlag: usedKeyFlag };
}

/** Validates one provider's input and builds its configuration; every problem names the flag to fix. */
export function buildProviderConfig(
  provider: Provider,
  input: ProviderInput,
  opts: { readFile?: (path: string) => string; previous?: ProviderConfig; keyFlagName?: string; modelsFlagName?: string } = {},
): ProviderConfig {
  const readFile = opts.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const flag = opts.keyFlagName ?? input.keyFlag ?? keyFlag(provider);
  if (input.tokens && input.variantTokens) {
    throw new UsageError(`use either --${flag} or --${provider.keys!.variant!.flag}, not both`);
  }
  const tokenFlag = input.variantTokens ? provider.keys!.variant!.flag : flag!;
  const tokens = input.variantTokens ?? input.tokens ?? opts.previous?.tokens ?? [];
  for (const token of tokens) checkToken(provider, token, tokenFlag);

  const extras: Extras = {};
  for (const field of provider.extras ?? []) {
    const raw = input.extras[field.key];
    const value = raw === undefined ? opts.previous?.extras[field.key] : parseField(field, raw, readFile);
    if (value !== undefined) extras[field.key] = value;
    else if (field.default !== undefined) extras[field.key] = field.default;
  }
  const variantSets = provider.keys?.variant?.sets ?? {};
  if (input.variantTokens) Object.assign(extras, variantSets);
  else if (!input.tokens && opts.previous) {
    // Keys unchanged: keep what the previous key kind implied (e.g. claudeCodeMode).
    for (const key of Object.keys(variantSets)) if (opts.previous.extras[key] !== undefined) extras[key] = opts.previous.extras[key]!;
  }

  // Everything missing in one message, not one per run.
  const missing = (provider.extras ?? []).filter((field) => field.required && extras[field.key] === undefined);
  const alternatives = provider.keys?.alternatives ?? [];
  const viaAlternative = alternatives.some((set) => set.every((key) => extras[key] !== undefined));
  const needsKey = tokens.length === 0 && !provider.keys?.none && !provider.keys?.optional && !viaAlternative;
  if (missing.length > 0 || needsKey) {
    const others = alternatives.map((set) => set.map((k) => `--${fieldByKey(provider, k).flag}`).join(' + '));
    const needs = missing.map((field) => `--${field.flag}`);
    if (needsKey) needs.push(`--${flag}${others.length ? ` (or ${others.join(' or ')})` : ''}`);
    const examples = missing.filter((field) => field.example).map((field) => `--${field.flag} ${field.example}`);
    if (needsKey) examples.push(`--${flag} <your ${provider.name} API key>`);
    throw new UsageError(`${provider.name} needs ${listWords(needs)}`, { code: 'usage.missing-field', hint: examples.length ? `for example ${examples.join(' ')}` : undefined });
  }
  const complete = provider.complete?.(extras, tokens) ?? extras;
  // Models that follow from the configuration (DeepL's plan) are recomputed unless given.
  const given = input.models ?? (provider.modelsFor ? provider.modelsFor(complete, tokens) : (opts.previous?.models ?? provider.defaultModels));
  const modelProblem = validateModelPatterns(given);
  if (modelProblem) {
    throw new UsageError(`--${opts.modelsFlagName ?? modelsFlag(provider)} ${modelProblem}`, { hint: 'exact names and * globs, comma-separated, e.g. gpt-4o,o3-* ("*" = any model)' });
  }
  const models = normalizeModelList(given);
  const problem = provider.check?.(complete, tokens, models);
  if (problem) throw new UsageError(problem);
  return { id: provider.id, tokens, models, extras: complete };
}

const listWords = (items: string[]): string => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

function fieldByKey(provider: Provider, key: string): ExtraField {
  return provider.extras!.find((f) => f.key === key)!;
}

function parseField(field: ExtraField, raw: string | boolean, readFile: (path: string) => string): string | number | boolean {
  if (field.kind === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (/^(true|yes|1|on)$/i.test(raw)) return true;
    if (/^(false|no|0|off)$/i.test(raw)) return false;
    throw new UsageError(`--${field.flag} must be true or false`);
  }
  let value = String(raw).trim();
  if (value === '') throw new UsageError(`--${field.flag} is empty`, { hint: field.example ? `for example --${field.flag} ${field.example}` : undefined });
  if (field.fromFile) {
    try {
      value = JSON.stringify(JSON.parse(readFile(value)));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not a JSON key file';
      throw new UsageError(`--${field.flag}: ${value} ${reason}`, { hint: 'download the service-account key as JSON and pass its path', cause: error });
    }
  }
  if (/[\r\n]/.test(value)) throw new UsageError(`--${field.flag} contains a line break`);
  if (field.kind === 'choice' && field.choices && !field.choices.includes(value)) {
    throw new UsageError(`--${field.flag} must be one of ${field.choices.join(', ')} (got "${value}")`);
  }
  const problem = field.validate?.(value);
  if (problem) throw new UsageError(`--${field.flag} ${problem}`, { hint: field.example ? `for example --${field.flag} ${field.example}` : undefined });
  if (field.kind === 'number') return Number(value);
  return value;
}

/** Providers that cannot be configured together (OpenAI and Azure OpenAI). */
export function checkExclusions(ids: readonly string[]): void {
  for (const id of ids) {
    const provider = PROVIDERS.find((p) => p.id === id);
    for (const other of provider?.excludes ?? []) {
      if (ids.includes(other)) {
        const a = provider!.name;
        const b = PROVIDERS.find((p) => p.id === other)!.name;
        throw new UsageError(`${a} and ${b} cannot be configured together`, { hint: `configure only one of them (both serve the gpt-* models)` });
      }
    }
  }
}
