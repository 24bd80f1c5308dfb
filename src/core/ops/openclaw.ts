/** `openclaw`: point OpenClaw (or its predecessor clawdbot) at the gateway as provider `higress`. */
import { commandHint } from '../command-line.js';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { constants } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { Output } from '../../ui/output.js';
import { loadFiles } from '../gateway-read.js';
import { resolveDeployment } from '../deployment.js';
import { OperationalError, UsageError } from '../errors.js';
import { DEFAULT_SETTINGS } from '../settings.js';
import { readSettingsIn } from '../settings.js';
import { scanJson5, setJson5Path } from './json5-edit.js';
import { gatewayBaseUrl, modelsView, type ModelsView } from './models.js';

export const PROVIDER_KEY = 'higress';
export const PLACEHOLDER_API_KEY = 'higress-local';
export const PROVIDER_PATH = ['models', 'providers', PROVIDER_KEY];

export interface OpenClawModel {
  id: string;
  name: string;
  [extra: string]: unknown;
}

export interface OpenClawProvider {
  baseUrl: string;
  api: 'openai-completions';
  apiKey: string;
  models: OpenClawModel[];
  [extra: string]: unknown;
}

export interface ConfigLocation {
  path: string;
  runtime: 'openclaw' | 'clawdbot' | 'custom';
}

/** `~/.openclaw/openclaw.json`, or `~/.clawdbot/clawdbot.json` when only that runtime is installed. */
export function locateConfig(option: string | undefined, home = homedir(), exists: (p: string) => boolean = existsSync): ConfigLocation {
  if (option) return { path: resolve(option), runtime: 'custom' };
  const openclaw = join(home, '.openclaw');
  const clawdbot = join(home, '.clawdbot');
  if (!exists(openclaw) && exists(clawdbot)) return { path: join(clawdbot, 'clawdbot.json'), runtime: 'clawdbot' };
  return { path: join(openclaw, 'openclaw.json'), runtime: 'openclaw' };
}

/** The models OpenClaw should offer: each provider's concrete models, and higress/auto when auto-routing is on. */
export function desiredModels(view: ModelsView): OpenClawModel[] {
  const models: OpenClawModel[] = [];
  const seen = new Set<string>();
  for (const p of view.providers) {
    for (const id of p.models) {
      if (seen.has(id)) continue;
      seen.add(id);
      models.push({ id, name: `${id} (${p.name} via Higress)` });
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

/**
 * The `higress` provider entry to write: our fields set, the user's other fields (and an apiKey they
 * changed, and extra fields of known models) kept.
 */
export function buildProvider(previous: unknown, view: ModelsView): OpenClawProvider {
  const prev = isRecord(previous) ? previous : {};
  const prevModels = Array.isArray(prev.models) ? prev.models.filter(isRecord) : [];
  const byId = new Map(prevModels.filter((m) => typeof m.id === 'string').map((m) => [m.id as string, m]));
  const ours = desiredModels(view);
  const ourIds = new Set(ours.map((m) => m.id));
  const models: OpenClawModel[] = ours.map((m) => {
    const old = byId.get(m.id);
    return old ? ({ ...old, id: m.id, name: typeof old.name === 'string' && old.name ? old.name : m.name } as OpenClawModel) : m;
  });
  for (const m of prevModels) {
    if (typeof m.id === 'string' && !ourIds.has(m.id) && routable(view, m.id)) models.push(m as OpenClawModel);
  }
  const apiKey = typeof prev.apiKey === 'string' && prev.apiKey.trim() ? prev.apiKey : PLACEHOLDER_API_KEY;
  return { ...prev, baseUrl: view.baseUrl, api: 'openai-completions', apiKey, models } as OpenClawProvider;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

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

export interface MergeResult {
  changed: boolean;
  text: string;
  provider: OpenClawProvider;
  /** Comments and formatting outside the provider entry survived. */
  preserved: boolean;
  /** How many comments the original had (lost when not preserved). */
  comments: number;
}

/** Merges the provider into the config text (empty = no file yet). Pure: parse is passed in (json5). */
export function mergeOpenClawConfig(text: string, view: ModelsView, parse: (text: string) => unknown): MergeResult {
  const blank = text.trim() === '';
  let config: unknown = {};
  if (!blank) {
    try {
      config = parse(text);
    } catch (error) {
      throw new UsageError(`the OpenClaw config is not valid JSON5: ${(error as Error).message}`, { hint: 'fix the file, or point --config at another one' });
    }
  }
  if (!isRecord(config)) throw new UsageError('the OpenClaw config is not a JSON object');
  for (let depth = 1; depth < PROVIDER_PATH.length; depth++) {
    const at = getPath(config, PROVIDER_PATH.slice(0, depth));
    if (at !== undefined && !isRecord(at)) {
      throw new UsageError(`${PROVIDER_PATH.slice(0, depth).join('.')} in the OpenClaw config is not an object`, { hint: 'fix the file by hand first' });
    }
  }
  const previous = getPath(config, PROVIDER_PATH);
  const provider = buildProvider(previous, view);
  if (isDeepStrictEqual(previous, provider)) return { changed: false, text, provider, preserved: true, comments: 0 };

  const expected = setPath(config, PROVIDER_PATH, provider);
  const { comments } = blank ? { comments: 0 } : scanJson5(text);
  if (!blank) {
    const edit = setJson5Path(text, PROVIDER_PATH, provider);
    if (edit.inPlace) {
      let reparsed: unknown;
      try {
        reparsed = parse(edit.text);
      } catch {
        reparsed = undefined;
      }
      if (isDeepStrictEqual(reparsed, expected)) return { changed: true, text: withNewline(edit.text), provider, preserved: true, comments };
    }
  }
  return { changed: true, text: JSON.stringify(expected, null, 2) + '\n', provider, preserved: comments === 0, comments };
}

const withNewline = (text: string) => (text.endsWith('\n') ? text : text + '\n');

export function backupName(file: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${file}.bak-${stamp}`;
}

async function backup(file: string): Promise<string> {
  const base = backupName(file);
  for (let n = 0; ; n++) {
    const target = n === 0 ? base : `${base}-${n}`;
    try {
      await copyFile(file, target, constants.COPYFILE_EXCL);
      return target;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n > 100) throw error;
    }
  }
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

export async function runOpenClaw(options: Record<string, unknown>, out: Output): Promise<void> {
  const location = locateConfig(options.config as string | undefined);
  const deployment = await resolveDeployment(options);
  const settings = readSettingsIn(deployment.dataFolder);
  if (!settings) out.warn(`no settings file in ${deployment.dataFolder}: using the default HTTP port ${DEFAULT_SETTINGS.httpPort}`);
  const s = settings ?? DEFAULT_SETTINGS;
  const view = modelsView(await loadFiles(deployment), gatewayBaseUrl(s.bindAddress, s.httpPort));
  if (view.providers.length === 0) {
    throw new OperationalError(`no providers configured in ${deployment.dataFolder}: the gateway has no models to offer OpenClaw`, {
      code: 'providers.none',
      hint: `add one first: ${commandHint('config add', deployment, '--provider openai --key-env OPENAI_API_KEY')}`,
    });
  }

  const text = await readFile(location.path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw new OperationalError(`could not read ${location.path}: ${error.message}`, { cause: error });
  });
  const existed = existsSync(location.path);
  const { default: JSON5 } = await import('json5');
  const merge = mergeOpenClawConfig(text, view, (t) => JSON5.parse(t));
  const dryRun = Boolean(options.dryRun);
  const action = !merge.changed ? 'unchanged' : dryRun ? 'dry-run' : existed ? 'updated' : 'created';

  let backupPath: string | null = null;
  if (merge.changed && !dryRun) {
    if (existed) backupPath = await backup(location.path);
    await writeAtomically(location.path, merge.text);
  }
  const commentsLost = merge.changed && !merge.preserved;
  if (out.json) {
    return out.result({
      config: location.path,
      runtime: location.runtime,
      action,
      backup: backupPath,
      commentsLost,
      patch: { [PROVIDER_PATH.join('.')]: merge.provider },
    });
  }
  const models = merge.provider.models.map((m) => m.id);
  if (!merge.changed) {
    out.say(`${location.path} already points OpenClaw at the gateway (${merge.provider.baseUrl}, ${models.length} models); nothing changed.`);
    return;
  }
  if (dryRun) {
    out.say(`Would ${existed ? 'update' : 'create'} ${location.path} (${location.runtime === 'custom' ? '--config' : location.runtime}) with:`);
    out.say(`${PROVIDER_PATH.join('.')} = ${JSON.stringify(merge.provider, null, 2)}`);
    if (commentsLost) out.say(`(its ${merge.comments} comment${merge.comments === 1 ? '' : 's'} would be lost: the file could not be edited in place)`);
    out.say('Dry run: nothing written.');
    return;
  }
  out.say(`${existed ? 'Updated' : 'Created'} ${location.path}: provider ${PROVIDER_KEY} → ${merge.provider.baseUrl} with ${models.length} model${models.length === 1 ? '' : 's'} (${models.join(', ')}).`);
  if (backupPath) out.say(`Backup: ${backupPath}`);
  if (commentsLost) out.warn(`the file's ${merge.comments} comment${merge.comments === 1 ? ' was' : 's were'} lost (it could not be edited in place); the backup has them.`);
  else if (existed) out.say('Everything else in the file (comments and formatting included) is unchanged.');
  out.say(`Use it in OpenClaw: openclaw models set ${PROVIDER_KEY}/${models[0]}`);
}
