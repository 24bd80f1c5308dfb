/** The per-provider flags of `start` and `config add`, generated from the catalog. */
import { Option, type Command } from 'commander';
import { aliasNames, keyFlag, modelsFlag, PROVIDERS, type ExtraField, type Provider } from './catalog.js';

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function extraFieldOption(field: ExtraField, provider: Provider): Option {
  const what = `${provider.name}: ${field.label}`;
  if (field.kind === 'boolean') return new Option(`--${field.flag}`, what);
  const option = new Option(`--${field.flag} <${field.kind === 'number' ? 'n' : 'value'}>`, field.default === undefined ? what : `${what} (default: ${field.default})`);
  if (field.choices) option.choices(field.choices);
  return option;
}

/**
 * `--<provider>-key`, `--<provider>-models` and the extra fields of every provider (for `start`). Aliases
 * (`--kimi-key`, `--qwen-models`…) are real flags, hidden from the list and named once in the key flag's help.
 */
export function addStartProviderFlags(command: Command): Command {
  const add = (option: Option) => command.addOption(option.helpGroup('LLM provider options:'));
  const seen = new Set<string>();
  for (const provider of PROVIDERS) {
    const key = keyFlag(provider);
    const aliases = aliasNames(provider);
    const also = aliases.length ? `; also ${aliases.map((a) => `--${a}-key`).join(', ')}` : '';
    if (key) {
      add(new Option(`--${key} <keys>`, `${provider.name} API key (comma-separated for a key pool${also})`).argParser(collect));
      for (const alias of aliases) add(new Option(`--${alias}-key <keys>`).argParser(collect).hideHelp());
    }
    const variant = provider.keys?.variant;
    if (variant) add(new Option(`--${variant.flag} <token>`, `${provider.name}: ${variant.label}`).argParser(collect));
    add(new Option(`--${modelsFlag(provider)} <patterns>`, `${provider.name} models (default: ${provider.modelsForHelp ?? provider.defaultModels})`));
    for (const alias of aliases) add(new Option(`--${alias}-models <patterns>`).hideHelp());
    for (const field of provider.extras ?? []) {
      if (seen.has(field.flag)) continue;
      seen.add(field.flag);
      add(extraFieldOption(field, provider));
    }
  }
  return command;
}

/** The extra-field flags of every provider, for `config add` (keys and models there are `--key`/`--models`). */
export function addExtraFieldFlags(command: Command): Command {
  for (const provider of PROVIDERS) {
    for (const field of provider.extras ?? []) command.addOption(extraFieldOption(field, provider));
    const variant = provider.keys?.variant;
    if (variant) command.addOption(new Option(`--${variant.flag.replace(/-key$/, '')}`, `${provider.name}: the key is a ${variant.label}`));
  }
  return command;
}

/** Failover, retries, timeouts and model map of one provider's ai-proxy entry (core/resilience.ts). */
const RESILIENCE_FLAGS: readonly [name: string, value: string, help: string][] = [
  ['failover', '', 'take a failing key out of the pool and probe it back with a health check'],
  ['health-check-model', '<model>', "model the health check asks (default: the provider's first usual model)"],
  ['failure-threshold', '<n>', 'failures before a key is taken out (default: 3)'],
  ['failover-on-status', '<list>', 'statuses that count as a failure, e.g. "429,5*" (default: 401,403,429,5*)'],
  ['retries', '<n>', 'retry a failed non-streaming request up to n times with another key of the pool (0 = off)'],
  ['retry-on-status', '<list>', 'statuses to retry on (default: 429,5*)'],
  ['timeout-ms', '<ms>', "ai-proxy's timeout for its own calls (context files, tokens); not the LLM request"],
  ['first-byte-timeout-ms', '<ms>', 'time to the first byte of a streaming answer, else 504'],
  ['model-map', '<from=to,...>', 'rename models before the provider sees them: exact, prefix* or ~regex (with ${1})'],
];

const resilienceOption = (flag: string, [name, value, help]: (typeof RESILIENCE_FLAGS)[number]) => new Option(`--${flag}${value ? ` ${value}` : ''}`, help);

export function addResilienceFlags(command: Command): Command {
  for (const spec of RESILIENCE_FLAGS) command.addOption(resilienceOption(spec[0], spec).helpGroup('Resilience (kept when not given):'));
  return command;
}

/**
 * `start` configures several providers at once: `--retries 2` applies to every provider this start configures,
 * `--<provider>-retries 2` (e.g. --deepseek-retries, --kimi-failover) to that one and wins over the former.
 * The per-provider flags are hidden (nine per provider), named once in the group's help.
 */
export function addStartResilienceFlags(command: Command): Command {
  const group = 'Resilience (every provider given to this start; --<provider>-<flag> for one, e.g. --deepseek-retries 2):';
  for (const spec of RESILIENCE_FLAGS) command.addOption(resilienceOption(spec[0], spec).helpGroup(group));
  for (const provider of PROVIDERS) {
    for (const stem of [provider.flag, ...aliasNames(provider)]) {
      for (const spec of RESILIENCE_FLAGS) command.addOption(resilienceOption(`${stem}-${spec[0]}`, spec).hideHelp());
    }
  }
  return command;
}
