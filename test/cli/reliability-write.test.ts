// The write protocol under crashes, races, leftovers and interrupts, through the built CLI (no engine).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { BIN, listFiles, runCli, tempDir } from '../helpers/cli.js';
import { renderDataFolder } from '../helpers/data-folder.js';
import { hashFolder } from '../helpers/folder-hash.js';

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
const JOURNAL = '.get-ai-gateway/journal.json';
let base: string;

beforeAll(async () => {
  base = join(tempDir('gag-write-base-'), 'data');
  await renderDataFolder(base, ['--dashscope-key', 'sk-dash-0001', '--auto-routing', '--auto-routing-default-model', 'qwen-turbo']);
});

const copyBase = () => {
  const data = join(tempDir('gag-write-'), 'data');
  cpSync(base, data, { recursive: true });
  return data;
};

/** Runs the CLI and reports a death by signal too (runCli folds it into the exit code). */
async function run(args: string[], env: Record<string, string> = {}) {
  const res = await execa('node', [BIN, ...args], { reject: false, stdin: 'ignore', env: { FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true', ...NO_ENGINE, ...env }, timeout: 60_000 });
  return { exitCode: res.exitCode, signal: res.signal, stdout: String(res.stdout), stderr: String(res.stderr) };
}

/** The gateway-visible state: every file parsed (YAML as data, the rest as text); our state folder and the lock aside. */
function state(data: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const file of listFiles(data)) {
    if (file.startsWith('.get-ai-gateway')) continue;
    const text = readFileSync(join(data, file), 'utf8');
    out[file] = file.endsWith('.yaml') ? parse(text) : text;
  }
  return out;
}

const COMMANDS: Record<string, string[]> = {
  'config add': ['config', 'add', '--provider', 'deepseek', '--key', 'sk-deepseek-0001'],
  'config remove': ['config', 'remove', '--provider', 'qwen'],
  'route add': ['route', 'add', '--model', 'deepseek-reasoner', '--trigger', 'prove|derive', '--default-model', 'deepseek-chat'],
  // Head and step Ingresses, the chain's EnvoyFilter and ai-proxy's derived entry.
  'route fallback': ['route', 'fallback', '--model', 'qwen-max', '--to', 'qwen-turbo'],
};

describe('a multi-file change killed after each of its steps is repaired by the next command', () => {
  test.each(Object.entries(COMMANDS))('%s: every crash point ends in the complete change', async (_name, args) => {
    const reference = copyBase();
    const before = state(reference);
    const done = await run([...args, '--data-folder', reference]);
    expect(done.exitCode, done.stderr).toBe(0);
    const after = state(reference);
    const changed = new Set([...Object.keys(before), ...Object.keys(after)].filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f])));
    expect(changed.size).toBeGreaterThan(1); // a multi-file change, so it is journaled
    let halfStates = 0;
    console.log(`${_name}: ${changed.size} files, ${changed.size + 1} crash points`);
    // Step 0 = the journal is written; 1..n = the n-th rename or delete; n = all renamed, journal still there.
    for (let n = 0; n <= changed.size; n++) {
      const data = copyBase();
      const killed = await run([...args, '--data-folder', data], { GET_AI_GATEWAY_FAULT: `exit-after-op:${n}` });
      expect(killed.signal, `step ${n}: ${killed.stderr}`).toBe('SIGKILL');
      expect(existsSync(join(data, JOURNAL)), `step ${n}`).toBe(true);
      ageLock(data);
      const crashed = state(data);
      if (JSON.stringify(crashed) !== JSON.stringify(before) && JSON.stringify(crashed) !== JSON.stringify(after)) halfStates++;
      // A reader repairs before it reports, and says so in one line.
      const list = await run(['config', 'list', '--json', '--data-folder', data]);
      expect(list.exitCode, list.stderr).toBe(0);
      expect(list.stderr.trim().split('\n')).toHaveLength(1);
      expect(list.stderr).toMatch(new RegExp(`^Repaired .*: completed a change interrupted by a crash`));
      expect(state(data), `step ${n}`).toEqual(after);
      expect(existsSync(join(data, JOURNAL))).toBe(false);
      expect(listFiles(data).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      // Nothing left to repair: the next command is silent about it.
      const again = await run(['config', 'list', '--data-folder', data]);
      expect(again.stderr).toBe('');
    }
    expect(halfStates).toBeGreaterThanOrEqual(changed.size - 1); // the kills really landed between renames
  }, 180_000);

  test('a writer repairs too: route add after a killed config add finds the provider complete', async () => {
    const data = copyBase();
    const killed = await run([...COMMANDS['config add']!, '--data-folder', data], { GET_AI_GATEWAY_FAULT: 'exit-after-op:2' });
    expect(killed.signal).toBe('SIGKILL');
    ageLock(data);
    const res = await run(['route', 'add', '--model', 'deepseek-chat', '--trigger', 'code', '--data-folder', data]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/^Repaired .*completed a change interrupted by a crash/);
    const list = JSON.parse((await run(['config', 'list', '--json', '--data-folder', data])).stdout);
    expect(list.providers.map((p: { id: string }) => p.id).sort()).toEqual(['aliyun', 'deepseek']);
    expect(existsSync(join(data, 'ingresses/ai-route-deepseek.internal.yaml'))).toBe(true);
    expect(readFileSync(join(data, 'default.cfg'), 'utf8')).toContain('DEEPSEEK_MODELS=');
  });
});

describe('signals during the locked section', () => {
  test.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s after the first rename: the change completes, then the command exits %i', async (signal, code) => {
    const data = copyBase();
    const res = await run([...COMMANDS['config add']!, '--data-folder', data], { GET_AI_GATEWAY_FAULT: `signal-after-op:1:${signal}` });
    expect(res.exitCode, res.stderr).toBe(code);
    expect(res.stderr).toContain(`${signal}: stopping now that the change in progress is complete`);
    expect(existsSync(join(data, JOURNAL))).toBe(false);
    const list = JSON.parse((await run(['config', 'list', '--json', '--data-folder', data])).stdout);
    expect(list.providers.map((p: { id: string }) => p.id).sort()).toEqual(['aliyun', 'deepseek']);
  });
});

describe('concurrent commands on a new folder', () => {
  test('config add and a failing route add in parallel, 20 rounds: the reported change is never lost', async () => {
    const root = tempDir('gag-race-');
    for (let round = 0; round < 20; round++) {
      const data = join(root, `round-${round}`);
      const [added, routed] = await Promise.all([
        run(['config', 'add', '--provider', 'openai', '--key', `sk-round-${round}`, '--data-folder', data]),
        run(['route', 'add', '--model', 'm', '--trigger', 'x', '--data-folder', data]),
      ]);
      expect(added.exitCode, added.stderr).toBe(0);
      expect(added.stdout).toContain('Added OpenAI');
      expect(routed.exitCode).toBe(2);
      expect(routed.stderr).toMatch(/no default model yet/);
      const proxy = parse(readFileSync(join(data, 'wasmplugins/ai-proxy.internal.yaml'), 'utf8'));
      expect(proxy.spec.defaultConfig.providers.find((p: { id: string }) => p.id === 'openai').apiTokens, `round ${round}`).toEqual([`sk-round-${round}`]);
      expect(readFileSync(join(data, '.ai-gateway-configured'), 'utf8')).toBe('configured by get-ai-gateway\n');
    }
  }, 180_000);

  test('a lock timeout deletes nothing, names the lock file and keeps its bound', async () => {
    const data = copyBase();
    const requireFromHere = createRequire(import.meta.url);
    const lockfile = requireFromHere.resolve('proper-lockfile');
    const holder = spawn(process.execPath, ['-e', `require(${JSON.stringify(lockfile)}).lock(${JSON.stringify(data)}, { lockfilePath: ${JSON.stringify(join(data, '.get-ai-gateway.lock'))}, realpath: false, stale: 10000 }).then(() => { console.log('locked'); setInterval(() => {}, 1000); })`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      for await (const line of createInterface({ input: holder.stdout! })) if (line === 'locked') break;
      const before = hashFolder(data);
      const started = Date.now();
      const res = await run([...COMMANDS['config add']!, '--data-folder', data], { GET_AI_GATEWAY_LOCK_TIMEOUT: '2' });
      const ms = Date.now() - started;
      expect(res.exitCode).toBe(1);
      expect(res.stderr).toMatch(new RegExp(`^error: another get-ai-gateway command holds ${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.get-ai-gateway\\.lock \\(waited 2 s\\); nothing was changed`));
      expect(ms).toBeLessThan(10_000);
      expect(hashFolder(data)).toBe(before);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

describe('leftovers: temps and locks, each with a bound on time', () => {
  test('a dangling <name>.yaml.tmp symlink is removed, never followed, and the change goes through at once', async () => {
    const data = copyBase();
    const tmp = join(data, 'wasmplugins/ai-proxy.internal.yaml.tmp');
    symlinkSync('/nonexistent/target', tmp);
    const started = Date.now();
    const res = await run([...COMMANDS['config add']!, '--data-folder', data]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(existsSync(tmp) || isLink(tmp)).toBe(false);
  });

  test("a <name>.yaml.tmp symlink to a user's file: the link goes, the file is untouched", async () => {
    const data = copyBase();
    const personal = join(tempDir('gag-personal-'), 'diary.txt');
    writeFileSync(personal, 'dear diary\n');
    const tmp = join(data, 'mcpbridges/default.yaml.tmp');
    symlinkSync(personal, tmp);
    const res = await run([...COMMANDS['config add']!, '--data-folder', data]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(isLink(tmp)).toBe(false);
    expect(readFileSync(personal, 'utf8')).toBe('dear diary\n');
  });

  test('a fresh foreign <name>.yaml.tmp (a console write in progress) is waited for, up to its stale age', async () => {
    const data = copyBase();
    const tmp = join(data, 'wasmplugins/ai-proxy.internal.yaml.tmp');
    writeFileSync(tmp, 'console: writing\n');
    const started = Date.now();
    const res = await run([...COMMANDS['config add']!, '--data-folder', data]);
    const ms = Date.now() - started;
    expect(res.exitCode, res.stderr).toBe(0);
    expect(ms).toBeGreaterThan(5_000); // it did wait for the other writer
    expect(ms).toBeLessThan(20_000); // …but not forever: the temp is stale after 10 s
    expect(existsSync(tmp)).toBe(false);
  }, 40_000);

  test('a stale lock left by a killed command is taken over at once', async () => {
    const data = copyBase();
    const lock = join(data, '.get-ai-gateway.lock');
    mkdirSync(lock);
    utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const started = Date.now();
    const res = await run([...COMMANDS['config add']!, '--data-folder', data]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(existsSync(lock)).toBe(false);
  });

  test('a damaged journal is refused with the file named, and nothing is changed', async () => {
    const data = copyBase();
    mkdirSync(join(data, '.get-ai-gateway'), { recursive: true });
    writeFileSync(join(data, JOURNAL), '{"version":1,"direction":"forw');
    const before = hashFolder(data);
    const res = await run(['config', 'list', '--data-folder', data]);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/^error: .*\.get-ai-gateway\/journal\.json is damaged/);
    expect(hashFolder(data)).toBe(before);
  });
});

describe('exposure: --bind-address', () => {
  const plan = (bind: string, extra: string[] = []) =>
    run(['start', '--non-interactive', '--dry-run', '--json', '--openai-key', 'sk-x', '--data-folder', join(tempDir(), 'd'), '--bind-address', bind, ...extra]);

  test.each([
    ['127.0.0.256', [], 2, /not an IPv4 or IPv6 address/],
    ['cafe', [], 2, /not an IPv4 or IPv6 address/],
    ['::::', [], 2, /not an IPv4 or IPv6 address/],
    // Beyond loopback, `start` turns access keys on (issue 14) and says what becomes reachable.
    ['0.0.0.0', [], 0, /^warning: ports are published on 0\.0\.0\.0: anyone who can reach this machine reaches the gateway and the console; access keys are on/],
    ['::', [], 0, /^warning: ports are published on ::: anyone who can reach this machine reaches the gateway and the console; access keys are on/],
    ['192.168.1.5', [], 0, /^warning: ports are published on 192\.168\.1\.5: anyone who can reach 192\.168\.1\.5 reaches the gateway and the console; access keys are on/],
    ['192.168.1.5', ['--allow-open'], 0, /^warning: ports are published on 192\.168\.1\.5 with --allow-open: unless access keys are on, anyone who can reach 192\.168\.1\.5 can send requests through the gateway \(spending your provider keys\) and open the console/],
    ['0.0.0.0', ['--allow-open'], 0, /with --allow-open: unless access keys are on, anyone who can reach this machine/],
    ['::1', [], 0, /^$/],
    ['127.0.0.1', [], 0, /^$/],
  ] as const)('%s %j → exit %i', async (bind, extra, code, message) => {
    const res = await plan(bind, [...extra]);
    expect(res.exitCode, res.stderr).toBe(code);
    expect(res.stderr.trim().split('\n').filter(Boolean).length).toBeLessThanOrEqual(1);
    expect(res.stderr.trim()).toMatch(message);
    if (code === 0) expect(JSON.parse(res.stdout).bindAddress).toBe(bind);
  });
});

describe('keys without argv for start', () => {
  test('--keys-from-env takes every provider key by its catalog name', async () => {
    const res = await run(['start', '--non-interactive', '--dry-run', '--json', '--keys-from-env', '--data-folder', join(tempDir(), 'd')], {
      OPENAI_API_KEY: 'sk-openai-from-env-0001',
      DEEPSEEK_API_KEY: 'sk-deepseek-from-env-0001',
    });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toContain('openai');
    expect(res.stdout).toContain('deepseek');
    expect(res.stdout + res.stderr).not.toContain('sk-openai-from-env-0001');
  });

  test('without --keys-from-env the environment is not read', async () => {
    const res = await run(['start', '--non-interactive', '--dry-run', '--json', '--data-folder', join(tempDir(), 'd')], { OPENAI_API_KEY: 'sk-openai-from-env-0001' });
    expect(res.stdout).not.toContain('"openai"');
  });

  test('--env-file (0600) gives keys; a key flag wins over it', async () => {
    const root = tempDir();
    const file = join(root, 'keys.env');
    writeFileSync(file, '# CI secrets\nOPENAI_API_KEY=sk-openai-file-0001\nexport DEEPSEEK_API_KEY="sk-deepseek-file-0001"\n', { mode: 0o600 });
    const data = join(root, 'd');
    const res = await run(['start', '--non-interactive', '--dry-run', '--json', '--env-file', file, '--deepseek-key', 'sk-deepseek-flag-0001', '--data-folder', data]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toContain('openai');
    expect(res.stdout).toContain('sk-d***0001');
    expect(res.stdout + res.stderr).not.toMatch(/sk-(openai|deepseek)-(file|flag)-0001/);
  });
});

describe('reports', () => {
  test('an unreachable engine is reported as such, not as "the gateway is not running"', async () => {
    const data = copyBase();
    const res = await runCli([...COMMANDS['config add']!, '--data-folder', data], { env: NO_ENGINE });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toContain('No Docker engine answered');
    expect(res.stdout).not.toContain('is not running');
  });
});

/**
 * The killed command's lock stays until it is stale (10 s without refresh, proven above with an aged
 * lock): age it instead of waiting, as if that time had passed.
 */
function ageLock(data: string): void {
  const lock = join(data, '.get-ai-gateway.lock');
  if (existsSync(lock)) utimesSync(lock, new Date(0), new Date(0));
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
