/** Doctor's look at the data folder: every resource parses, no stray temp files, no placeholders, no half providers. */
import { isDerivedProvider } from '../fallback-chains.js';
import { commandHint } from '../command-line.js';
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { YAML11_PARSE_OPTIONS } from '../yaml11.js';
import { accessStateOf, isLoopback } from '../access.js';
import { FILES } from '../gateway-files.js';
import { isPlaceholder } from '../provider-config.js';
import { DEFAULT_SETTINGS, readSettingsIn, SETTINGS_FILE } from '../settings.js';
import { DEFAULT_TMP_TTL_MS } from '../store/paths.js';
import type { Finding } from './findings.js';

const NOT_RESOURCES = new Set(['logs', '.get-ai-gateway']);
const INGRESS = /^ai-route-(.+)\.internal\.yaml$/;
const ROUTE = /^ai-route-(.+)\.yaml$/;
type CommandFor = (command: string, more?: string) => string;

const REGISTRY = /^llm-(.+)\.internal$/;

const list = async (dir: string): Promise<Dirent[]> => readdir(dir, { withFileTypes: true }).catch(() => []);
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export async function checkDataFolder(folder: string, now = Date.now(), containerName?: string): Promise<Finding[]> {
  const run: CommandFor = (command, more) => commandHint(command, { dataFolder: folder, containerName }, more);
  const findings: Finding[] = [];
  const top = await stat(folder).catch(() => undefined);
  if (!top?.isDirectory()) {
    return [{ check: 'data folder', status: 'warn', message: `${folder} does not exist yet`, fix: `${run('start')} creates it` }];
  }
  if (!(await stat(join(folder, SETTINGS_FILE)).catch(() => undefined))) {
    findings.push({ check: 'settings', status: 'warn', message: `no ${SETTINGS_FILE} in ${folder}: ports and image come from defaults`, fix: `${run('start')} writes it` });
  }

  // Every resource file parses; collect them by path for the consistency check.
  const docs = new Map<string, unknown>();
  const broken: string[] = [];
  const temps: { path: string; ageMs: number }[] = [];
  const dirs = ['', ...(await list(folder)).filter((e) => e.isDirectory() && !NOT_RESOURCES.has(e.name)).map((e) => e.name)];
  for (const dir of dirs) {
    for (const entry of await list(join(folder, dir))) {
      if (!entry.isFile()) continue;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.name.endsWith('.tmp')) {
        const st = await stat(join(folder, rel)).catch(() => undefined);
        if (st) temps.push({ path: rel, ageMs: now - st.mtimeMs });
        continue;
      }
      if (!dir || !entry.name.endsWith('.yaml')) continue;
      const text = await readFile(join(folder, rel), 'utf8').catch(() => undefined);
      if (text === undefined) {
        broken.push(`${rel} (unreadable)`);
        continue;
      }
      const doc = parseDocument(text, YAML11_PARSE_OPTIONS);
      const value = doc.errors.length > 0 ? undefined : doc.toJS();
      const untyped = nonStringMetadata(value);
      const notJson = nonJsonNumber(value);
      if (doc.errors.length > 0) broken.push(`${rel}: ${doc.errors[0]!.message.split('\n')[0]}`);
      else if (untyped) broken.push(`${rel}: ${untyped} is not a string under YAML 1.1; quote it`);
      else if (notJson) broken.push(`${rel}: ${notJson} is .inf or .nan, which the gateway cannot turn into JSON; quote it`);
      else docs.set(rel, doc.toJS());
    }
  }
  if (broken.length > 0) {
    findings.push({
      check: 'resource files',
      status: 'fail',
      message: `${broken.length} file${broken.length === 1 ? ' does' : 's do'} not parse (the gateway ignores ${broken.length === 1 ? 'it' : 'them'}): ${broken.join('; ')}`,
      fix: `fix the YAML by hand or restore it from a backup, then run ${run('doctor')} again`,
    });
  } else {
    findings.push({ check: 'resource files', status: 'ok', message: `${docs.size} resource files parse` });
  }

  if (temps.length > 0) {
    const stale = temps.filter((t) => t.ageMs > DEFAULT_TMP_TTL_MS);
    const fresh = temps.filter((t) => t.ageMs <= DEFAULT_TMP_TTL_MS);
    findings.push({
      check: 'temp files',
      status: 'warn',
      message: [
        stale.length ? `stray temp files left by an interrupted write: ${stale.map((t) => t.path).join(', ')}` : '',
        fresh.length ? `a write is in progress (${fresh.map((t) => t.path).join(', ')})` : '',
      ]
        .filter(Boolean)
        .join('; '),
      fix: stale.length ? `rm ${stale.map((t) => join(folder, t.path)).join(' ')}` : 'run doctor again in a few seconds',
    });
  } else {
    findings.push({ check: 'temp files', status: 'ok', message: 'no stray .tmp files' });
  }

  findings.push(...consistency(docs, run));
  findings.push(exposureFinding(readSettingsIn(folder)?.bindAddress ?? DEFAULT_SETTINGS.bindAddress, docs.get(FILES.keyAuth), run));
  return findings;
}

/** Published beyond loopback, the gateway should need access keys. */
export function exposureFinding(bindAddress: string, keyAuth: unknown, run: CommandFor = (command, more) => commandHint(command, undefined, more)): Finding {
  const access = accessStateOf(keyAuth);
  if (isLoopback(bindAddress)) {
    return { check: 'access keys', status: 'ok', message: `published on ${bindAddress} only; access keys ${access.enabled ? `on (${access.keys.length})` : 'off'}` };
  }
  if (access.enabled) return { check: 'access keys', status: 'ok', message: `published on ${bindAddress}; every request needs one of ${access.keys.length} access key(s)` };
  return {
    check: 'access keys',
    status: 'warn',
    message: `published on ${bindAddress} without access keys: anyone who reaches the port spends your provider keys`,
    fix: run('access enable'),
  };
}

/** Labels and annotations are map[string]string: one unquoted `true`, `on` or `0777` fails the whole resource's decode. */
function nonStringMetadata(value: unknown): string | undefined {
  const metadata = isRecord(value) && isRecord(value.metadata) ? value.metadata : undefined;
  for (const field of ['labels', 'annotations'] as const) {
    const map = metadata?.[field];
    if (!isRecord(map)) continue;
    const key = Object.keys(map).find((k) => typeof map[k] !== 'string');
    if (key !== undefined) return `${field.slice(0, -1)} ${key}`;
  }
  return undefined;
}

/** The apiserver converts each file to JSON (sigs.k8s.io/yaml YAMLToJSON): an infinite or NaN number fails it. */
function nonJsonNumber(value: unknown, path = ''): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path || 'the document';
  if (Array.isArray(value)) return value.map((v, i) => nonJsonNumber(v, `${path}[${i}]`)).find(Boolean);
  if (isRecord(value)) return Object.entries(value).map(([k, v]) => nonJsonNumber(v, path ? `${path}.${k}` : k)).find(Boolean);
  return undefined;
}

/** Each ai-proxy provider has a match rule, a registry and an ingress, and nothing points at a missing provider. */
export function consistency(docs: Map<string, unknown>, run: CommandFor = (command, more) => commandHint(command, undefined, more)): Finding[] {
  const aiProxy = docs.get(FILES.aiProxy);
  const bridge = docs.get(FILES.mcpBridge);
  if (!isRecord(aiProxy)) {
    return [{ check: 'providers', status: 'warn', message: `${FILES.aiProxy} is missing: no provider is configured`, fix: run('config add', '--provider <name> --key-env <VAR>') }];
  }
  const spec = isRecord(aiProxy.spec) ? aiProxy.spec : {};
  // A fallback step's derived entry and its route-level rule are written together from the base entry (fallback-chains.ts).
  const entries = asArray(isRecord(spec.defaultConfig) ? spec.defaultConfig.providers : undefined).filter(isRecord).filter((e) => !isDerivedProvider(String(e.id)));
  const providers = new Set(entries.map((e) => String(e.id)));
  const rules = new Set(
    asArray(spec.matchRules)
      .filter(isRecord)
      .map((r) => (isRecord(r.config) ? r.config.activeProviderId : undefined))
      .filter((id): id is string => typeof id === 'string' && !isDerivedProvider(id)),
  );
  const registries = new Set(
    asArray(isRecord(bridge) && isRecord(bridge.spec) ? bridge.spec.registries : undefined)
      .filter(isRecord)
      .map((r) => REGISTRY.exec(String(r.name ?? ''))?.[1])
      .filter((id): id is string => id !== undefined),
  );
  const ingresses = new Set<string>();
  const routes = new Set<string>();
  for (const path of docs.keys()) {
    const [kind, name] = path.split('/') as [string, string];
    if (kind === 'ingresses') {
      const id = INGRESS.exec(name)?.[1];
      if (id) ingresses.add(id);
    } else if (kind === 'configmaps') {
      const id = ROUTE.exec(name)?.[1];
      if (id) routes.add(id);
    }
  }

  const findings: Finding[] = [];
  const placeholders = entries.filter((e) => Object.values(e).some((v) => isPlaceholder(v) || (Array.isArray(v) && v.some(isPlaceholder)))).map((e) => String(e.id));
  if (placeholders.length > 0) {
    findings.push({
      check: 'placeholders',
      status: 'warn',
      message: `upstream placeholder providers (YOUR_*_API_KEY): ${placeholders.join(', ')}; a request for their models goes to that vendor with a bogus key and the prompt`,
      fix: placeholders.map((id) => run('config remove', `--provider ${id}`)).join('; '),
    });
  } else {
    findings.push({ check: 'placeholders', status: 'ok', message: 'no YOUR_*_API_KEY placeholder providers' });
  }

  const problems: Finding[] = [];
  for (const id of providers) {
    const missing = [!rules.has(id) && 'match rule', !registries.has(id) && 'registry', !ingresses.has(id) && 'ingress'].filter(Boolean);
    if (missing.length > 0) {
      problems.push({
        check: 'providers',
        status: 'fail',
        message: `provider ${id} has no ${missing.join(', no ')}: its requests ${!ingresses.has(id) ? 'are never routed to it' : 'cannot reach it'}`,
        fix: `${run('config add', `--provider ${id} --key-env <VAR>`)} (renders every piece) or ${run('config remove', `--provider ${id}`)}`,
      });
    } else if (!routes.has(id)) {
      problems.push({ check: 'providers', status: 'warn', message: `provider ${id} has no console route (configmaps/ai-route-${id}.yaml): the console does not show it`, fix: run('config add', `--provider ${id} --key-env <VAR>`) });
    }
  }
  const orphan = (what: string, ids: Set<string>, status: Finding['status'], effect: string) => {
    for (const id of ids) {
      if (providers.has(id)) continue;
      problems.push({ check: 'providers', status, message: `${what} for provider ${id}, which is not in ai-proxy: ${effect}`, fix: run('config remove', `--provider ${id}`) });
    }
  };
  orphan('a match rule', rules, 'fail', 'ai-proxy points at a provider that does not exist');
  orphan('an ingress', ingresses, 'fail', 'its models are routed to a service with no provider (no key is added)');
  orphan('a registry', registries, 'warn', 'left over, harmless');
  orphan('a console route', routes, 'warn', 'the console shows a provider that does not exist');
  if (problems.length === 0) {
    findings.push({ check: 'providers', status: 'ok', message: `${providers.size} provider${providers.size === 1 ? '' : 's'}, each with a match rule, registry, ingress and console route` });
  }
  return [...findings, ...problems];
}
