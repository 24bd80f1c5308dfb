/**
 * The setup wizard's flow: providers, ports, auto-routing, summary, confirmation. Everything provider-specific
 * comes from the catalog; the result is the options object non-interactive `start` would have received.
 */
import { keyFlag, modelsFlag, PROVIDERS, providerById, type Extras, type Provider } from '../core/catalog.js';
import { CliError, InterruptedError } from '../core/errors.js';
import type { ProviderConfig } from '../core/gateway-files.js';
import { buildProviderConfig, checkExclusions, maskSecret, optionKey, type ProviderInput } from '../core/provider-config.js';
import { AUTO_MODEL } from '../core/routing.js';
import { isPortFree } from '../docker/ports.js';
import { askField, askKeys, askModels, askPorts, usageMessage, type Ports } from './ask.js';
import { CANCELLED, GoBack, plainKeysTheme, Prompter, type WizardIO } from './prompter.js';

export interface WizardSeed {
  dataFolder: string;
  bindAddress: string;
  /** Port defaults (flags, then settings); undefined when an existing container owns the ports. */
  ports?: Partial<Ports>;
  /** Providers already configured in the data folder. */
  configured: ProviderConfig[];
  /** Provider input given as flags, by provider id. */
  fromFlags: Map<string, ProviderInput>;
  autoRouting: { enabled: boolean; defaultModel?: string; alreadyOn: boolean };
  dryRun?: boolean;
}

/** Every option key `start` reads for one provider. */
export function providerFlags(provider: Provider): string[] {
  return [keyFlag(provider), provider.keys?.variant?.flag, modelsFlag(provider), ...(provider.extras ?? []).map((f) => f.flag)].filter(
    (flag): flag is string => flag !== undefined,
  );
}

/** A configured provider as wizard defaults (key files cannot be shown again: their path is not stored). */
export function inputFromConfigured(config: ProviderConfig): ProviderInput {
  const provider = providerById(config.id);
  const variant = provider.keys?.variant;
  const isVariant = variant !== undefined && Object.entries(variant.sets).every(([k, v]) => config.extras[k] === v);
  const extras: ProviderInput['extras'] = {};
  for (const field of provider.extras ?? []) {
    const value = config.extras[field.key];
    if (value !== undefined && !field.fromFile) extras[field.key] = typeof value === 'number' ? String(value) : value;
  }
  const tokens = config.tokens.length > 0 ? config.tokens : undefined;
  return { tokens: isVariant ? undefined : tokens, variantTokens: isVariant ? tokens : undefined, models: config.models, extras };
}

interface AuthMode {
  name: string;
  key?: { flag: string; message: string; variant: boolean };
  /** The alternative field set this mode uses instead of a key (asked as required). */
  fields: readonly string[];
}

/** The catalog's ways to authenticate: API key, its variant, and each alternative field set. */
function authModes(provider: Provider): AuthMode[] {
  const keys = provider.keys;
  const modes: AuthMode[] = [];
  if (!keys?.none) modes.push({ name: 'API key', key: { flag: keyFlag(provider)!, message: `${provider.name} API key`, variant: false }, fields: [] });
  if (keys?.variant) modes.push({ name: keys.variant.label, key: { flag: keys.variant.flag, message: keys.variant.label, variant: true }, fields: [] });
  for (const set of keys?.alternatives ?? []) {
    const labels = set.map((k) => provider.extras!.find((f) => f.key === k)!.label);
    const suffix = /\(([^)]+)\)$/.exec(labels[0]!)?.[1];
    const shared = suffix !== undefined && labels.every((l) => l.endsWith(`(${suffix})`));
    const names = shared ? labels.map((l) => l.slice(0, -suffix.length - 2).trim()) : labels;
    modes.push({ name: `${shared ? `${suffix}: ` : ''}${names.join(' + ')}`, fields: set });
  }
  return modes;
}

function currentMode(modes: AuthMode[], previous: ProviderInput | undefined): AuthMode | undefined {
  if (previous?.variantTokens) return modes.find((m) => m.key?.variant);
  const viaFields = modes.find((m) => m.fields.length > 0 && m.fields.every((k) => previous?.extras[k] !== undefined));
  return previous?.tokens ? modes[0] : (viaFields ?? modes[0]);
}

/** All questions of one provider; re-asked (answers kept as defaults) until the flag validation passes. */
async function askProvider(p: Prompter, provider: Provider, previous: ProviderInput | undefined, readFile?: (path: string) => string): Promise<ProviderInput> {
  for (;;) {
    p.say('');
    p.say(`${provider.name}:`);
    const modes = authModes(provider);
    let mode = currentMode(modes, previous);
    if (modes.length > 1) {
      const index = await p.ask((q, context) =>
        q.select(
          {
            message: `How does ${provider.name} authenticate?`,
            choices: modes.map((m, i) => ({ value: i, name: m.name })),
            default: Math.max(0, modes.indexOf(mode!)),
            theme: plainKeysTheme,
          },
          context,
        ),
      );
      mode = modes[index];
    }
    const answers: ProviderInput = { extras: {} };
    if (mode?.key) {
      const tokens = await askKeys(p, provider, {
        flag: mode.key.flag,
        message: mode.key.message,
        previous: mode.key.variant ? previous?.variantTokens : previous?.tokens,
        optional: Boolean(provider.keys?.optional),
      });
      if (mode.key.variant) answers.variantTokens = tokens;
      else answers.tokens = tokens;
    }
    const otherModesFields = new Set((provider.keys?.alternatives ?? []).flat().filter((k) => !mode?.fields.includes(k)));
    for (const field of provider.extras ?? []) {
      if (otherModesFields.has(field.key)) continue;
      const required = Boolean(field.required) || Boolean(mode?.fields.includes(field.key));
      const value = await askField(p, provider, field, { previous: previous?.extras[field.key], required, readFile });
      if (value !== undefined) answers.extras[field.key] = value;
    }
    // Models that follow from the key (DeepL's plan) are offered as computed from the answers so far.
    const computed = provider.modelsFor?.(answers.extras as Extras, answers.variantTokens ?? answers.tokens ?? []);
    answers.models = await askModels(p, provider, computed ?? previous?.models);
    const problem = usageMessage(() => buildProviderConfig(provider, answers, { readFile }));
    if (!problem) return answers;
    p.say(`  Not accepted: ${problem}. Please answer again.`);
    previous = answers;
  }
}

const DONE = ':done';

/** Why `provider` cannot join the others (catalog `excludes`), or undefined. */
function exclusionProblem(provider: Provider, picked: ReadonlyMap<string, unknown>, configured: ReadonlySet<string>, dataFolder: string): string | undefined {
  for (const other of new Set([...picked.keys(), ...configured])) {
    if (other === provider.id) continue;
    try {
      checkExclusions([provider.id, other]);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      const where = picked.has(other)
        ? `${providerById(other).name} is already picked`
        : `${providerById(other).name} is configured in ${dataFolder} (pick it and choose Remove first)`;
      return `  Refused: ${error.message}: ${error.hint ?? 'pick one of them'}. ${where}.`;
    }
  }
  return undefined;
}

/** The providers as the wizard sees them: answers given here, configured ones in the folder, and those to remove. */
interface Choices {
  picked: Map<string, ProviderInput>;
  removed: Set<string>;
}

/** Configured in the data folder and not marked for removal. */
function keptConfigured(seed: WizardSeed, removed: ReadonlySet<string>): Set<string> {
  return new Set(seed.configured.map((c) => c.id).filter((id) => !removed.has(id)));
}

/**
 * How well a typed term finds a provider: 0 an exact name or alias, 1 a name starting with it, 2 a name, model
 * family or key flag containing it ("glm" finds Zhipu AI, "code" finds Claude's Claude Code key), 3 not at all.
 */
export function providerSearchRank(pr: Provider, term: string): number {
  const t = term.trim().toLowerCase();
  const names = [pr.id, pr.flag, ...pr.aliases, pr.name].map((n) => n.toLowerCase());
  if (names.includes(t)) return 0;
  if (names.some((n) => n.startsWith(t))) return 1;
  const families = [...pr.defaultModels.split(','), ...pr.usualModels, pr.keys?.variant?.flag ?? ''].map((n) => n.replaceAll('*', '').toLowerCase());
  return [...names, ...families].some((n) => n !== '' && n.includes(t)) ? 2 : 3;
}

/** The provider list until Done. Esc in a provider's questions leaves it as it was; Esc in the list goes back. */
async function pickProviders(p: Prompter, seed: WizardSeed, { picked, removed }: Choices, readFile?: (path: string) => string): Promise<void> {
  const source = (term: string | undefined) => {
    const configured = keptConfigured(seed, removed);
    const t = (term ?? '').trim().toLowerCase();
    const rank = (pr: Provider) => providerSearchRank(pr, t);
    const matching = t ? PROVIDERS.filter((pr) => rank(pr) < 3).sort((a, b) => rank(a) - rank(b)) : [...PROVIDERS];
    const tag = (id: string) => (picked.has(id) || configured.has(id) ? ' [configured]' : removed.has(id) ? ' [to be removed]' : '');
    const choices: { value: string; name: string; description?: string; disabled?: string | boolean }[] = matching.map((pr) => ({
      value: pr.id,
      name: `${pr.name}${tag(pr.id)}`,
      description: `${pr.name} models: ${pr.defaultModels}`,
    }));
    if (!t) {
      const n = picked.size;
      const kept = [...configured].filter((id) => !picked.has(id)).length;
      const name = n > 0 ? `Done: continue with ${n} provider${n === 1 ? '' : 's'}` : kept > 0 ? 'Done: keep the configured providers' : 'Done';
      choices.unshift({ value: DONE, name, disabled: n === 0 && kept === 0 ? '(pick a provider first)' : false });
    }
    return choices;
  };
  for (;;) {
    const choice = await p.ask((q, context) =>
      q.search({ message: 'Add, change or remove a provider (type to filter; Esc goes back):', source, pageSize: 10, theme: plainKeysTheme }, context),
    );
    if (choice === DONE) return;
    const provider = providerById(choice);
    const configured = keptConfigured(seed, removed);
    const refused = exclusionProblem(provider, picked, configured, seed.dataFolder);
    if (refused) {
      p.say(refused);
      continue;
    }
    try {
      if (picked.has(provider.id) || configured.has(provider.id)) {
        const action = await p.ask((q, context) =>
          q.select(
            {
              message: `${provider.name}:`,
              choices: [
                { value: 'change', name: 'Change its settings' },
                { value: 'remove', name: configured.has(provider.id) ? `Remove it from ${seed.dataFolder}` : 'Remove it from this setup' },
                { value: 'keep', name: 'Keep it as it is' },
              ],
              theme: plainKeysTheme,
            },
            context,
          ),
        );
        if (action === 'keep') continue;
        if (action === 'remove') {
          picked.delete(provider.id);
          if (configured.has(provider.id)) removed.add(provider.id);
          p.say(`  ${provider.name} will be removed.`);
          continue;
        }
      }
      const previous = picked.get(provider.id) ?? seed.configured.filter((c) => c.id === provider.id).map(inputFromConfigured)[0];
      picked.set(provider.id, await askProvider(p, provider, previous, readFile));
      removed.delete(provider.id);
    } catch (error) {
      if (!(error instanceof GoBack)) throw error;
      p.say(`  (Esc: ${provider.name} left as it was)`);
    }
  }
}

/** `current`: the answer given earlier in this run (when coming back to this step). */
async function askAutoRouting(p: Prompter, seed: WizardSeed, ids: ReadonlySet<string>, current: { model?: string } | undefined): Promise<string | undefined> {
  if (seed.autoRouting.alreadyOn) {
    p.say(`Auto-routing (model ${AUTO_MODEL}) is on.`);
  } else {
    const on = await p.ask((q, context) =>
      q.confirm({ message: `Turn on auto-routing (model ${AUTO_MODEL} picks a model)?`, default: current ? current.model !== undefined : seed.autoRouting.enabled }, context),
    );
    if (!on) return undefined;
  }
  const TYPE = ':type';
  const models = new Map<string, string>();
  const previous = current?.model ?? seed.autoRouting.defaultModel;
  if (previous) models.set(previous, 'current default');
  for (const provider of PROVIDERS.filter((pr) => ids.has(pr.id))) {
    for (const model of provider.usualModels) if (!models.has(model)) models.set(model, `served by ${provider.name}`);
  }
  const choices = [...models].map(([value, description]) => ({ value, name: value, description }));
  choices.push({ value: TYPE, name: 'Type another model name', description: 'any model a configured provider serves' });
  const picked = await p.ask((q, context) =>
    q.select({ message: `Default model for ${AUTO_MODEL}:`, choices, default: choices[0]!.value, pageSize: 10, theme: plainKeysTheme }, context),
  );
  if (picked !== TYPE) return picked;
  const typed = await p.ask((q, context) =>
    q.input(
      {
        message: 'Default model name:',
        default: previous,
        validate: (v) => (/^[^\s,]+$/.test(v.trim()) ? true : 'one model name, without spaces or commas'),
      },
      context,
    ),
  );
  return typed.trim();
}

function summary(p: Prompter, seed: WizardSeed, { picked, removed }: Choices, ports: Ports | undefined, autoModel: string | undefined): void {
  p.say('');
  p.say('Summary:');
  for (const [id, input] of picked) {
    const provider = providerById(id);
    const masked = (tokens: string[] | undefined) => tokens?.map(maskSecret).join(', ');
    const keys = input.variantTokens
      ? `${provider.keys!.variant!.label}: ${masked(input.variantTokens)}`
      : input.tokens
        ? `key${input.tokens.length > 1 ? ' pool' : ''} ${masked(input.tokens)}`
        : 'no key';
    p.say(`  ${provider.name}: ${keys}`);
    p.say(`    models ${input.models}`);
    for (const field of provider.extras ?? []) {
      const value = input.extras[field.key];
      if (value === undefined) continue;
      const shown = typeof value === 'boolean' ? (value ? 'yes' : 'no') : field.secret && !field.fromFile ? maskSecret(value) : value;
      p.say(`    ${field.label}: ${shown}`);
    }
  }
  const unchanged = seed.configured.filter((c) => !picked.has(c.id) && !removed.has(c.id)).map((c) => providerById(c.id).name);
  if (unchanged.length > 0) p.say(`  Unchanged: ${unchanged.join(', ')}`);
  if (removed.size > 0) p.say(`  Removed: ${[...removed].map((id) => providerById(id).name).join(', ')}`);
  p.say(
    ports
      ? `  Ports on ${seed.bindAddress}: HTTP ${ports.http}, HTTPS ${ports.https}, console ${ports.console}`
      : '  Ports: those of the existing container',
  );
  p.say(`  Auto-routing: ${autoModel ? `on, default model ${autoModel}` : seed.autoRouting.alreadyOn ? 'on' : 'off'}`);
  p.say(`  Data folder: ${seed.dataFolder}`);
  p.say('');
}

type Step = 'providers' | 'ports' | 'routing' | 'summary';

/** The summary's question: write, go back to a section (answers kept), or cancel. */
async function confirmOrEdit(p: Prompter, seed: WizardSeed, steps: readonly Step[]): Promise<'write' | Step> {
  const choices: { value: 'write' | 'cancel' | Step; name: string }[] = [
    { value: 'write', name: seed.dryRun ? 'Yes, show the plan' : 'Yes, write it and start' },
    { value: 'providers', name: 'Change the providers (add, change or remove)' },
  ];
  if (steps.includes('ports')) choices.push({ value: 'ports', name: 'Change the ports' });
  choices.push({ value: 'routing', name: 'Change auto-routing' });
  choices.push({ value: 'cancel', name: 'No, cancel: nothing is written' });
  const answer = await p.ask((q, context) =>
    q.select(
      {
        message: seed.dryRun ? 'Show the plan for this setup (nothing is written)?' : 'Write this configuration and start the gateway?',
        choices,
        theme: plainKeysTheme,
      },
      context,
    ),
  );
  if (answer === 'cancel') throw new InterruptedError(CANCELLED);
  return answer;
}

/** Runs the wizard and returns `options` with the answers in place of the provider, port and routing flags. */
export async function runWizard(options: Record<string, unknown>, seed: WizardSeed, io: WizardIO = {}): Promise<Record<string, unknown>> {
  const p = new Prompter(io);
  const readFile = io.readFile;
  checkExclusions([...seed.fromFlags.keys()]);

  p.say('Set up the Higress AI Gateway.');
  p.say('Several API keys separated by commas make a key pool. Esc goes back one step,');
  p.say('Ctrl-C cancels; nothing is written before the final confirmation.');
  const choices: Choices = { picked: new Map<string, ProviderInput>(), removed: new Set<string>() };
  const { picked, removed } = choices;
  for (const [id, input] of seed.fromFlags) {
    const provider = providerById(id);
    const problem = usageMessage(() => buildProviderConfig(provider, input, { readFile }));
    if (!problem) {
      picked.set(id, input);
      continue;
    }
    p.say(`  ${provider.name} from the flags: ${problem}.`);
    try {
      picked.set(id, await askProvider(p, provider, input, readFile));
    } catch (error) {
      if (!(error instanceof GoBack)) throw error;
      p.say(`  (Esc: ${provider.name} from the flags is left out)`);
    }
  }

  const steps: Step[] = ['providers', ...(seed.ports ? (['ports'] as const) : []), 'routing', 'summary'];
  let ports: Ports | undefined;
  let routing: { model?: string } | undefined;
  let back = false;
  // A section changed from the summary leads back to the summary (Esc in it too).
  let fromSummary = false;
  const summaryAt = steps.indexOf('summary');
  for (let at = 0; ; ) {
    const step = steps[at]!;
    const cameBack = back;
    back = false;
    try {
      if (step === 'providers') {
        await pickProviders(p, seed, choices, readFile);
      } else if (step === 'ports') {
        ports = await askPorts(p, seed.bindAddress, ports ?? seed.ports!, io.isPortFree ?? isPortFree, cameBack);
      } else if (step === 'routing') {
        const ids = new Set([...picked.keys(), ...keptConfigured(seed, removed)]);
        routing = { model: await askAutoRouting(p, seed, ids, routing) };
      } else {
        summary(p, seed, choices, ports, routing?.model);
        const next = await confirmOrEdit(p, seed, steps);
        if (next === 'write') break;
        at = steps.indexOf(next);
        fromSummary = true;
        continue;
      }
      at = fromSummary ? summaryAt : at + 1;
    } catch (error) {
      if (!(error instanceof GoBack)) throw error;
      if (fromSummary) {
        at = summaryAt;
        continue;
      }
      // Esc before the first step: leave, nothing written.
      if (at === 0) throw new InterruptedError(CANCELLED, { cause: error.cause ?? error });
      at--;
      back = true;
    }
  }
  const autoModel = routing?.model;

  const result: Record<string, unknown> = { ...options };
  for (const [id, input] of picked) {
    const provider = providerById(id);
    for (const flag of providerFlags(provider)) delete result[optionKey(flag)];
    const key = keyFlag(provider);
    if (key && input.tokens) result[optionKey(key)] = input.tokens;
    if (input.variantTokens) result[optionKey(provider.keys!.variant!.flag)] = input.variantTokens;
    result[optionKey(modelsFlag(provider))] = input.models;
    for (const field of provider.extras ?? []) {
      const value = input.extras[field.key];
      if (value !== undefined) result[optionKey(field.flag)] = value;
    }
  }
  // A provider given as flags and then removed (or left out with Esc) is not configured from its flags.
  for (const id of seed.fromFlags.keys()) {
    if (!picked.has(id)) for (const flag of providerFlags(providerById(id))) delete result[optionKey(flag)];
  }
  if (removed.size > 0) result.removeProviders = [...removed];
  if (ports) Object.assign(result, { httpPort: String(ports.http), httpsPort: String(ports.https), consolePort: String(ports.console) });
  delete result.autoRouting;
  delete result.autoRoutingDefaultModel;
  if (autoModel) Object.assign(result, { autoRouting: true, autoRoutingDefaultModel: autoModel });
  return result;
}
