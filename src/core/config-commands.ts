/** `config list|add|remove`: provider keys on a live or stopped gateway. */
import { commandHint } from './command-line.js';
import type { Output } from '../ui/output.js';
import { modelsFlag, type Provider } from './catalog.js';
import { resolveDeployment } from './deployment.js';
import { UsageError } from './errors.js';
import { describeReload, editGateway, parseWriteMode } from './gateway-edit.js';
import { resilienceFromOptions, settingsText } from './resilience.js';
import { checkAutoRouting, currentProblems } from './route-integrity.js';
import {
  buildProviderConfig,
  checkExclusions,
  checkToken,
  maskSecret,
  optionKey,
  providerInputFromOptions,
  resolveProvider,
  splitKeyList,
} from './provider-config.js';

/** Keys from exactly one of --key (repeatable), --key-stdin and --key-env; undefined when none is given. */
export async function readKeys(options: Record<string, unknown>, given?: NodeJS.ReadStream): Promise<string[] | undefined> {
  const sources = ['key', 'keyStdin', 'keyEnv'].filter((k) => options[k] !== undefined);
  if (sources.length > 1) throw new UsageError('use only one of --key, --key-stdin and --key-env');
  const split = (value: string, flag: string) => {
    const keys = /[\r\n]/.test(value.trim()) ? [value.trim()] : splitKeyList(value);
    if (keys.length === 0) throw new UsageError(`${flag} is empty`, { hint: 'pass the API key itself' });
    return keys;
  };
  let keys: string[] | undefined;
  if (options.key !== undefined) keys = (options.key as string[]).flatMap((value) => split(value, '--key'));
  if (options.keyEnv !== undefined) {
    const name = String(options.keyEnv);
    const value = process.env[name];
    if (value === undefined) throw new UsageError(`environment variable ${name} is not set`, { hint: `export ${name}=<key> first, or use --key-stdin` });
    keys = split(value, `--key-env ${name}`);
  }
  if (options.keyStdin) {
    // Only now: process.stdin makes a stream as it is first touched.
    const stdin = given ?? process.stdin;
    if (stdin.isTTY) throw new UsageError('--key-stdin reads from a pipe', { hint: `printf '%s\\n' "$KEY" | ${commandHint('config add')} ... --key-stdin` });
    let text = '';
    for await (const chunk of stdin) text += chunk;
    keys = text.split(/\r?\n/).map((k) => k.trim()).filter((k) => k.length > 0);
    if (keys.length === 0) throw new UsageError('--key-stdin got no key', { hint: 'write one key per line to standard input' });
  }
  return keys;
}

export async function addProvider(options: Record<string, unknown>, out: Output, stdin?: NodeJS.ReadStream): Promise<void> {
  const { provider, variant } = resolveProvider(String(options.provider));
  const writeMode = parseWriteMode(options.writeMode);
  options = { ...options, ...extraConfigOptions(provider, options.extraConfig) };
  const keys = await readKeys(options, stdin);
  const keyFlag = options.keyEnv !== undefined ? 'key-env' : options.keyStdin ? 'key-stdin' : 'key';
  for (const key of keys ?? []) checkToken(provider, key, keyFlag);
  if (keys && provider.keys?.none) {
    throw new UsageError(`${provider.name} takes no API key`, { hint: `use ${(provider.extras ?? []).map((f) => `--${f.flag}`).join(' and ')}` });
  }
  // Keys come from readKeys; the models flag is plain --models here.
  const input = providerInputFromOptions(provider, options, (flag) => (flag === modelsFlag(provider) ? 'models' : flag)) ?? { extras: {} };
  const codeToken = provider.keys?.variant && (variant || options[variantOption(provider)]);
  if (codeToken && !keys) throw new UsageError(`--${provider.keys!.variant!.flag.replace(/-key$/, '')} needs the token in --key, --key-stdin or --key-env`);
  const resilience = resilienceFromOptions(provider, options);
  const deployment = await resolveDeployment(options);

  const { result, reload } = await editGateway(
    deployment,
    async ({ files, settings }) => {
      const configured = files.configuredProviders();
      const previous = configured.find((p) => p.id === provider.id);
      checkExclusions([...configured.map((p) => p.id).filter((id) => id !== provider.id), provider.id]);
      const tokens = keys && options.append && previous ? [...new Set([...previous.tokens, ...keys])] : keys;
      const config = buildProviderConfig(
        provider,
        { ...input, tokens: codeToken ? undefined : tokens, variantTokens: codeToken ? tokens : undefined },
        { previous, keyFlagName: 'key', modelsFlagName: 'models' },
      );
      config.resilience = resilience;
      await files.upsertProvider(config);
      if (options.fallback) files.requestFallback(provider.id);
      const written = files.configuredProviders().find((p) => p.id === provider.id)!;
      // A retry drops the failed key and picks another; with one key there is none (ai-proxy retry.go:120-123).
      if ((written.settings.retries as unknown) && written.tokens.length < 2) out.warn(`retries need a key pool: with one key ${provider.name}'s gateway has no other key to retry with`);
      const models = written.models;
      settings.models = { ...settings.models, [provider.id]: models };
      const plan = files.routePlan();
      for (const s of plan.shadowed.filter((x) => x.provider === provider.id)) {
        out.warn(
          s.pattern === '*'
            ? `${provider.id} lists "*" but ${s.by || 'no provider'} is the fallback for unknown names; reach ${provider.id} as ${provider.id}/<model> (or: get-ai-gateway config fallback --provider ${provider.id})`
            : `${s.pattern} is already served by ${s.by} (configured first); reach ${provider.id}'s as ${provider.id}/${s.pattern}`,
        );
      }
      return { config: { ...config, models }, settings: written.settings, action: previous ? 'updated' : 'added', fallback: plan.fallback === provider.id };
    },
    { writeMode },
  );
  const masked = result.config.tokens.map(maskSecret);
  if (out.json) return out.result({ action: result.action, provider: { id: provider.id, name: provider.name, keys: masked, models: result.config.models, fallback: result.fallback, ...result.settings }, reload });
  out.say(`${result.action === 'added' ? 'Added' : 'Updated'} ${provider.name} (${provider.id}): keys ${masked.join(', ') || '-'}; models ${result.config.models}${result.fallback ? ' (fallback for unknown names)' : ''}; also reachable as ${provider.id}/<model>.`);
  if (resilience) out.say(`Resilience: ${settingsText(result.settings) || 'off'}.`);
  out.say(describeReload(reload, deployment));
}

const variantOption = (provider: Provider) =>
  provider.keys!.variant!.flag.replace(/-key$/, '').replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * `--extra-config key=value` (repeatable, or comma-separated), as the skill documents write it: each key is a
 * provider field of the catalog (its ai-proxy name, e.g. zhipuDomain, or its flag), turned into that field's flag.
 */
export function extraConfigOptions(provider: Provider, raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  const pairs = (Array.isArray(raw) ? raw : [raw]).flatMap((item) => String(item).split(',')).map((p) => p.trim()).filter(Boolean);
  const fields = provider.extras ?? [];
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const name = at > 0 ? pair.slice(0, at).trim() : '';
    const field = fields.find((f) => f.key === name || f.flag === name);
    if (!field) {
      throw new UsageError(`--extra-config "${pair}": ${provider.name} has no field "${name || pair}"`, {
        hint: fields.length ? `its fields: ${fields.map((f) => f.key).join(', ')}` : `${provider.name} takes no extra fields`,
      });
    }
    result[optionKey(field.flag)] = pair.slice(at + 1).trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return result;
}

export async function removeProvider(options: Record<string, unknown>, out: Output): Promise<void> {
  const { provider } = resolveProvider(String(options.provider));
  const writeMode = parseWriteMode(options.writeMode);
  const deployment = await resolveDeployment(options);
  const { result: removed, reload } = await editGateway(
    deployment,
    async ({ files, settings }) => {
      const before = await currentProblems(files);
      const found = await files.removeProvider(provider.id);
      const { [provider.id]: _gone, ...models } = settings.models;
      settings.models = models;
      await checkAutoRouting(files, before, Boolean(options.strict), out);
      return found;
    },
    { writeMode },
  );
  if (out.json) return out.result({ action: removed ? 'removed' : 'absent', provider: { id: provider.id, name: provider.name }, reload });
  if (!removed) {
    out.say(`${provider.name} (${provider.id}) is not configured in ${deployment.dataFolder}; nothing changed.`);
    return;
  }
  out.say(`Removed ${provider.name} (${provider.id}): its key, route, registry and console entry are gone.`);
  out.say(describeReload(reload, deployment));
}


/** `config fallback --provider <id>`: the provider that takes model names no other route takes. */
export async function setFallbackProvider(options: Record<string, unknown>, out: Output): Promise<void> {
  const { provider } = resolveProvider(String(options.provider));
  const writeMode = parseWriteMode(options.writeMode);
  const deployment = await resolveDeployment(options);
  const { result, reload } = await editGateway(
    deployment,
    ({ files, settings }) => {
      if (!files.hasProvider(provider.id)) {
        throw new UsageError(`${provider.name} (${provider.id}) is not configured`, { hint: `add it first: ${commandHint('config add', deployment, `--provider ${provider.id} --key-env <VAR> --fallback`)}` });
      }
      const before = files.configuredProviders().find((p) => p.id === provider.id)!.models;
      files.requestFallback(provider.id);
      const models = files.configuredProviders().find((p) => p.id === provider.id)!.models;
      settings.models = { ...settings.models, [provider.id]: models };
      return { models, added: models !== before };
    },
    { writeMode },
  );
  if (out.json) return out.result({ fallback: provider.id, models: result.models, reload });
  out.say(`Unknown model names now go to ${provider.name} (${provider.id})${result.added ? `; "*" was added to its models (${result.models})` : ''}.`);
  out.say(describeReload(reload, deployment));
}
