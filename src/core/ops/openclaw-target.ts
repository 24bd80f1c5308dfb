/**
 * Which file OpenClaw (or its predecessor clawdbot) reads its configuration from, resolved the way each
 * runtime resolves it, so `get-ai-gateway openclaw` edits the file the runtime will actually read.
 *
 * Sources (read from the published packages):
 * - openclaw 2026.9.6: `dist/paths-*.mjs` (`resolveStateDir`, `resolveConfigPath`,
 *   `resolveConfigPathCandidate`, `resolveDefaultConfigCandidates`), `dist/home-dir-*.mjs`
 *   (`resolveEffectiveHomeDir`, `resolveHomeRelativePath`), `dist/profile-*.mjs` (`applyCliProfileEnv`),
 *   `dist/profile-utils-*.mjs` (`resolveProfileStateDir`); the config loader uses `resolveConfigPath`
 *   (`dist/io.read-helpers-*.mjs`, `resolveConfigPathForDeps`).
 * - clawdbot 2026.1.24-3: `dist/config/paths.js` (`resolveStateDir`, `resolveConfigPath`),
 *   `dist/cli/profile.js` (`applyCliProfileEnv`).
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

export type Runtime = 'openclaw' | 'clawdbot';
export const RUNTIMES: readonly Runtime[] = ['openclaw', 'clawdbot'];

export const RUNTIME_NAME: Record<Runtime, string> = { openclaw: 'OpenClaw', clawdbot: 'Clawdbot' };

export interface Surroundings {
  env: Record<string, string | undefined>;
  /** Does this path exist (file or folder)? */
  exists: (p: string) => boolean;
  /** The OS account's home (`os.homedir()`), used when HOME is unset. */
  osHome: () => string | undefined;
  cwd: string;
}

export interface ConfigTarget {
  path: string;
  runtime: Runtime;
  /** How the runtime arrives at this path, for messages. */
  how: string;
}

const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

/** `normalizeHomeDirValue`: trimmed, and the strings "undefined"/"null" count as unset. */
function setting(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed && trimmed !== 'undefined' && trimmed !== 'null' ? trimmed : undefined;
}

/** OpenClaw's home: OPENCLAW_HOME (a leading ~ is the OS home), else HOME, USERPROFILE, the OS home, the cwd. */
function openclawHome(s: Surroundings): string {
  const osHome = setting(s.env.HOME) ?? setting(s.env.USERPROFILE) ?? setting(s.osHome());
  const explicit = setting(s.env.OPENCLAW_HOME);
  if (explicit) {
    if (explicit === '~' || explicit.startsWith('~/') || explicit.startsWith('~\\')) {
      return osHome ? path.resolve(s.cwd, explicit.replace(/^~(?=$|[\\/])/, osHome)) : s.cwd;
    }
    return path.resolve(s.cwd, explicit);
  }
  return path.resolve(s.cwd, osHome ?? s.cwd);
}

/** A path from a variable: trimmed, a leading ~ is `home`, relative to the cwd. */
function userPath(input: string, home: string, cwd: string): string {
  const trimmed = input.trim();
  return path.resolve(cwd, trimmed.startsWith('~') ? trimmed.replace(/^~(?=$|[\\/])/, home) : trimmed);
}

/** `openclaw --profile <name>` (and `--dev` = profile dev) before anything reads a path: `applyCliProfileEnv`. */
function withOpenClawProfile(env: Record<string, string | undefined>, profile: string, home: string, cwd: string): Record<string, string | undefined> {
  const next = { ...env };
  const profileDir = (name: string) => {
    if (!PROFILE_NAME.test(name)) throw new UsageError(`invalid OpenClaw profile name ${JSON.stringify(name)}`, { hint: 'use letters, numbers, "_" and "-"' });
    return path.join(home, `.openclaw${name.toLowerCase() === 'default' ? '' : `-${name}`}`);
  };
  const inheritedDir = profileDir(setting(env.OPENCLAW_PROFILE) ?? 'default');
  const selectedDir = profileDir(profile);
  const stateDir = setting(env.OPENCLAW_STATE_DIR);
  const configPath = setting(env.OPENCLAW_CONFIG_PATH);
  const switches = inheritedDir !== selectedDir;
  // A shell already set up for another profile is switched over (its state dir and config path follow).
  // (Its service-selector clean-up applies only inside an installed gateway service's environment.)
  const switchesState = Boolean(stateDir && switches && userPath(stateDir, home, cwd) === inheritedDir);
  const replacesConfig = Boolean(switches && (!stateDir || switchesState) && configPath && userPath(configPath, home, cwd) === path.join(inheritedDir, 'openclaw.json'));
  next.OPENCLAW_PROFILE = profile;
  const dir = stateDir && !switchesState ? stateDir : selectedDir;
  if (!stateDir || switchesState) next.OPENCLAW_STATE_DIR = dir;
  if (!configPath || replacesConfig) next.OPENCLAW_CONFIG_PATH = path.join(dir, 'openclaw.json');
  return next;
}

/** OpenClaw's `resolveConfigPath(env, resolveStateDir(env))`, the path its config loader reads. */
function openclawConfig(s: Surroundings, profile?: string): ConfigTarget {
  const home = openclawHome(s);
  const env = profile ? withOpenClawProfile(s.env, profile, home, s.cwd) : s.env;
  const at = (p: string, how: string): ConfigTarget => ({ path: p, runtime: 'openclaw', how });
  const explicit = env.OPENCLAW_CONFIG_PATH?.trim();
  if (explicit) return at(userPath(explicit, home, s.cwd), profile ? `profile ${profile}` : 'OPENCLAW_CONFIG_PATH');

  const fresh = path.join(home, '.openclaw');
  const legacy = path.join(home, '.clawdbot');
  const stateOverride = env.OPENCLAW_STATE_DIR?.trim();
  const stateDir = stateOverride ? userPath(stateOverride, home, s.cwd) : s.exists(fresh) ? fresh : s.exists(legacy) ? legacy : fresh;
  const names = ['openclaw.json', 'clawdbot.json'];
  const inState = names.map((n) => path.join(stateDir, n)).find(s.exists);
  if (inState) return at(inState, stateOverride ? 'an existing file in OPENCLAW_STATE_DIR' : 'the existing config');
  if (stateOverride) return at(path.join(stateDir, 'openclaw.json'), 'OPENCLAW_STATE_DIR');
  // The default state dir: the first existing of the usual places, else <state dir>/openclaw.json.
  const existing = [fresh, legacy].flatMap((dir) => names.map((n) => path.join(dir, n))).find(s.exists);
  if (existing) return at(existing, 'the existing config');
  return at(path.join(stateDir, 'openclaw.json'), stateDir === legacy ? 'the default in the existing ~/.clawdbot' : 'the default');
}

/** clawdbot's `resolveConfigPath(env, resolveStateDir(env))`; its home is always the OS home (HOME). */
function clawdbotConfig(s: Surroundings, profile?: string): ConfigTarget {
  const home = setting(s.osHome()) ?? s.cwd;
  const env = { ...s.env };
  if (profile) {
    if (!PROFILE_NAME.test(profile)) throw new UsageError(`invalid clawdbot profile name ${JSON.stringify(profile)}`, { hint: 'use letters, numbers, "_" and "-"' });
    const dir = env.CLAWDBOT_STATE_DIR?.trim() || path.join(home, `.clawdbot${profile.toLowerCase() === 'default' ? '' : `-${profile}`}`);
    if (!env.CLAWDBOT_STATE_DIR?.trim()) env.CLAWDBOT_STATE_DIR = dir;
    if (!env.CLAWDBOT_CONFIG_PATH?.trim()) env.CLAWDBOT_CONFIG_PATH = path.join(dir, 'clawdbot.json');
  }
  const at = (p: string, how: string): ConfigTarget => ({ path: p, runtime: 'clawdbot', how });
  const explicit = env.CLAWDBOT_CONFIG_PATH?.trim();
  if (explicit) return at(userPath(explicit, home, s.cwd), profile ? `profile ${profile}` : 'CLAWDBOT_CONFIG_PATH');
  const stateOverride = env.CLAWDBOT_STATE_DIR?.trim();
  if (stateOverride) return at(path.join(userPath(stateOverride, home, s.cwd), 'clawdbot.json'), 'CLAWDBOT_STATE_DIR');
  return at(path.join(home, '.clawdbot', 'clawdbot.json'), 'the default');
}

/** The file `runtime` reads its configuration from, in these surroundings. */
export function runtimeConfig(runtime: Runtime, s: Surroundings, profile?: string): ConfigTarget {
  return runtime === 'openclaw' ? openclawConfig(s, profile) : clawdbotConfig(s, profile);
}

/**
 * Creating `file` (and its folders) would make a runtime stop reading a config that exists now:
 * returns that runtime's current file, or undefined when nothing is hidden.
 */
export function wouldShadow(file: string, s: Surroundings, profile?: { runtime: Runtime; name: string }): ConfigTarget | undefined {
  if (s.exists(file)) return undefined;
  const created = new Set<string>();
  for (let p = path.resolve(file); ; p = path.dirname(p)) {
    if (s.exists(p)) break;
    created.add(p);
    if (path.dirname(p) === p) break;
  }
  const after: Surroundings = { ...s, exists: (p) => created.has(path.resolve(p)) || s.exists(p) };
  for (const runtime of RUNTIMES) {
    const name = profile?.runtime === runtime ? profile.name : undefined;
    const now = runtimeConfig(runtime, s, name);
    if (now.path !== runtimeConfig(runtime, after, name).path && s.exists(now.path)) return now;
  }
  return undefined;
}

/** The runtime's command on PATH, or undefined. */
export function findCommand(name: string, env: Record<string, string | undefined>): string | undefined {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        if (!statSync(candidate).isFile()) continue;
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        /* not here */
      }
    }
  }
  return undefined;
}

/** `--runtime`, else the runtime installed on PATH (OpenClaw first), else OpenClaw. */
export function chooseRuntime(option: string | undefined, env: Record<string, string | undefined>): Runtime {
  if (option !== undefined) {
    const wanted = option.trim().toLowerCase();
    if (wanted === 'openclaw' || wanted === 'clawdbot') return wanted;
    throw new UsageError(`--runtime must be openclaw or clawdbot (got ${JSON.stringify(option)})`);
  }
  return !findCommand('openclaw', env) && findCommand('clawdbot', env) ? 'clawdbot' : 'openclaw';
}
