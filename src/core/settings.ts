/** `<data>/default.cfg`: upstream's env-file format, so later commands need no flags again. Never holds keys. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDERS } from './catalog.js';

export interface Settings {
  httpPort: number;
  httpsPort: number;
  consolePort: number;
  containerName: string;
  imageRepo?: string;
  imageTag?: string;
  pluginRegistry?: string;
  /** Envoy's log level in the container (GATEWAY_LOG_LEVEL, start-gateway.sh:30; the image's default is warning). */
  gatewayLogLevel?: string;
  bindAddress: string;
  autoRouting: boolean;
  autoRoutingDefaultModel?: string;
  /** Model patterns by provider id (configured providers only). */
  models: Record<string, string>;
}

export const SETTINGS_FILE = 'default.cfg';

export const DEFAULT_SETTINGS: Settings = {
  httpPort: 8080,
  httpsPort: 8443,
  consolePort: 8001,
  containerName: 'higress-ai-gateway',
  bindAddress: '127.0.0.1',
  autoRouting: false,
  models: {},
};

/** Parses KEY=VALUE lines; comments, blanks and anything we do not use (such as upstream's keys) are ignored. */
export function parseEnvFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!.trim();
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    values.set(m[1]!, value);
  }
  return values;
}

export function parseSettings(text: string): Settings {
  const env = parseEnvFile(text);
  const port = (name: string, fallback: number) => {
    const n = Number(env.get(name));
    return Number.isInteger(n) && n > 0 && n < 65536 ? n : fallback;
  };
  const models: Record<string, string> = {};
  for (const p of PROVIDERS) {
    const value = env.get(`${p.env}_MODELS`);
    if (value !== undefined) models[p.id] = value;
  }
  return {
    httpPort: port('GATEWAY_HTTP_PORT', DEFAULT_SETTINGS.httpPort),
    httpsPort: port('GATEWAY_HTTPS_PORT', DEFAULT_SETTINGS.httpsPort),
    consolePort: port('CONSOLE_PORT', DEFAULT_SETTINGS.consolePort),
    containerName: env.get('CONTAINER_NAME') || DEFAULT_SETTINGS.containerName,
    imageRepo: env.get('IMAGE_REPO') || undefined,
    imageTag: env.get('IMAGE_TAG') || undefined,
    pluginRegistry: env.get('PLUGIN_REGISTRY') || undefined,
    gatewayLogLevel: env.get('GATEWAY_LOG_LEVEL') || undefined,
    bindAddress: env.get('BIND_ADDRESS') || DEFAULT_SETTINGS.bindAddress,
    autoRouting: env.get('ENABLE_AUTO_ROUTING') === 'true',
    autoRoutingDefaultModel: env.get('AUTO_ROUTING_DEFAULT_MODEL') || undefined,
    models,
  };
}

/** Lines that may hold a secret (upstream wrote keys here): never kept. */
const SECRET_LINE = /^(?:[A-Z0-9_]*_(?:API_KEY|KEY|SECRET|TOKEN|EXTRA_CONFIGS))$/;
const secretEnvs = new Set(PROVIDERS.flatMap((p) => (p.extras ?? []).filter((f) => f.secret && f.env).map((f) => f.env!)));

/** Our keys in the order a fresh file lists them; undefined values are left out (and removed from an old file). */
function settingLines(s: Settings): [string, string | undefined][] {
  const lines: [string, string | undefined][] = [
    ['MODE', 'full'],
    ['GATEWAY_HTTP_PORT', String(s.httpPort)],
    ['GATEWAY_HTTPS_PORT', String(s.httpsPort)],
    ['CONSOLE_PORT', String(s.consolePort)],
    ['CONTAINER_NAME', s.containerName],
    ['BIND_ADDRESS', s.bindAddress],
    ['PLUGIN_REGISTRY', s.pluginRegistry],
    ['IMAGE_REPO', s.imageRepo],
    ['IMAGE_TAG', s.imageTag],
    ['GATEWAY_LOG_LEVEL', s.gatewayLogLevel],
    ['ENABLE_AUTO_ROUTING', String(s.autoRouting)],
    ['AUTO_ROUTING_DEFAULT_MODEL', s.autoRoutingDefaultModel],
  ];
  for (const p of PROVIDERS) lines.push([`${p.env}_MODELS`, s.models[p.id]]);
  return lines;
}

const HEADER = [
  '# get-ai-gateway settings (upstream get-ai-gateway.sh format). API keys are never stored here:',
  '# they live only in wasmplugins/ai-proxy.internal.yaml. Comments and other lines you add are kept.',
];

/**
 * The settings file text. Given the previous text, every comment and line we do not own stays where it was;
 * our keys are updated in place, removed when unset, appended when new. Lines that may hold secrets are dropped.
 */
export function formatSettings(s: Settings, previous?: string): string {
  const wanted = new Map(settingLines(s));
  const out: string[] = [];
  const written = new Set<string>();
  const oldLines = previous === undefined ? HEADER : previous.replace(/\r?\n$/, '').split(/\r?\n/);
  for (const line of oldLines) {
    const key = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/.exec(line)?.[1];
    if (key === undefined) {
      out.push(line);
      continue;
    }
    if (SECRET_LINE.test(key) || secretEnvs.has(key)) continue;
    if (!wanted.has(key)) {
      out.push(line);
      continue;
    }
    if (written.has(key)) continue;
    written.add(key);
    const value = wanted.get(key);
    if (value !== undefined) out.push(`${key}=${value}`);
  }
  for (const [key, value] of wanted) if (!written.has(key) && value !== undefined) out.push(`${key}=${value}`);
  return out.join('\n') + '\n';
}

export function readSettingsIn(dataFolder: string): Settings | undefined {
  const path = join(dataFolder, SETTINGS_FILE);
  return existsSync(path) ? parseSettings(readFileSync(path, 'utf8')) : undefined;
}
