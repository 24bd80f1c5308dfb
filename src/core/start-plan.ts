/** `start`: from flags (and an existing settings file) to a complete, validated plan. Touches nothing. */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { PROVIDERS } from './catalog.js';
import { UsageError } from './errors.js';
import { GatewayFiles, MARKER_FILE, type AutoRouting, type ProviderConfig } from './gateway-files.js';
import { chooseImage, type DetectedTimezone, type ImageChoice } from './mirror.js';
import { buildProviderConfig, checkExclusions, providerInputFromOptions } from './provider-config.js';
import { DEFAULT_SETTINGS, formatSettings, parseSettings, SETTINGS_FILE, type Settings } from './settings.js';

export const DEFAULT_DATA_FOLDER = './higress';

export interface StartPlan {
  dataFolder: string;
  containerName: string;
  image: ImageChoice & { ref: string };
  timezone: DetectedTimezone;
  bindAddress: string;
  /** `--allow-open`: published beyond loopback without access keys, because the user said so. */
  allowOpen: boolean;
  ports: { http: number; https: number; console: number };
  /** Container env: never secrets. */
  env: Record<string, string>;
  mounts: { host: string; container: string }[];
  providers: ProviderConfig[];
  /** Undefined = leave auto-routing as the data folder has it. */
  autoRouting?: Pick<AutoRouting, 'enabled' | 'defaultModel'>;
  settings: Settings;
  /** The data folder already holds a configuration (a re-run, or an upstream-made folder). */
  existing: boolean;
  pull: 'missing' | 'always';
}

export function parsePort(value: unknown, flag: string): number {
  const text = String(value).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw new UsageError(`--${flag} must be a port number from 1 to 65535 (got "${text}")`, { hint: `for example --${flag} ${portDefaults[flag]}` });
  }
  return n;
}

const portDefaults: Record<string, number> = { 'http-port': 8080, 'https-port': 8443, 'console-port': 8001 };

export function resolveDataFolder(value: string | undefined, cwd = process.cwd()): string {
  const folder = value ?? DEFAULT_DATA_FOLDER;
  return isAbsolute(folder) ? folder : resolve(cwd, folder);
}

export function readSettingsIn(dataFolder: string): Settings | undefined {
  const path = join(dataFolder, SETTINGS_FILE);
  return existsSync(path) ? parseSettings(readFileSync(path, 'utf8')) : undefined;
}

export interface StartInput {
  options: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  timezone: DetectedTimezone;
  cwd?: string;
}

export function planStart({ options, env, timezone, cwd }: StartInput): StartPlan {
  const dataFolder = resolveDataFolder(options.dataFolder as string | undefined, cwd);
  const saved = readSettingsIn(dataFolder);
  const base = saved ?? DEFAULT_SETTINGS;

  const ports = {
    http: options.httpPort !== undefined ? parsePort(options.httpPort, 'http-port') : base.httpPort,
    https: options.httpsPort !== undefined ? parsePort(options.httpsPort, 'https-port') : base.httpsPort,
    console: options.consolePort !== undefined ? parsePort(options.consolePort, 'console-port') : base.consolePort,
  };
  if (new Set(Object.values(ports)).size !== 3) {
    throw new UsageError(`the HTTP, HTTPS and console ports must differ (got ${ports.http}, ${ports.https}, ${ports.console})`, {
      hint: 'change one with --http-port, --https-port or --console-port',
    });
  }

  // The container name comes from the flag or the settings file, never from a CONTAINER_NAME variable (upstream defect 9).
  const containerName = String(options.containerName ?? base.containerName);
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(containerName)) {
    throw new UsageError(`--container-name "${containerName}" is not a valid container name`, { hint: 'use letters, digits, _ . and -' });
  }
  const bindAddress = String(options.bindAddress ?? base.bindAddress);
  if (!/^(\d{1,3}(\.\d{1,3}){3}|::1?|\[?[0-9a-fA-F:]+\]?)$/.test(bindAddress)) {
    throw new UsageError(`--bind-address "${bindAddress}" is not an IP address`, { hint: 'for example --bind-address 127.0.0.1' });
  }

  const providers: ProviderConfig[] = [];
  for (const provider of PROVIDERS) {
    const input = providerInputFromOptions(provider, options);
    if (input) providers.push(buildProviderConfig(provider, input));
  }
  checkExclusions(providers.map((p) => p.id));

  let autoRouting: StartPlan['autoRouting'];
  const defaultModel = options.autoRoutingDefaultModel as string | undefined;
  if (options.autoRouting || defaultModel !== undefined) {
    if (!defaultModel?.trim()) {
      throw new UsageError('--auto-routing needs --auto-routing-default-model', { hint: 'for example --auto-routing-default-model qwen-turbo' });
    }
    autoRouting = { enabled: true, defaultModel: defaultModel.trim() };
  }

  const imageTag = (options.imageTag as string | undefined) ?? base.imageTag;
  const imageRepo = (options.imageRepo as string | undefined) ?? base.imageRepo;
  if (imageTag !== undefined && !/^[\w][\w.-]{0,127}$/.test(imageTag)) {
    throw new UsageError(`--image-tag "${imageTag}" is not a valid image tag`);
  }
  if (imageRepo !== undefined && !/^[a-z0-9]+([._:/-][a-z0-9]+)*$/i.test(imageRepo)) {
    throw new UsageError(`--image-repo "${imageRepo}" is not a valid image repository`, { hint: 'for example --image-repo registry.example.com/higress/all-in-one' });
  }
  const choice = chooseImage({ timezone, imageRepo, imageTag, env });
  const image = { ...choice, ref: `${choice.repo}:${choice.tag}` };

  const settings: Settings = {
    ...base,
    httpPort: ports.http,
    httpsPort: ports.https,
    consolePort: ports.console,
    containerName,
    bindAddress,
    imageRepo,
    imageTag,
    pluginRegistry: choice.pluginRegistry,
    autoRouting: autoRouting?.enabled ?? base.autoRouting,
    autoRoutingDefaultModel: autoRouting?.defaultModel ?? base.autoRoutingDefaultModel,
    models: { ...base.models, ...Object.fromEntries(providers.map((p) => [p.id, p.models])) },
  };

  return {
    dataFolder,
    containerName,
    image,
    timezone,
    bindAddress,
    allowOpen: Boolean(options.allowOpen),
    ports,
    env: {
      MODE: 'full',
      GATEWAY_HTTP_PORT: String(ports.http),
      GATEWAY_HTTPS_PORT: String(ports.https),
      CONSOLE_PORT: String(ports.console),
      PLUGIN_REGISTRY: choice.pluginRegistry,
    },
    mounts: [
      { host: dataFolder, container: '/data' },
      { host: join(dataFolder, 'logs'), container: '/var/log/proxy' },
    ],
    providers,
    autoRouting,
    settings,
    existing: existsSync(join(dataFolder, MARKER_FILE)),
    pull: options.pull === 'always' ? 'always' : 'missing',
  };
}

/** Applies the plan's providers and auto-routing to the gateway files (fresh or existing). */
export async function applyPlanToFiles(files: GatewayFiles, plan: Pick<StartPlan, 'providers' | 'autoRouting'>): Promise<void> {
  for (const provider of plan.providers) await files.upsertProvider(provider);
  if (plan.autoRouting) {
    const current = files.autoRouting();
    files.setAutoRouting({ ...current, enabled: plan.autoRouting.enabled, defaultModel: plan.autoRouting.defaultModel });
  }
}

/** Every file `start` writes into a fresh data folder, relative to it, with its content. */
export async function renderFreshDataFolder(plan: StartPlan): Promise<{ path: string; content: string }[]> {
  const files = await GatewayFiles.empty();
  await applyPlanToFiles(files, plan);
  await files.syncRoutes();
  const out = files.changes().map((c) => ({ path: c.path, content: c.content! }));
  out.push({ path: SETTINGS_FILE, content: formatSettings(plan.settings) });
  out.push({ path: MARKER_FILE, content: `configured by get-ai-gateway\n` });
  return out;
}

