/** `<data>/default.cfg`: upstream's env-file format, so later commands need no flags again. Never holds keys. */
import { PROVIDERS } from './catalog.js';

export interface Settings {
  httpPort: number;
  httpsPort: number;
  consolePort: number;
  containerName: string;
  imageRepo?: string;
  imageTag?: string;
  pluginRegistry?: string;
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
    bindAddress: env.get('BIND_ADDRESS') || DEFAULT_SETTINGS.bindAddress,
    autoRouting: env.get('ENABLE_AUTO_ROUTING') === 'true',
    autoRoutingDefaultModel: env.get('AUTO_ROUTING_DEFAULT_MODEL') || undefined,
    models,
  };
}

export function formatSettings(s: Settings): string {
  const lines = [
    '# get-ai-gateway settings (upstream get-ai-gateway.sh format). API keys are never stored here:',
    '# they live only in wasmplugins/ai-proxy.internal.yaml.',
    'MODE=full',
    `GATEWAY_HTTP_PORT=${s.httpPort}`,
    `GATEWAY_HTTPS_PORT=${s.httpsPort}`,
    `CONSOLE_PORT=${s.consolePort}`,
    `CONTAINER_NAME=${s.containerName}`,
    `BIND_ADDRESS=${s.bindAddress}`,
  ];
  if (s.pluginRegistry) lines.push(`PLUGIN_REGISTRY=${s.pluginRegistry}`);
  if (s.imageRepo) lines.push(`IMAGE_REPO=${s.imageRepo}`);
  if (s.imageTag) lines.push(`IMAGE_TAG=${s.imageTag}`);
  lines.push(`ENABLE_AUTO_ROUTING=${s.autoRouting}`);
  if (s.autoRoutingDefaultModel) lines.push(`AUTO_ROUTING_DEFAULT_MODEL=${s.autoRoutingDefaultModel}`);
  for (const p of PROVIDERS) {
    const models = s.models[p.id];
    if (models !== undefined) lines.push(`${p.env}_MODELS=${models}`);
  }
  return lines.join('\n') + '\n';
}
