/** `start`: from flags (and an existing settings file) to a complete, validated plan. Touches nothing. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { isLoopback } from './access.js';
import { aliasNames, keyFlag, providerById, PROVIDERS, type Provider } from './catalog.js';
import { entryNamesOf } from './model-routes.js';
import { kebab, modelMappingFor, RESILIENCE_OPTIONS, resilienceFromOptions, type Resilience, type ResilienceOption } from './resilience.js';
import { checkDataFolder, OUR_MARKER } from './data-folder-guard.js';
import { checkContainerName } from './input-guard.js';
import { UsageError } from './errors.js';
import { GatewayFiles, MARKER_FILE, type AutoRouting, type ProviderConfig } from './gateway-files.js';
import { chooseImage, type DetectedTimezone, type ImageChoice } from './mirror.js';
import { buildProviderConfig, checkExclusions, optionKey, providerInputFromOptions } from './provider-config.js';
import { resolveDataFolder } from './deployment.js';
import { DEFAULT_SETTINGS, formatSettings, parseEnvFile, readSettingsIn, SETTINGS_FILE, type Settings } from './settings.js';


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
  /** Configured providers to remove (the wizard's "remove"; no flag sets it). */
  removeProviders: string[];
  /** Undefined = leave auto-routing as the data folder has it. */
  autoRouting?: Pick<AutoRouting, 'enabled' | 'defaultModel'>;
  settings: Settings;
  /** The data folder already holds a configuration (a re-run, or an upstream-made folder). */
  existing: boolean;
  pull: 'missing' | 'always';
  /** How long to wait for the gateway to serve. */
  timeoutMs: number;
  /** Set when the ports are published beyond this machine (with --allow-open): what that exposes. */
  exposureWarning?: string;
  /** Things the plan does that may not be what the user meant (printed, not refused). */
  warnings: string[];
}

/**
 * One provider's resilience from `start`'s flags: `--<provider>-<flag>` (or an alias's) wins over the general
 * `--<flag>`, flag by flag; validated by the same code as `config add`. A per-provider flag for a provider this
 * start does not configure is refused (there is no entry to put it on).
 */
export function startResilience(provider: Provider, options: Record<string, unknown>, configured: boolean): Resilience | undefined {
  const stems = [provider.flag, ...aliasNames(provider)];
  const given: Partial<Record<ResilienceOption, unknown>> = {};
  const typed = new Map<ResilienceOption, string>();
  for (const name of RESILIENCE_OPTIONS) {
    const stem = stems.find((s) => options[optionKey(`${s}-${kebab(name)}`)] !== undefined);
    if (stem !== undefined) {
      given[name] = options[optionKey(`${stem}-${kebab(name)}`)];
      typed.set(name, `--${stem}-${kebab(name)}`);
    } else if (options[name] !== undefined) given[name] = options[name];
  }
  const [own] = typed;
  if (!configured) {
    if (own) {
      throw new UsageError(`${own[1]}: this start configures no ${provider.name}`, {
        hint: `give its ${keyFlag(provider) ? `key too (--${keyFlag(provider)})` : 'settings too'}, or change the configured one: get-ai-gateway config add --provider ${provider.id} --${kebab(own[0])} …`,
      });
    }
    return undefined;
  }
  // A flag the user did not type is named in the form they used (general, or this provider's).
  const flagOf = (name: ResilienceOption) => typed.get(name) ?? (options[name] !== undefined || !own ? `--${kebab(name)}` : `--${provider.flag}-${kebab(name)}`);
  const resilience = resilienceFromOptions(provider, given, flagOf);
  // The map's keys must not race the <id>/ stripping entry: checked now, so a dry run refuses what the run would.
  if (resilience?.modelMap) modelMappingFor(entryNamesOf(provider.id), resilience.modelMap, { flag: flagOf('modelMap') });
  return resilience;
}

export function parseTimeout(value: unknown): number {
  const text = String(value ?? 120).trim();
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--timeout must be a positive number of seconds (got "${value}")`, { hint: 'for example --timeout 120' });
  }
  return seconds * 1000;
}

/** Envoy's levels as start-gateway.sh:30 passes them (--proxyLogLevel); `info` makes ai-proxy log keys taken out. */
export const GATEWAY_LOG_LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'critical', 'off'] as const;

export function parseLogLevel(value: string): string {
  const level = value.trim().toLowerCase();
  if (!(GATEWAY_LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`--gateway-log-level "${value}" is not one of ${GATEWAY_LOG_LEVELS.join(', ')}`, { hint: 'for example --gateway-log-level info' });
  }
  return level;
}

export function parseBindAddress(value: string): string {
  if (isIP(value) === 0) throw new UsageError(`--bind-address ${JSON.stringify(value)} is not an IPv4 or IPv6 address`, { hint: 'for example --bind-address 127.0.0.1' });
  return value;
}


/**
 * Whether the ports may be published on `bindAddress`. Loopback: yes. Anything else exposes the gateway
 * (which spends the user's provider keys) and the console to whoever reaches the host, so only when the
 * user asks in words (`--allow-open`); the answer carries the warning to print.
 */
export function exposureDecision(bindAddress: string, opts: { allowOpen?: boolean }): { warning?: string } {
  if (isLoopback(bindAddress)) return {};
  const who = `anyone who can reach ${bindAddress === '0.0.0.0' || bindAddress === '::' ? 'this machine' : bindAddress}`;
  // Beyond loopback `start` turns access keys on (core/access.ts accessForExposure), unless --allow-open.
  if (!opts.allowOpen) return { warning: `ports are published on ${bindAddress}: ${who} reaches the gateway and the console; access keys are on, so requests need one` };
  return { warning: `ports are published on ${bindAddress} with --allow-open: unless access keys are on, ${who} can send requests through the gateway (spending your provider keys) and open the console` };
}

/** The environment variable that carries a provider's key, as upstream's installer names it (OPENAI_API_KEY). */
const keyVariable = (env: string) => `${env}_API_KEY`;

/**
 * Keys that need no argv: `--env-file` (0600, KEY=VALUE lines) and, with `--keys-from-env`, the environment,
 * both by the catalog's `<ENV>_API_KEY` names. A key flag given on the command line wins.
 */
export function withKeysFromSources(options: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const fromFile = options.envFile !== undefined ? readKeyFile(String(options.envFile)) : new Map<string, string>();
  const merged = { ...options };
  for (const provider of PROVIDERS) {
    const flag = keyFlag(provider);
    if (!flag || merged[optionKey(flag)] !== undefined) continue;
    const name = keyVariable(provider.env);
    const value = fromFile.get(name) ?? (options.keysFromEnv ? env[name] : undefined);
    if (value !== undefined && value !== '') merged[optionKey(flag)] = [value];
  }
  return merged;
}

function readKeyFile(path: string): Map<string, string> {
  let mode: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UsageError(`--env-file ${path} is not a file`);
    mode = st.mode;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--env-file ${path} cannot be read: ${(err as Error).message}`);
  }
  if ((mode & 0o077) !== 0) {
    throw new UsageError(`--env-file ${path} can be read or changed by others (mode ${(mode & 0o777).toString(8)}); it holds keys`, { hint: `chmod 600 ${path}` });
  }
  return parseEnvFile(readFileSync(path, 'utf8'));
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


export interface StartInput {
  options: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  timezone: DetectedTimezone;
  cwd?: string;
}

export function planStart({ options, env, timezone, cwd }: StartInput): StartPlan {
  const dataFolder = resolveDataFolder(options.dataFolder as string | undefined, cwd);
  checkDataFolder(dataFolder);
  const timeoutMs = parseTimeout(options.timeout);
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
  const containerName = checkContainerName(String(options.containerName ?? base.containerName));
  const bindAddress = parseBindAddress(String(options.bindAddress ?? base.bindAddress));
  const exposure = exposureDecision(bindAddress, { allowOpen: Boolean(options.allowOpen) });

  const providers: ProviderConfig[] = [];
  for (const provider of PROVIDERS) {
    const input = providerInputFromOptions(provider, options);
    const resilience = startResilience(provider, options, input !== undefined);
    if (input) providers.push({ ...buildProviderConfig(provider, input), ...(resilience && { resilience }) });
  }
  checkExclusions(providers.map((p) => p.id));
  const general = RESILIENCE_OPTIONS.find((name) => options[name] !== undefined);
  if (general && providers.length === 0) {
    throw new UsageError(`--${kebab(general)} applies to the providers this start configures, and it configures none`, {
      hint: `give a provider's key (e.g. --openai-key) or change a configured provider: get-ai-gateway config add --provider <id> --${kebab(general)} …`,
    });
  }
  const singleKey = providers.find((p) => p.resilience?.retryOnFailure?.enabled && p.tokens.length < 2);
  const removeProviders = Array.isArray(options.removeProviders) ? (options.removeProviders as string[]).filter((id) => !providers.some((p) => p.id === id)) : [];

  let autoRouting: StartPlan['autoRouting'];
  const defaultModel = options.autoRoutingDefaultModel as string | undefined;
  if (options.autoRouting || defaultModel !== undefined) {
    if (!defaultModel?.trim()) {
      throw new UsageError('--auto-routing needs --auto-routing-default-model', { hint: 'for example --auto-routing-default-model qwen-turbo' });
    }
    autoRouting = { enabled: true, defaultModel: defaultModel.trim() };
  }

  const imageTag = (options.imageTag as string | undefined) ?? base.imageTag;
  // Remembered in default.cfg, so a later plain `start` (or `--recreate`) uses the registry the user chose.
  const imageRepo = (options.imageRepo as string | undefined) ?? (env.IMAGE_REPO?.trim() || undefined) ?? base.imageRepo;
  if (imageTag !== undefined && !/^[\w][\w.-]{0,127}$/.test(imageTag)) {
    throw new UsageError(`--image-tag "${imageTag}" is not a valid image tag`);
  }
  if (imageRepo !== undefined && !/^[a-z0-9]+([._:/-][a-z0-9]+)*$/i.test(imageRepo)) {
    throw new UsageError(`--image-repo "${imageRepo}" is not a valid image repository`, { hint: 'for example --image-repo registry.example.com/higress/all-in-one' });
  }
  const gatewayLogLevel = options.gatewayLogLevel !== undefined ? parseLogLevel(String(options.gatewayLogLevel)) : base.gatewayLogLevel;
  const choice = chooseImage({ timezone, imageRepo: options.imageRepo as string | undefined, imageTag, env, saved: saved && { imageRepo: saved.imageRepo, pluginRegistry: saved.pluginRegistry } });
  const image = { ...choice, ref: `${choice.repo}:${choice.tag}` };

  const settings: Settings = {
    ...base,
    httpPort: ports.http,
    httpsPort: ports.https,
    consolePort: ports.console,
    containerName,
    bindAddress,
    // A registry the user chose (flag, IMAGE_REPO, PLUGIN_REGISTRY, or remembered) is kept; a timezone pick is not, so it stays free to fall back.
    imageRepo: choice.fallbackRepos.length === 0 ? choice.repo : undefined,
    imageTag,
    pluginRegistry: choice.pluginRegistry,
    gatewayLogLevel,
    autoRouting: autoRouting?.enabled ?? base.autoRouting,
    autoRoutingDefaultModel: autoRouting?.defaultModel ?? base.autoRoutingDefaultModel,
    models: Object.fromEntries(
      Object.entries({ ...base.models, ...Object.fromEntries(providers.map((p) => [p.id, p.models])) }).filter(([id]) => !removeProviders.includes(id)),
    ),
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
      ...(gatewayLogLevel && { GATEWAY_LOG_LEVEL: gatewayLogLevel }),
    },
    mounts: [
      { host: dataFolder, container: '/data' },
      { host: join(dataFolder, 'logs'), container: '/var/log/proxy' },
    ],
    providers,
    removeProviders,
    autoRouting,
    settings,
    existing: existsSync(join(dataFolder, MARKER_FILE)),
    pull: options.pull === 'always' ? 'always' : 'missing',
    timeoutMs,
    exposureWarning: exposure.warning,
    // A retry drops the failed key and picks another; with one key there is none (ai-proxy retry.go:120-123).
    warnings: singleKey ? [`retries need a key pool: with one key ${providerById(singleKey.id).name}'s gateway has no other key to retry with`] : [],
  };
}

/** Applies the plan's providers and auto-routing to the gateway files (fresh or existing). */
export async function applyPlanToFiles(files: GatewayFiles, plan: Pick<StartPlan, 'providers' | 'autoRouting'> & { removeProviders?: string[] }): Promise<void> {
  for (const id of plan.removeProviders ?? []) await files.removeProvider(id);
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
  out.push({ path: MARKER_FILE, content: OUR_MARKER });
  return out;
}

