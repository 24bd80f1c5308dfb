import { readFile, readlink } from 'node:fs/promises';

export const REGISTRIES = {
  hangzhou: 'higress-registry.cn-hangzhou.cr.aliyuncs.com',
  singapore: 'higress-registry.ap-southeast-7.cr.aliyuncs.com',
  northAmerica: 'higress-registry.us-west-1.cr.aliyuncs.com',
} as const;

const CHINA = ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei', 'Asia/Chongqing', 'Asia/Urumqi', 'Asia/Harbin'];
const SOUTHEAST_ASIA = ['Asia/Singapore', 'Asia/Jakarta', 'Asia/Bangkok', 'Asia/Kuala_Lumpur', 'Asia/Manila', 'Asia/Ho_Chi_Minh'];

/** The mirror serving this timezone's region, or undefined when none does (then `start` probes them). */
export function registryForTimezone(timezone: string | undefined): string | undefined {
  const tz = timezone ?? '';
  if (CHINA.includes(tz)) return REGISTRIES.hangzhou;
  if (SOUTHEAST_ASIA.includes(tz)) return REGISTRIES.singapore;
  if (/^(America|US|Canada)\//.test(tz)) return REGISTRIES.northAmerica;
  return undefined;
}

/**
 * Replaces the known mirrors (comma-separated `host[:port][/path]`, the preferred first): for private
 * mirrors of all three, and for tests. The timezone does not pick among them and they are not probed.
 */
export const MIRRORS_ENV = 'GET_AI_GATEWAY_MIRRORS';

export function mirrorsFromEnv(env: NodeJS.ProcessEnv): string[] | undefined {
  const list = env[MIRRORS_ENV]?.split(',').map((s) => s.trim().replace(/\/+$/, '')).filter(Boolean);
  return list && list.length > 0 ? list : undefined;
}

/** Every mirror, the preferred one first: the order a failed pull falls back in. */
export function mirrorsInFallbackOrder(preferred: string, mirrors: readonly string[] = Object.values(REGISTRIES)): string[] {
  return [preferred, ...mirrors.filter((r) => r !== preferred)];
}

export interface TimezoneSources {
  env: NodeJS.ProcessEnv;
  intl: () => string | undefined;
  readLink: (path: string) => Promise<string>;
  readText: (path: string) => Promise<string>;
  timedatectl: () => Promise<string>;
}

const defaultSources: TimezoneSources = {
  env: process.env,
  intl: () => Intl.DateTimeFormat().resolvedOptions().timeZone,
  readLink: (p) => readlink(p),
  readText: (p) => readFile(p, 'utf8'),
  timedatectl: async () => {
    const { execa } = await import('execa');
    const { stdout } = await execa('timedatectl', ['show', '--property=Timezone', '--value'], { timeout: 2000 });
    return stdout;
  },
};

export interface DetectedTimezone {
  timezone: string | undefined;
  source: 'TZ' | 'Intl' | '/etc/localtime' | '/etc/timezone' | 'timedatectl' | 'none';
}

/** `TZ`, then Intl, then the files and timedatectl; the first answer that names a zone wins. */
export async function detectTimezone(sources: Partial<TimezoneSources> = {}): Promise<DetectedTimezone> {
  const s = { ...defaultSources, ...sources };
  const tz = s.env.TZ?.replace(/^:/, '').trim();
  if (tz) return { timezone: tz.replace(/^.*zoneinfo\//, ''), source: 'TZ' };
  const intl = s.intl();
  if (intl && intl !== 'UTC' && intl !== 'Etc/UTC') return { timezone: intl, source: 'Intl' };
  const tries: [DetectedTimezone['source'], () => Promise<string>][] = [
    ['/etc/localtime', async () => (await s.readLink('/etc/localtime')).replace(/^.*zoneinfo\//, '')],
    ['/etc/timezone', async () => s.readText('/etc/timezone')],
    ['timedatectl', () => s.timedatectl()],
  ];
  for (const [source, read] of tries) {
    const value = await read().then((v) => v.trim(), () => '');
    if (value) return { timezone: value, source };
  }
  return intl ? { timezone: intl, source: 'Intl' } : { timezone: undefined, source: 'none' };
}

export interface ImageChoice {
  /** `<registry>/higress/all-in-one` or the override. */
  repo: string;
  tag: string;
  pluginRegistry: string;
  /** Repos to try in order when a pull fails (only when the registry came from the timezone). */
  fallbackRepos: string[];
  reason: string;
  /** The timezone maps to no mirror: `start` measures them (`repo` first, then `fallbackRepos`) and takes the fastest. */
  probe?: boolean;
}

const MIRROR_NAMES: Record<string, string> = {
  [REGISTRIES.hangzhou]: 'Hangzhou',
  [REGISTRIES.singapore]: 'Singapore',
  [REGISTRIES.northAmerica]: 'North America',
};

export const IMAGE_PATH = 'higress/all-in-one';

export function chooseImage(opts: {
  timezone: DetectedTimezone;
  imageRepo?: string;
  imageTag?: string;
  env: NodeJS.ProcessEnv;
  /** What the data folder's default.cfg remembers from an earlier start. */
  saved?: { imageRepo?: string; pluginRegistry?: string };
}): ImageChoice {
  const tag = opts.imageTag ?? 'latest';
  const zoneRegistry = registryForTimezone(opts.timezone.timezone);
  const envRegistry = opts.env.PLUGIN_REGISTRY?.trim();
  // Upstream's default when the zone names no region.
  const pluginRegistry = envRegistry || opts.saved?.pluginRegistry || (zoneRegistry ?? REGISTRIES.hangzhou);
  const envRepo = opts.env.IMAGE_REPO?.trim();
  const explicit: [string | undefined, string][] = [
    [opts.imageRepo, 'from --image-repo'],
    [envRepo, 'from IMAGE_REPO'],
    [opts.saved?.imageRepo, 'from default.cfg'],
  ];
  for (const [repo, reason] of explicit) if (repo) return { repo, tag, pluginRegistry, fallbackRepos: [], reason };
  if (envRegistry) {
    return { repo: `${envRegistry}/${IMAGE_PATH}`, tag, pluginRegistry, fallbackRepos: [], reason: 'from PLUGIN_REGISTRY' };
  }
  const zone = opts.timezone.timezone;
  const custom = mirrorsFromEnv(opts.env);
  const [first, ...rest] = custom ?? mirrorsInFallbackOrder(zoneRegistry ?? REGISTRIES.hangzhou);
  const reason = custom
    ? `first of ${MIRRORS_ENV}`
    : zoneRegistry
      ? `${MIRROR_NAMES[zoneRegistry]} mirror, nearest to timezone ${zone} (from ${opts.timezone.source})`
      : `${zone ? `timezone ${zone}` : 'an unknown timezone'} maps to no mirror: the fastest to answer is used`;
  return {
    repo: `${first}/${IMAGE_PATH}`,
    tag,
    pluginRegistry,
    fallbackRepos: rest.map((r) => `${r}/${IMAGE_PATH}`),
    reason,
    probe: !custom && !zoneRegistry,
  };
}

export const MIRROR_PROBE_MS = 1500;

export interface MirrorProbe {
  repo: string;
  /** Milliseconds to the registry's first answer, or undefined when it gave none in time. */
  ms?: number;
  error?: string;
}

/**
 * Asks every repo's registry (`HEAD /v2/`, in parallel, at most `timeoutMs`) and orders the repos by who
 * answered first; those that did not answer keep their order at the end.
 */
export async function orderByLatency(
  repos: string[],
  probe?: (url: string, timeoutMs: number) => Promise<import('./http-probe.js').ProbeResult>,
  timeoutMs = MIRROR_PROBE_MS,
): Promise<{ order: string[]; probes: MirrorProbe[] }> {
  const { probeUrl, registryApiUrl } = await import('./http-probe.js');
  const ask = probe ?? ((url: string, ms: number) => probeUrl(url, ms, 'HEAD'));
  const probes = await Promise.all(
    repos.map(async (repo): Promise<MirrorProbe> => {
      const result = await ask(registryApiUrl(repo), timeoutMs);
      return result.ok ? { repo, ms: result.ms } : { repo, error: result.error };
    }),
  );
  const answered = probes.filter((p) => p.ms !== undefined).sort((a, b) => a.ms! - b.ms!);
  const silent = probes.filter((p) => p.ms === undefined);
  return { order: [...answered, ...silent].map((p) => p.repo), probes };
}
