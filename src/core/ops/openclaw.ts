/** `openclaw`: point OpenClaw (or its predecessor clawdbot) at the gateway as provider `higress`. */
import { commandHint } from '../command-line.js';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { constants } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { Output } from '../../ui/output.js';
import { USUAL_MODEL_FACTS } from '../catalog.js';
import { loadFiles } from '../gateway-read.js';
import { resolveDeployment } from '../deployment.js';
import { OperationalError, UsageError } from '../errors.js';
import { DEFAULT_SETTINGS } from '../settings.js';
import { FILES } from '../gateway-files.js';
import { readSettingsIn } from '../settings.js';
import { scanJson5, setJson5Path, styleOf } from './json5-edit.js';
import { gatewayBaseUrl, modelsView, type ModelsView } from './models.js';
import { chooseRuntime, findCommand, RUNTIME_NAME, runtimeConfig, wouldShadow, type Runtime, type Surroundings } from './openclaw-target.js';

export const PROVIDER_KEY = 'higress';
export const PROVIDER_PATH = ['models', 'providers', PROVIDER_KEY];
/** The variable clients read the gateway access key from (shared decision with the access-keys work). */
export const ACCESS_KEY_ENV = 'GET_AI_GATEWAY_KEY';
/** What earlier versions wrote as apiKey; replaced on the next run. */
const OLD_PLACEHOLDER_KEY = 'higress-local';
const BACKUPS_KEPT = 3;

export interface OpenClawModel {
  id: string;
  name: string;
  [extra: string]: unknown;
}

export interface OpenClawProvider {
  baseUrl: string;
  api: 'openai-completions';
  apiKey?: unknown;
  models: OpenClawModel[];
  [extra: string]: unknown;
}

/** Is gateway access control on? Then clients must send a key (core/access.ts decides, as for every command). */
export async function gatewayRequiresKey(dataFolder: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(join(dataFolder, FILES.keyAuth), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new OperationalError(`could not read the access-control file: ${(error as Error).message}`, { cause: error });
  }
  const [{ load }, { YAML11_READ_SCHEMA }, { accessStateOf }] = await Promise.all([import('js-yaml'), import('../yaml11.js'), import('../access.js')]);
  return accessStateOf(load(text, { schema: YAML11_READ_SCHEMA })).enabled;
}

/**
 * apiKey as a reference to GET_AI_GATEWAY_KEY, never the key itself: OpenClaw's SecretRef object
 * (openclaw docs/gateway/secrets/secretref-contract.md), clawdbot's `${VAR}` substitution
 * (clawdbot dist/config/env-substitution.js; its schema takes only a string, dist/config/zod-schema.core.js).
 */
export function accessKeyReference(runtime: Runtime): unknown {
  return runtime === 'openclaw' ? { source: 'env', provider: 'default', id: ACCESS_KEY_ENV } : `\${${ACCESS_KEY_ENV}}`;
}

/**
 * How the runtime names a model of provider `higress` (in `--model`, `models set`, agents.defaults.model):
 * OpenClaw keeps an id that already starts with `higress/` as is (`modelKey`, dist/model-key-*.mjs);
 * clawdbot splits at the first slash (`parseModelRef`, dist/agents/model-selection.js), so `higress/auto`
 * is `higress/higress/auto` there.
 */
export function modelRef(runtime: Runtime, id: string): string {
  if (runtime === 'openclaw' && id.toLowerCase().startsWith(`${PROVIDER_KEY}/`)) return id;
  return `${PROVIDER_KEY}/${id}`;
}

/** The models OpenClaw should offer: each provider's concrete models (with what the catalog knows), and higress/auto when auto-routing is on. */
export function desiredModels(view: ModelsView): OpenClawModel[] {
  const models: OpenClawModel[] = [];
  const seen = new Set<string>();
  for (const p of view.providers) {
    for (const id of p.models) {
      if (seen.has(id)) continue;
      seen.add(id);
      // A name offered with the provider's `<id>/` prefix is still that model.
      const bare = id.startsWith(`${p.id}/`) ? id.slice(p.id.length + 1) : id;
      models.push({ id, name: `${id} (${p.name} via Higress)`, ...(USUAL_MODEL_FACTS[id] ?? USUAL_MODEL_FACTS[bare]) });
    }
  }
  if (view.autoRouting.enabled && !seen.has(view.autoRouting.model)) {
    models.push({ id: view.autoRouting.model, name: `Higress auto-routing (default ${view.autoRouting.defaultModel ?? 'none'})` });
  }
  return models;
}

/** Is `id` still something the gateway routes (so a model the user added by hand is kept)? */
function routable(view: ModelsView, id: string): boolean {
  if (id === view.autoRouting.model) return view.autoRouting.enabled;
  if (view.resolve) return view.resolve(id).provider !== null;
  return view.providers.some((p) => p.models.includes(id));
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A value we wrote ourselves as apiKey (removed when the gateway needs no key). */
const isOurKeyValue = (v: unknown) => v === OLD_PLACEHOLDER_KEY || v === '' || isDeepStrictEqual(v, accessKeyReference('openclaw')) || v === accessKeyReference('clawdbot');

/**
 * The `higress` provider entry to write: our fields set, the user's other fields, model details and
 * own apiKey kept. Models keep their order; new ones go at the end, ones the gateway no longer routes go.
 */
export function buildProvider(previous: unknown, view: ModelsView, apiKey: unknown): OpenClawProvider {
  const prev = isRecord(previous) ? previous : {};
  const prevModels = Array.isArray(prev.models) ? prev.models.filter(isRecord).filter((m) => typeof m.id === 'string') : [];
  const ours = new Map(desiredModels(view).map((m) => [m.id, m]));
  const models: OpenClawModel[] = [];
  for (const old of prevModels) {
    const mine = ours.get(old.id as string);
    if (mine) models.push({ ...mine, ...old, name: typeof old.name === 'string' && old.name ? old.name : mine.name } as OpenClawModel);
    else if (routable(view, old.id as string)) models.push(old as OpenClawModel);
  }
  const present = new Set(models.map((m) => m.id));
  for (const m of ours.values()) if (!present.has(m.id)) models.push(m);

  const next: Record<string, unknown> = { ...prev, baseUrl: view.baseUrl, api: 'openai-completions', apiKey: undefined, models };
  const userKey = prev.apiKey !== undefined && !isOurKeyValue(prev.apiKey);
  if (userKey) next.apiKey = prev.apiKey;
  else if (apiKey !== undefined) next.apiKey = apiKey;
  if (next.apiKey === undefined) delete next.apiKey;
  return next as OpenClawProvider;
}

function getPath(value: unknown, path: string[]): unknown {
  let at = value;
  for (const key of path) {
    if (!isRecord(at)) return undefined;
    at = at[key];
  }
  return at;
}

function setPath(value: Record<string, unknown>, path: string[], next: unknown): Record<string, unknown> {
  const copy = structuredClone(value);
  let at: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    if (!isRecord(at[key])) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[path[path.length - 1]!] = next;
  return copy;
}

export interface MergeOptions {
  /** apiKey for a new entry (undefined: none). */
  apiKey?: unknown;
  /** agents.defaults.model to set (a model reference), or undefined to leave it alone. */
  defaultModel?: string;
  /** The runtime's name, for messages. */
  runtimeName?: string;
}

export interface MergeResult {
  changed: boolean;
  text: string;
  provider: OpenClawProvider;
  /** Comments and formatting outside what changed survived. */
  preserved: boolean;
  /** How many comments the original had (lost when not preserved). */
  comments: number;
}

/** Where the default model goes: `agents.defaults.model` when it is a string, else its `primary`. */
function defaultModelPath(config: unknown): string[] {
  return typeof getPath(config, ['agents', 'defaults', 'model']) === 'string' ? ['agents', 'defaults', 'model'] : ['agents', 'defaults', 'model', 'primary'];
}

/** Merges the provider (and the default model) into the config text (empty = no file yet). Pure: parse is passed in (json5). */
export function mergeOpenClawConfig(text: string, view: ModelsView, parse: (text: string) => unknown, options: MergeOptions = {}): MergeResult {
  const blank = text.trim() === '';
  const name = options.runtimeName ?? 'OpenClaw';
  let config: unknown = {};
  if (!blank) {
    try {
      config = parse(text);
    } catch (error) {
      throw new UsageError(`the ${name} config is not valid JSON5: ${(error as Error).message}`, { hint: 'fix the file, or point --config at another one' });
    }
  }
  if (!isRecord(config)) throw new UsageError(`the ${name} config is not a JSON object`);
  const edits: [string[], unknown][] = [];
  const provider = buildProvider(getPath(config, PROVIDER_PATH), view, options.apiKey);
  edits.push([PROVIDER_PATH, provider]);
  if (options.defaultModel !== undefined) edits.push([defaultModelPath(config), options.defaultModel]);
  for (const [path] of edits) {
    for (let depth = 1; depth < path.length; depth++) {
      const at = getPath(config, path.slice(0, depth));
      if (at !== undefined && !isRecord(at)) {
        throw new UsageError(`${path.slice(0, depth).join('.')} in the ${name} config is not an object`, { hint: 'fix the file by hand first' });
      }
    }
  }
  const expected = edits.reduce((c, [path, value]) => setPath(c, path, value), config);
  if (isDeepStrictEqual(config, expected)) return { changed: false, text, provider, preserved: true, comments: 0 };

  const info = blank ? undefined : scanJson5(text);
  const comments = info?.comments ?? 0;
  if (info) {
    const style = styleOf(text, info);
    let edited = text;
    let current: unknown = config;
    let inPlace = true;
    for (const [path, value] of edits) {
      const r = setJson5Path(edited, path, value, current, style);
      if (!r.inPlace) {
        inPlace = false;
        break;
      }
      edited = r.text;
      try {
        current = parse(edited);
      } catch {
        inPlace = false;
        break;
      }
    }
    // The edit is kept only when the file now says exactly what it should.
    if (inPlace && isDeepStrictEqual(current, expected)) return { changed: true, text: withNewline(edited), provider, preserved: true, comments };
  }
  return { changed: true, text: JSON.stringify(expected, null, 2) + '\n', provider, preserved: comments === 0, comments };
}

const withNewline = (text: string) => (text.endsWith('\n') ? text : text + '\n');

export function backupName(file: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${file}.bak-${stamp}`;
}

/** A copy beside the file; only the newest backups of ours are kept. */
async function backup(file: string): Promise<string> {
  const base = backupName(file);
  let target = base;
  for (let n = 0; ; n++) {
    target = n === 0 ? base : `${base}-${n}`;
    try {
      await copyFile(file, target, constants.COPYFILE_EXCL);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n > 100) throw error;
    }
  }
  await pruneBackups(file).catch(() => {});
  return target;
}

/** Deletes all but the newest BACKUPS_KEPT `<file>.bak-<UTC stamp>[-n]` files (only names we make). */
export async function pruneBackups(file: string, keep = BACKUPS_KEPT): Promise<string[]> {
  const dir = dirname(file);
  const ours = new RegExp(`^${basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.bak-(\\d{8}T\\d{6}Z)(?:-(\\d+))?$`);
  const backups = (await readdir(dir))
    .map((name) => ({ name, m: ours.exec(name) }))
    .filter((b) => b.m)
    .sort((a, b) => a.m![1]!.localeCompare(b.m![1]!) || Number(a.m![2] ?? 0) - Number(b.m![2] ?? 0));
  const old = backups.slice(0, Math.max(0, backups.length - keep)).map((b) => join(dir, b.name));
  for (const path of old) await unlink(path);
  return old;
}

/** temp + rename beside the file, keeping its permission bits (the file may hold other providers' keys). */
async function writeAtomically(path: string, text: string): Promise<void> {
  // A config that is a symbolic link (dotfiles repositories) stays one: write where it points.
  const file = await realpath(path).catch(() => path);
  const mode = await stat(file).then((s) => s.mode & 0o777, () => 0o600);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, text, { mode, flag: 'wx' });
    await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw new OperationalError(`could not write ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function surroundings(): Surroundings {
  return { env: process.env, exists: existsSync, osHome: homedir, cwd: process.cwd() };
}

interface Target {
  runtime: Runtime;
  path: string;
  /** How it was chosen, for messages. */
  how: string;
  /** The file the runtime reads (differs from path only with --config). */
  reads: string;
}

function target(options: Record<string, unknown>, s: Surroundings): Target {
  const runtime = chooseRuntime(options.runtime as string | undefined, s.env);
  const profile = options.profile as string | undefined;
  const reads = runtimeConfig(runtime, s, profile);
  if (options.config) return { runtime, path: resolve(s.cwd, options.config as string), how: '--config', reads: reads.path };
  return { runtime, path: reads.path, how: reads.how, reads: reads.path };
}

/** Which model `--default-model` names: a model id the entry offers, with or without the `higress/` prefix. */
function pickDefaultModel(value: string, runtime: Runtime, ids: string[]): string {
  const wanted = value.trim();
  const id = ids.includes(wanted) ? wanted : ids.find((m) => modelRef(runtime, m) === wanted || `${PROVIDER_KEY}/${m}` === wanted);
  if (!id) {
    throw new UsageError(`--default-model ${JSON.stringify(value)} is not a model the gateway offers ${RUNTIME_NAME[runtime]}`, {
      hint: `use one of: ${ids.join(', ')}`,
    });
  }
  return modelRef(runtime, id);
}

export async function runOpenClaw(options: Record<string, unknown>, out: Output): Promise<void> {
  const s = surroundings();
  if (options.check) return runCheck(options, s, out);
  const where = target(options, s);
  const name = RUNTIME_NAME[where.runtime];
  const deployment = await resolveDeployment(options);
  const settings = readSettingsIn(deployment.dataFolder);
  if (!settings) out.warn(`no settings file in ${deployment.dataFolder}: using the default HTTP port ${DEFAULT_SETTINGS.httpPort}`);
  const st = settings ?? DEFAULT_SETTINGS;
  const view = modelsView(await loadFiles(deployment), gatewayBaseUrl(st.bindAddress, st.httpPort));
  if (view.providers.length === 0) {
    throw new OperationalError(`no providers configured in ${deployment.dataFolder}: the gateway has no models to offer ${name}`, {
      code: 'providers.none',
      hint: `add one first: ${commandHint('config add', deployment, '--provider openai --key-env OPENAI_API_KEY')}`,
    });
  }
  const keyRequired = await gatewayRequiresKey(deployment.dataFolder);

  const text = await readFile(where.path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw new OperationalError(`could not read ${where.path}: ${error.message}`, { cause: error });
  });
  const existed = existsSync(where.path);
  const { default: JSON5 } = await import('json5');
  const parse = (t: string) => JSON5.parse(t);
  const offered = buildProvider(text.trim() ? getPath(safeParse(text, parse), PROVIDER_PATH) : undefined, view, undefined).models.map((m) => m.id);
  const defaultModel = options.defaultModel === undefined ? undefined : pickDefaultModel(String(options.defaultModel), where.runtime, offered);
  const merge = mergeOpenClawConfig(text, view, parse, { apiKey: keyRequired ? accessKeyReference(where.runtime) : undefined, defaultModel, runtimeName: name });

  if (merge.changed && !existed) {
    const hidden = wouldShadow(where.path, s, options.profile ? { runtime: where.runtime, name: String(options.profile) } : undefined);
    if (hidden) {
      throw new UsageError(`creating ${where.path} would hide ${hidden.path}, the config ${RUNTIME_NAME[hidden.runtime]} reads now`, {
        hint: `add the gateway to that file instead: get-ai-gateway openclaw --config ${hidden.path}`,
      });
    }
  }
  const dryRun = Boolean(options.dryRun);
  const action = !merge.changed ? 'unchanged' : dryRun ? 'dry-run' : existed ? 'updated' : 'created';

  let backupPath: string | null = null;
  if (merge.changed && !dryRun) {
    if (existed) backupPath = await backup(where.path);
    await writeAtomically(where.path, merge.text);
  }
  const commentsLost = merge.changed && !merge.preserved;
  const models = merge.provider.models.map((m) => m.id);
  const apiKey = merge.provider.apiKey === undefined ? null : isOurKeyValue(merge.provider.apiKey) ? `env ${ACCESS_KEY_ENV}` : 'yours (kept)';
  if (out.json) {
    return out.result({
      config: where.path,
      runtime: where.runtime,
      resolvedBy: where.how,
      runtimeReads: where.reads,
      action,
      backup: backupPath,
      commentsLost,
      accessKeyRequired: keyRequired,
      defaultModel: defaultModel ?? null,
      models: models.map((id) => modelRef(where.runtime, id)),
      patch: { [PROVIDER_PATH.join('.')]: merge.provider, ...(defaultModel ? { 'agents.defaults.model': defaultModel } : {}) },
    });
  }
  const reads = where.reads === where.path ? `${name} reads it: ${where.how}` : `note: ${name} reads ${where.reads}, not this file, unless told otherwise`;
  if (!merge.changed) {
    out.say(`${where.path} already points ${name} at the gateway (${merge.provider.baseUrl}, ${models.length} models); nothing changed.`);
    out.say(`(${reads})`);
  } else if (dryRun) {
    out.say(`Would ${existed ? 'update' : 'create'} ${where.path} (${reads}) with:`);
    out.say(`${PROVIDER_PATH.join('.')} = ${JSON.stringify(merge.provider, null, 2)}`);
    if (defaultModel) out.say(`agents.defaults.model = ${JSON.stringify(defaultModel)}`);
    if (commentsLost) out.say(`(its ${merge.comments} comment${merge.comments === 1 ? '' : 's'} would be lost: the file could not be edited in place)`);
    out.say('Dry run: nothing written.');
    return;
  } else {
    out.say(`${existed ? 'Updated' : 'Created'} ${where.path} (${reads}): provider ${PROVIDER_KEY} → ${merge.provider.baseUrl} with ${models.length} model${models.length === 1 ? '' : 's'} (${models.join(', ')}).`);
    if (backupPath) out.say(`Backup: ${backupPath}`);
    if (commentsLost) out.warn(`the file's ${merge.comments} comment${merge.comments === 1 ? ' was' : 's were'} lost (it could not be edited in place); the backup has them.`);
    else if (existed) out.say('Everything else in the file (comments and formatting included) is unchanged.');
  }
  if (keyRequired && apiKey === `env ${ACCESS_KEY_ENV}`) out.say(`The gateway requires an access key: ${name} reads it from ${ACCESS_KEY_ENV} (export it where ${name} runs).`);
  if (defaultModel) out.say(`${name}'s default model: ${defaultModel}.`);
  else {
    const refs = models.map((id) => modelRef(where.runtime, id));
    out.say(`${name} names them ${refs.length > 3 ? `${refs.slice(0, 2).join(', ')}, …, ${refs.at(-1)}` : refs.join(', ')}; make one the default (comments kept): get-ai-gateway openclaw --default-model ${models[0]}`);
  }
}

function safeParse(text: string, parse: (t: string) => unknown): unknown {
  try {
    return parse(text);
  } catch {
    return undefined; // reported by the merge
  }
}

/**
 * `--check`: the runtime's own validation of the file. OpenClaw: `openclaw config validate --json`
 * (valid, warnings). clawdbot has no validate command; `clawdbot config get <path> --json` validates the
 * whole file first and exits 1 listing the problems (dist/cli/config-cli.js `loadValidConfig`).
 */
async function runCheck(options: Record<string, unknown>, s: Surroundings, out: Output): Promise<void> {
  const where = target(options, s);
  const name = RUNTIME_NAME[where.runtime];
  const command = findCommand(where.runtime, s.env);
  if (!command) {
    throw new OperationalError(`${name} is not installed here (no ${where.runtime} on PATH): nothing to check ${where.path} with`, {
      hint: where.runtime === 'openclaw' ? 'install it: npm install -g openclaw' : 'run the check where clawdbot is installed',
    });
  }
  const env: Record<string, string | undefined> = { ...s.env };
  if (where.how === '--config') env[where.runtime === 'openclaw' ? 'OPENCLAW_CONFIG_PATH' : 'CLAWDBOT_CONFIG_PATH'] = where.path;
  const profileArgs = options.profile ? ['--profile', String(options.profile)] : [];
  const args = where.runtime === 'openclaw' ? [...profileArgs, 'config', 'validate', '--json'] : [...profileArgs, 'config', 'get', PROVIDER_PATH.join('.'), '--json'];
  const { execa } = await import('execa');
  const run = await execa(command, args, { env, extendEnv: false, reject: false, timeout: 180_000, stdin: 'ignore' });
  const stdout = String(run.stdout);
  const stderr = String(run.stderr);
  let valid = run.exitCode === 0;
  let problems: string[] = [];
  if (where.runtime === 'openclaw') {
    const report = safeJson(stdout.slice(stdout.indexOf('{')));
    if (isRecord(report)) {
      valid = report.valid === true;
      const list = (key: string) => (Array.isArray(report[key]) ? (report[key] as unknown[]).map((w) => (typeof w === 'string' ? w : JSON.stringify(w))) : []);
      problems = [...list('errors'), ...list('issues'), ...list('warnings')];
      if (isRecord(report.error) && typeof report.error.message === 'string') problems.unshift(report.error.message);
    } else problems = lines(stderr || stdout);
  } else if (!valid) problems = lines(stderr || stdout);
  const ok = valid && problems.length === 0 && run.exitCode === 0;
  const shown = `${basename(command)} ${args.join(' ')}`;
  if (out.json) out.result({ config: where.path, runtime: where.runtime, command: shown, ok, valid, problems, exitCode: run.exitCode });
  else {
    out.say(`${name} checked ${where.path} (${shown}): ${ok ? 'valid, no warnings' : valid ? 'valid, with warnings' : 'NOT valid'}`);
    for (const p of problems) out.say(`  - ${p}`);
  }
  if (!ok) process.exitCode = 1;
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 20);
