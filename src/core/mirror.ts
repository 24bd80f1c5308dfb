import { readFile, readlink } from 'node:fs/promises';

export const REGISTRIES = {
  hangzhou: 'higress-registry.cn-hangzhou.cr.aliyuncs.com',
  singapore: 'higress-registry.ap-southeast-7.cr.aliyuncs.com',
  northAmerica: 'higress-registry.us-west-1.cr.aliyuncs.com',
} as const;

const CHINA = ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei', 'Asia/Chongqing', 'Asia/Urumqi', 'Asia/Harbin'];
const SOUTHEAST_ASIA = ['Asia/Singapore', 'Asia/Jakarta', 'Asia/Bangkok', 'Asia/Kuala_Lumpur', 'Asia/Manila', 'Asia/Ho_Chi_Minh'];

export function registryForTimezone(timezone: string | undefined): string {
  return mirrorForTimezone(timezone) ?? REGISTRIES.hangzhou;
}

/** Every mirror, the preferred one first: the order a failed pull falls back in. */
export function mirrorsInFallbackOrder(preferred: string): string[] {
  return [preferred, ...Object.values(REGISTRIES).filter((r) => r !== preferred)];
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
}

/** The mirror a timezone maps to, or undefined when it maps to none (the caller then uses the default). */
export function mirrorForTimezone(timezone: string | undefined): string | undefined {
  const tz = timezone ?? '';
  if (CHINA.includes(tz)) return REGISTRIES.hangzhou;
  if (SOUTHEAST_ASIA.includes(tz)) return REGISTRIES.singapore;
  if (/^(America|US|Canada)\//.test(tz)) return REGISTRIES.northAmerica;
  return undefined;
}

const MIRROR_NAMES: Record<string, string> = {
  [REGISTRIES.hangzhou]: 'Hangzhou',
  [REGISTRIES.singapore]: 'Singapore',
  [REGISTRIES.northAmerica]: 'North America',
};

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
  const pluginRegistry = envRegistry || opts.saved?.pluginRegistry || zoneRegistry;
  const envRepo = opts.env.IMAGE_REPO?.trim();
  const explicit: [string | undefined, string][] = [
    [opts.imageRepo, 'from --image-repo'],
    [envRepo, 'from IMAGE_REPO'],
    [opts.saved?.imageRepo, 'from default.cfg'],
  ];
  for (const [repo, reason] of explicit) if (repo) return { repo, tag, pluginRegistry, fallbackRepos: [], reason };
  if (envRegistry) {
    return { repo: `${envRegistry}/higress/all-in-one`, tag, pluginRegistry, fallbackRepos: [], reason: 'from PLUGIN_REGISTRY' };
  }
  const zone = opts.timezone.timezone;
  const matched = mirrorForTimezone(zone) !== undefined;
  return {
    repo: `${zoneRegistry}/higress/all-in-one`,
    tag,
    pluginRegistry,
    fallbackRepos: mirrorsInFallbackOrder(zoneRegistry).slice(1).map((r) => `${r}/higress/all-in-one`),
    reason: matched
      ? `${MIRROR_NAMES[zoneRegistry]} mirror, nearest to timezone ${zone} (from ${opts.timezone.source})`
      : `${MIRROR_NAMES[zoneRegistry]} mirror (default: ${zone ? `timezone ${zone} has no nearer mirror` : 'timezone unknown'})`,
  };
}
