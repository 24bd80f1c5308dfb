/**
 * The wizard's three questions, all driven by the catalog: one extra field, a provider's keys, the ports.
 * Each answer is checked by the same code that checks flags; a problem re-asks with the reason.
 */
import type { ExtraField, Provider } from '../core/catalog.js';
import { UsageError } from '../core/errors.js';
import { validateModelPatterns } from '../core/model-patterns.js';
import { buildProviderConfig, checkToken, maskSecret, splitKeyList } from '../core/provider-config.js';
import { GoBack, plainKeysTheme, type Prompter } from './prompter.js';

export type RawValue = string | boolean;

/**
 * Live validation: the prompt library checks only on Enter, but it re-renders the typed text through a
 * transformer on every key; the problem with the text so far is shown after it, in words.
 */
export function liveProblem(check: (value: string) => string | true) {
  return (value: string, { isFinal }: { isFinal: boolean }): string => {
    if (isFinal || !value.trim()) return value;
    const problem = check(value);
    return problem === true ? value : `${value}  <- ${problem}`;
  };
}

export function usageMessage(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
}

/**
 * What flag validation says about one field's value, worded with the field's label; undefined when the
 * value itself is fine (problems that need other answers are left to the provider's final check).
 */
export function fieldProblem(provider: Provider, field: ExtraField, raw: RawValue, readFile?: (path: string) => string): string | undefined {
  const attempt = (extras: Record<string, RawValue>) => usageMessage(() => buildProviderConfig(provider, { extras }, { readFile }));
  const problem = attempt({ [field.key]: raw });
  if (problem === undefined || !problem.startsWith(`--${field.flag}`) || problem === attempt({})) return undefined;
  return field.label + problem.slice(field.flag.length + 2);
}

export interface FieldOptions {
  previous?: RawValue;
  required: boolean;
  readFile?: (path: string) => string;
}

/** Asks one catalog field by its kind; undefined when an optional field is left empty. */
export async function askField(p: Prompter, provider: Provider, field: ExtraField, opts: FieldOptions): Promise<RawValue | undefined> {
  const check = (raw: RawValue) => fieldProblem(provider, field, raw, opts.readFile) ?? true;
  const initial = opts.previous ?? field.default;
  const message = field.label;

  if (field.kind === 'boolean') {
    const value = initial === true || (typeof initial === 'string' && /^(true|yes|1|on)$/i.test(initial));
    return p.ask((q, context) => q.confirm({ message, default: value }, context));
  }
  if (field.kind === 'choice') {
    const choices = (field.choices ?? []).map((value) => ({ value, name: value }));
    if (!opts.required && field.default === undefined) choices.unshift({ value: '', name: '(not set)' });
    const answer = await p.ask((q, context) =>
      q.select({ message, choices, default: initial === undefined ? choices[0]!.value : String(initial), theme: plainKeysTheme }, context),
    );
    return answer === '' ? undefined : answer;
  }
  if (field.kind === 'number') {
    const n = initial === undefined ? undefined : Number(initial);
    const answer = await p.ask((q, context) =>
      q.number(
        { message, default: Number.isFinite(n) ? n : undefined, required: opts.required, validate: (v: number | undefined) => (v === undefined ? true : check(String(v))) },
        context,
      ),
    );
    return answer === undefined ? undefined : String(answer);
  }

  if (field.example) p.say(`  For example: ${field.example}`);
  if (field.secret && !field.fromFile) {
    const keep = initial === undefined || initial === '' ? undefined : String(initial);
    const note = keep ? ` (enter keeps ${maskSecret(keep)})` : opts.required ? '' : ' (optional)';
    const answer = await p.ask((q, context) =>
      q.password(
        { message: message + note, mask: '*', validate: (v) => (v.trim() ? check(v.trim()) : keep || !opts.required ? true : `${message} is required`) },
        context,
      ),
    );
    return answer.trim() || keep;
  }
  const fallback = initial === undefined || initial === '' ? undefined : String(initial);
  const answer = await p.ask((q, context) =>
    q.input(
      {
        message: opts.required || fallback !== undefined ? message : `${message} (optional)`,
        default: fallback,
        validate: (v) => (v.trim() ? check(v.trim()) : opts.required ? `${message} is required` : true),
        transformer: liveProblem((v) => check(v.trim())),
      },
      context,
    ),
  );
  return answer.trim() || undefined;
}

export interface KeyOptions {
  /** The flag the tokens go to (for the catalog's token check). */
  flag: string;
  message: string;
  previous?: string[];
  optional: boolean;
}

/** Asks a key pool (comma-separated) with a masked prompt; undefined when an optional key is left empty. */
export async function askKeys(p: Prompter, provider: Provider, opts: KeyOptions): Promise<string[] | undefined> {
  const keep = opts.previous?.length ? opts.previous : undefined;
  const note = keep ? ` (enter keeps ${keep.map(maskSecret).join(', ')})` : opts.optional ? ' (optional)' : '';
  const validate = (value: string): string | true => {
    const tokens = splitKeyList(value);
    if (tokens.length === 0) return keep || opts.optional ? true : 'enter the key (several keys: separate them with commas)';
    for (const token of tokens) {
      const problem = usageMessage(() => checkToken(provider, token, opts.flag));
      if (problem) return problem.replace(`--${opts.flag}`, 'the key');
    }
    return true;
  };
  const answer = await p.ask((q, context) => q.password({ message: opts.message + note, mask: '*', validate }, context));
  const tokens = splitKeyList(answer);
  return tokens.length > 0 ? tokens : keep;
}

/** The model patterns a provider serves, checked like --<provider>-models. */
export async function askModels(p: Prompter, provider: Provider, previous: string | undefined): Promise<string> {
  const answer = await p.ask((q, context) =>
    q.input(
      {
        message: `${provider.name} model patterns (comma-separated, * = any)`,
        default: previous ?? provider.defaultModels,
        validate: (v) => validateModelPatterns(v) ?? true,
        transformer: liveProblem((v) => validateModelPatterns(v) ?? true),
      },
      context,
    ),
  );
  return answer.replace(/\s+/g, '');
}

export type PortName = 'http' | 'https' | 'console';
export type Ports = Record<PortName, number>;
const PORT_LABELS: Record<PortName, string> = { http: 'HTTP port', https: 'HTTPS port', console: 'Console port' };

/** The three published ports: each 1–65535, distinct, and free on the bind address when typed. */
export async function askPorts(
  p: Prompter,
  bindAddress: string,
  defaults: Partial<Ports>,
  isPortFree: (host: string, port: number) => Promise<boolean>,
  /** Coming back with Esc from the step after: start at the last port. */
  fromLast = false,
): Promise<Ports> {
  const chosen: Partial<Ports> = {};
  const problem = async (port: number | undefined): Promise<string | true> => {
    if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return 'must be a port number from 1 to 65535';
    const clash = (Object.keys(chosen) as PortName[]).find((name) => chosen[name] === port);
    if (clash) return `${port} is already the ${PORT_LABELS[clash]}; the ports must differ`;
    if (!(await isPortFree(bindAddress, port))) return `port ${port} on ${bindAddress} is in use; pick another`;
    return true;
  };
  const names = Object.keys(PORT_LABELS) as PortName[];
  const answers: Partial<Ports> = { ...defaults };
  for (let at = fromLast ? names.length - 1 : 0; at < names.length; ) {
    const name = names[at]!;
    // Only the ports before this one count for clashes (an answer after it is asked again).
    for (const key of Object.keys(chosen) as PortName[]) delete chosen[key];
    for (const before of names.slice(0, at)) chosen[before] = answers[before];
    try {
      answers[name] = await p.ask((q, context) =>
        q.number({ message: `${PORT_LABELS[name]} on ${bindAddress}`, default: answers[name], required: true, validate: problem }, context),
      );
      at++;
    } catch (error) {
      // Esc: back to the port before (its answer is the default), or out of this step from the first one.
      if (!(error instanceof GoBack) || at === 0) throw error;
      at--;
    }
  }
  return answers as Ports;
}
