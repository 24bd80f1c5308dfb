// Where OpenClaw and clawdbot read their config: the resolution table, both runtimes, every variable and
// file combination (the real runtimes confirm a selection of these in test/e2e/openclaw.test.ts).
import { describe, expect, test } from 'vitest';
import { runtimeConfig, wouldShadow, type Runtime, type Surroundings } from '../../../src/core/ops/openclaw-target.js';

const H = '/h';
function at(files: string[], env: Record<string, string | undefined> = {}): Surroundings {
  // A file implies its folders.
  const present = new Set<string>();
  for (const f of files) for (let p = f; p !== '/'; p = p.slice(0, p.lastIndexOf('/')) || '/') present.add(p);
  return { env: { HOME: H, ...env }, exists: (p) => present.has(p), osHome: () => H, cwd: '/w' };
}
const resolve = (runtime: Runtime, files: string[], env: Record<string, string | undefined> = {}, profile?: string) => runtimeConfig(runtime, at(files, env), profile).path;

describe('OpenClaw: no variables', () => {
  test.each<[string, string[], string]>([
    ['nothing yet', [], '/h/.openclaw/openclaw.json'],
    ['an empty ~/.openclaw', ['/h/.openclaw'], '/h/.openclaw/openclaw.json'],
    ['~/.openclaw/openclaw.json', ['/h/.openclaw/openclaw.json'], '/h/.openclaw/openclaw.json'],
    ['~/.openclaw/clawdbot.json (legacy name)', ['/h/.openclaw/clawdbot.json'], '/h/.openclaw/clawdbot.json'],
    ['both names in ~/.openclaw: openclaw.json first', ['/h/.openclaw/clawdbot.json', '/h/.openclaw/openclaw.json'], '/h/.openclaw/openclaw.json'],
    ['~/.clawdbot/openclaw.json', ['/h/.clawdbot/openclaw.json'], '/h/.clawdbot/openclaw.json'],
    ['~/.clawdbot/clawdbot.json', ['/h/.clawdbot/clawdbot.json'], '/h/.clawdbot/clawdbot.json'],
    ['both names in ~/.clawdbot', ['/h/.clawdbot/clawdbot.json', '/h/.clawdbot/openclaw.json'], '/h/.clawdbot/openclaw.json'],
    ['an empty ~/.openclaw beside ~/.clawdbot/clawdbot.json: the existing file', ['/h/.openclaw', '/h/.clawdbot/clawdbot.json'], '/h/.clawdbot/clawdbot.json'],
    ['~/.openclaw/clawdbot.json before ~/.clawdbot/openclaw.json', ['/h/.openclaw/clawdbot.json', '/h/.clawdbot/openclaw.json'], '/h/.openclaw/clawdbot.json'],
    ['~/.openclaw/openclaw.json before ~/.clawdbot/clawdbot.json', ['/h/.openclaw/openclaw.json', '/h/.clawdbot/clawdbot.json'], '/h/.openclaw/openclaw.json'],
    ['only an empty ~/.clawdbot: it is the state dir', ['/h/.clawdbot'], '/h/.clawdbot/openclaw.json'],
    ['empty ~/.openclaw and empty ~/.clawdbot', ['/h/.openclaw', '/h/.clawdbot'], '/h/.openclaw/openclaw.json'],
  ])('%s', (_name, files, expected) => {
    expect(resolve('openclaw', files)).toBe(expected);
  });
});

describe('OpenClaw: variables', () => {
  const everything = ['/h/.openclaw/openclaw.json', '/h/.openclaw/clawdbot.json', '/h/.clawdbot/openclaw.json', '/h/.clawdbot/clawdbot.json'];
  test.each<[string, Record<string, string>, string[], string]>([
    ['OPENCLAW_CONFIG_PATH wins over every file', { OPENCLAW_CONFIG_PATH: '/etc/oc.json' }, everything, '/etc/oc.json'],
    ['OPENCLAW_CONFIG_PATH wins over OPENCLAW_STATE_DIR', { OPENCLAW_CONFIG_PATH: '/etc/oc.json', OPENCLAW_STATE_DIR: '/s' }, ['/s/openclaw.json'], '/etc/oc.json'],
    ['OPENCLAW_CONFIG_PATH with ~ is the home', { OPENCLAW_CONFIG_PATH: '~/cfg/oc.json' }, [], '/h/cfg/oc.json'],
    ['OPENCLAW_CONFIG_PATH with ~ follows OPENCLAW_HOME', { OPENCLAW_CONFIG_PATH: '~/oc.json', OPENCLAW_HOME: '/oh' }, [], '/oh/oc.json'],
    ['OPENCLAW_CONFIG_PATH relative is from the working folder', { OPENCLAW_CONFIG_PATH: 'conf/oc.json' }, [], '/w/conf/oc.json'],
    ['OPENCLAW_CONFIG_PATH blank is unset', { OPENCLAW_CONFIG_PATH: '  ' }, ['/h/.clawdbot/clawdbot.json'], '/h/.clawdbot/clawdbot.json'],
    ['OPENCLAW_STATE_DIR empty: its openclaw.json, the home files ignored', { OPENCLAW_STATE_DIR: '/s' }, everything, '/s/openclaw.json'],
    ['OPENCLAW_STATE_DIR with clawdbot.json', { OPENCLAW_STATE_DIR: '/s' }, ['/s/clawdbot.json'], '/s/clawdbot.json'],
    ['OPENCLAW_STATE_DIR with both names', { OPENCLAW_STATE_DIR: '/s' }, ['/s/clawdbot.json', '/s/openclaw.json'], '/s/openclaw.json'],
    ['OPENCLAW_STATE_DIR with ~', { OPENCLAW_STATE_DIR: '~/state' }, [], '/h/state/openclaw.json'],
    ['OPENCLAW_STATE_DIR relative', { OPENCLAW_STATE_DIR: 'state' }, ['/w/state/clawdbot.json'], '/w/state/clawdbot.json'],
    ['OPENCLAW_HOME moves every default', { OPENCLAW_HOME: '/oh' }, everything, '/oh/.openclaw/openclaw.json'],
    ['OPENCLAW_HOME with a legacy config there', { OPENCLAW_HOME: '/oh' }, ['/oh/.clawdbot/clawdbot.json'], '/oh/.clawdbot/clawdbot.json'],
    ['OPENCLAW_HOME with ~ is below HOME', { OPENCLAW_HOME: '~/alt' }, [], '/h/alt/.openclaw/openclaw.json'],
    ['OPENCLAW_HOME relative', { OPENCLAW_HOME: 'alt' }, [], '/w/alt/.openclaw/openclaw.json'],
    ['OPENCLAW_HOME with OPENCLAW_STATE_DIR ~', { OPENCLAW_HOME: '/oh', OPENCLAW_STATE_DIR: '~/st' }, [], '/oh/st/openclaw.json'],
    ['HOME "undefined" counts as unset: USERPROFILE', { HOME: 'undefined', USERPROFILE: '/u' }, [], '/u/.openclaw/openclaw.json'],
    ['OPENCLAW_PROFILE alone changes nothing (only --profile does)', { OPENCLAW_PROFILE: 'work' }, ['/h/.openclaw/openclaw.json'], '/h/.openclaw/openclaw.json'],
  ])('%s', (_name, env, files, expected) => {
    expect(resolve('openclaw', files, env)).toBe(expected);
  });

  test('no HOME at all: the OS account home', () => {
    expect(runtimeConfig('openclaw', { env: {}, exists: () => false, osHome: () => '/acct', cwd: '/w' }).path).toBe('/acct/.openclaw/openclaw.json');
  });
});

describe('OpenClaw: --profile', () => {
  test.each<[string, string, Record<string, string>, string[], string]>([
    ['a named profile has its own folder, whatever else exists', 'work', {}, ['/h/.openclaw/openclaw.json', '/h/.clawdbot/clawdbot.json'], '/h/.openclaw-work/openclaw.json'],
    ['dev (also --dev)', 'dev', {}, [], '/h/.openclaw-dev/openclaw.json'],
    ['default is ~/.openclaw/openclaw.json exactly (no legacy fallback)', 'default', {}, ['/h/.clawdbot/clawdbot.json'], '/h/.openclaw/openclaw.json'],
    ['OPENCLAW_STATE_DIR is kept', 'work', { OPENCLAW_STATE_DIR: '/s' }, ['/s/clawdbot.json'], '/s/openclaw.json'],
    ['OPENCLAW_CONFIG_PATH is kept', 'work', { OPENCLAW_CONFIG_PATH: '/etc/oc.json' }, [], '/etc/oc.json'],
    ['OPENCLAW_HOME moves the profile folder', 'work', { OPENCLAW_HOME: '/oh' }, [], '/oh/.openclaw-work/openclaw.json'],
    [
      'a shell set up for another profile is switched over',
      'b',
      { OPENCLAW_PROFILE: 'a', OPENCLAW_STATE_DIR: '/h/.openclaw-a', OPENCLAW_CONFIG_PATH: '/h/.openclaw-a/openclaw.json' },
      [],
      '/h/.openclaw-b/openclaw.json',
    ],
    ['a state dir of its own is not switched', 'b', { OPENCLAW_PROFILE: 'a', OPENCLAW_STATE_DIR: '/mine' }, [], '/mine/openclaw.json'],
  ])('%s', (_name, profile, env, files, expected) => {
    expect(resolve('openclaw', files, env, profile)).toBe(expected);
  });

  test('an invalid profile name is a usage error', () => {
    expect(() => resolve('openclaw', [], {}, '../x')).toThrowError(expect.objectContaining({ exitCode: 2 }));
  });
});

describe('clawdbot', () => {
  test.each<[string, Record<string, string>, string[], string, string?]>([
    ['nothing yet', {}, [], '/h/.clawdbot/clawdbot.json'],
    ["OpenClaw's files do not count", {}, ['/h/.openclaw/openclaw.json', '/h/.clawdbot/openclaw.json'], '/h/.clawdbot/clawdbot.json'],
    ['CLAWDBOT_STATE_DIR', { CLAWDBOT_STATE_DIR: '/s' }, ['/h/.clawdbot/clawdbot.json'], '/s/clawdbot.json'],
    ['CLAWDBOT_STATE_DIR with ~', { CLAWDBOT_STATE_DIR: '~/cb' }, [], '/h/cb/clawdbot.json'],
    ['CLAWDBOT_CONFIG_PATH wins over CLAWDBOT_STATE_DIR', { CLAWDBOT_CONFIG_PATH: '/etc/cb.json', CLAWDBOT_STATE_DIR: '/s' }, [], '/etc/cb.json'],
    ['CLAWDBOT_CONFIG_PATH relative', { CLAWDBOT_CONFIG_PATH: 'cb.json' }, [], '/w/cb.json'],
    ["OpenClaw's variables are not clawdbot's", { OPENCLAW_CONFIG_PATH: '/etc/oc.json', OPENCLAW_STATE_DIR: '/s', OPENCLAW_HOME: '/oh' }, [], '/h/.clawdbot/clawdbot.json'],
    ['--profile work', {}, [], '/h/.clawdbot-work/clawdbot.json', 'work'],
    ['--profile default', {}, [], '/h/.clawdbot/clawdbot.json', 'default'],
    ['--profile keeps CLAWDBOT_STATE_DIR', { CLAWDBOT_STATE_DIR: '/s' }, [], '/s/clawdbot.json', 'work'],
    ['--profile keeps CLAWDBOT_CONFIG_PATH', { CLAWDBOT_CONFIG_PATH: '/etc/cb.json' }, [], '/etc/cb.json', 'work'],
  ])('%s', (_name, env, files, expected, profile) => {
    expect(resolve('clawdbot', files, env, profile)).toBe(expected);
  });
});

describe('never create a file that hides an existing one', () => {
  test("~/.openclaw/openclaw.json would hide OpenClaw's ~/.clawdbot/clawdbot.json", () => {
    const s = at(['/h/.openclaw', '/h/.clawdbot/clawdbot.json']);
    expect(wouldShadow('/h/.openclaw/openclaw.json', s)).toMatchObject({ runtime: 'openclaw', path: '/h/.clawdbot/clawdbot.json' });
  });
  test('~/.openclaw/openclaw.json would hide ~/.openclaw/clawdbot.json', () => {
    expect(wouldShadow('/h/.openclaw/openclaw.json', at(['/h/.openclaw/clawdbot.json']))?.path).toBe('/h/.openclaw/clawdbot.json');
  });
  test('creating ~/.openclaw/ would move the state dir away from ~/.clawdbot', () => {
    expect(wouldShadow('/h/.openclaw/openclaw.json', at(['/h/.clawdbot/openclaw.json']))?.path).toBe('/h/.clawdbot/openclaw.json');
  });
  test('what the runtime resolves itself never hides anything', () => {
    for (const files of [[], ['/h/.openclaw'], ['/h/.clawdbot'], ['/h/.openclaw', '/h/.clawdbot']]) {
      const s = at(files);
      for (const runtime of ['openclaw', 'clawdbot'] as const) expect(wouldShadow(runtimeConfig(runtime, s).path, s)).toBeUndefined();
    }
  });
  test('an existing file is edited, not created: nothing hidden', () => {
    expect(wouldShadow('/h/.openclaw/clawdbot.json', at(['/h/.openclaw/clawdbot.json', '/h/.clawdbot/clawdbot.json']))).toBeUndefined();
  });
  test('a file elsewhere hides nothing', () => {
    expect(wouldShadow('/tmp/oc.json', at(['/h/.clawdbot/clawdbot.json']))).toBeUndefined();
  });
});
