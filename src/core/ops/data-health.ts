/** Doctor's look at the data folder: every resource parses, no stray temp files, no placeholders, no half providers. */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { accessStateOf, isLoopback } from '../access.js';
import { FILES } from '../gateway-files.js';
import { isPlaceholder } from '../provider-config.js';
import { parseSettings, SETTINGS_FILE } from '../settings.js';
import { DEFAULT_TMP_TTL_MS } from '../store/paths.js';
import type { Finding } from './findings.js';

const NOT_RESOURCES = new Set(['logs', '.get-ai-gateway']);
const INGRESS = /^ai-route-(.+)\.internal\.yaml$/;
const ROUTE = /^ai-route-(.+)\.yaml$/;
const REGISTRY = /^llm-(.+)\.internal$/;

const list = async (dir: string): Promise<Dirent[]> => readdir(dir, { withFileTypes: true }).catch(() => []);
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export async function checkDataFolder(folder: string, now = Date.now()): Promise<Finding[]> {
  const findings: Finding[] = [];
  const top = await stat(folder).catch(() => undefined);
  if (!top?.isDirectory()) {
    return [{ check: 'data folder', status: 'warn', message: `${folder} does not exist yet`, fix: 'get-ai-gateway start creates it (or pass --data-folder)' }];
  }
  if (!(await stat(join(folder, SETTINGS_FILE)).catch(() => undefined))) {
    findings.push({ check: 'settings', status: 'warn', message: `no ${SETTINGS_FILE} in ${folder}: ports and image come from defaults`, fix: 'get-ai-gateway start writes it' });
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
      const doc = parseDocument(text);
      if (doc.errors.length > 0) broken.push(`${rel}: ${doc.errors[0]!.message.split('\n')[0]}`);
      else docs.set(rel, doc.toJS());
    }
  }
  if (broken.length > 0) {
    findings.push({
      check: 'resource files',
      status: 'fail',
      message: `${broken.length} file${broken.length === 1 ? ' does' : 's do'} not parse (the gateway ignores ${broken.length === 1 ? 'it' : 'them'}): ${broken.join('; ')}`,
      fix: 'fix the YAML by hand or restore it from a backup, then run get-ai-gateway doctor again',
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

  findings.push(...consistency(docs));
  const settings = await readFile(join(folder, SETTINGS_FILE), 'utf8').then(parseSettings, () => undefined);
  findings.push(exposureFinding(settings?.bindAddress ?? '127.0.0.1', docs.get(FILES.keyAuth)));
  return findings;
}

/** Published beyond loopback, the gateway should need access keys. */
export function exposureFinding(bindAddress: string, keyAuth: unknown): Finding {
  const access = accessStateOf(keyAuth);
  if (isLoopback(bindAddress)) {
    return { check: 'access keys', status: 'ok', message: `published on ${bindAddress} only; access keys ${access.enabled ? `on (${access.keys.length})` : 'off'}` };
  }
  if (access.enabled) return { check: 'access keys', status: 'ok', message: `published on ${bindAddress}; every request needs one of ${access.keys.length} access key(s)` };
  return {
    check: 'access keys',
    status: 'warn',
    message: `published on ${bindAddress} without access keys: anyone who reaches the port spends your provider keys`,
    fix: 'get-ai-gateway access enable',
  };
}

/** Each ai-proxy provider has a match rule, a registry and an ingress, and nothing points at a missing provider. */
export function consistency(docs: Map<string, unknown>): Finding[] {
  const aiProxy = docs.get(FILES.aiProxy);
  const bridge = docs.get(FILES.mcpBridge);
  if (!isRecord(aiProxy)) {
    return [{ check: 'providers', status: 'warn', message: `${FILES.aiProxy} is missing: no provider is configured`, fix: 'get-ai-gateway config add --provider <name> --key-env <VAR>' }];
  }
  const spec = isRecord(aiProxy.spec) ? aiProxy.spec : {};
  const entries = asArray(isRecord(spec.defaultConfig) ? spec.defaultConfig.providers : undefined).filter(isRecord);
  const providers = new Set(entries.map((e) => String(e.id)));
  const rules = new Set(
    asArray(spec.matchRules)
      .filter(isRecord)
      .map((r) => (isRecord(r.config) ? r.config.activeProviderId : undefined))
      .filter((id): id is string => typeof id === 'string'),
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
      fix: placeholders.map((id) => `get-ai-gateway config remove --provider ${id}`).join('; '),
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
        fix: `get-ai-gateway config add --provider ${id} --key-env <VAR> (renders every piece) or get-ai-gateway config remove --provider ${id}`,
      });
    } else if (!routes.has(id)) {
      problems.push({ check: 'providers', status: 'warn', message: `provider ${id} has no console route (configmaps/ai-route-${id}.yaml): the console does not show it`, fix: `get-ai-gateway config add --provider ${id} --key-env <VAR>` });
    }
  }
  const orphan = (what: string, ids: Set<string>, status: Finding['status'], effect: string) => {
    for (const id of ids) {
      if (providers.has(id)) continue;
      problems.push({ check: 'providers', status, message: `${what} for provider ${id}, which is not in ai-proxy: ${effect}`, fix: `get-ai-gateway config remove --provider ${id}` });
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
