// `get-ai-gateway openclaw` against the real OpenClaw (npm openclaw, installed with the Node it needs by
// test/bed/openclaw.sh) and the gateway double on the real engine: what we write is the file OpenClaw reads,
// passes its own checks, lists the gateway's models, and a real OpenClaw turn gets the mock upstream's reply
// through the gateway. Every OpenClaw run has HOME in a temp folder, so nothing touches this machine's config.
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import JSON5 from 'json5';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/test-bed.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { hostAddressForContainers, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { dockerFor, freePorts, loadTestBed, type TestBed } from '../helpers/test-bed.js';

interface OpenClawRuntime {
  openclawVersion: string;
  node: string;
  openclaw: string;
  binDir: string;
  clawdbotVersion: string;
  /** The unpacked clawdbot package's dist/ (its config-path code; the program itself cannot be installed here). */
  clawdbotDist: string;
}

function loadRuntime(): OpenClawRuntime {
  const file = join(REPO_ROOT, '.test-bed', 'openclaw', 'runtime.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as OpenClawRuntime;
  } catch {
    throw new Error(`OpenClaw is not installed for the tests: ${file} is missing; run test/bed/provision.sh`);
  }
}

let bed: TestBed;
let runtime: OpenClawRuntime;
let upstream: MockUpstream;
const name = `gag-e2e-openclaw-${Math.random().toString(36).slice(2, 8)}`;
const data = join(tempDir(), 'data');
let httpPort = 0;

/** The environment OpenClaw runs in: its own HOME, its Node first on PATH, none of vitest's variables. */
function openclawEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { HOME: home, PATH: `${runtime.binDir}:${process.env.PATH}`, NO_COLOR: '1', CI: 'true', TMPDIR: home, ...extra };
}

async function openclaw(home: string, args: string[], extra: Record<string, string> = {}) {
  const r = await execa(runtime.node, [runtime.openclaw, ...args], { env: openclawEnv(home, extra), extendEnv: false, reject: false, timeout: 240_000, stdin: 'ignore' });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Our CLI with the same HOME and the runtime on PATH (detected as on a user's machine), vitest's variables unset. */
const oursEnv = (home: string, extra: Record<string, string> = {}) => ({
  DOCKER_HOST: bed.dockerHost,
  ...openclawEnv(home, extra),
  VITEST: undefined,
  VITEST_POOL_ID: undefined,
  VITEST_WORKER_ID: undefined,
  NODE_ENV: undefined,
});
const ours = (home: string, args: string[], extra: Record<string, string> = {}) => runCli(['openclaw', '--data-folder', data, ...args], { env: oursEnv(home, extra) });

/** A fresh home with OpenClaw pointed at the gateway by us. */
async function wiredHome(args: string[] = [], dataFolder = data): Promise<string> {
  const home = tempDir('gag-oc-home-');
  const r = await runCli(['openclaw', '--data-folder', dataFolder, ...args], { env: oursEnv(home) });
  if (r.exitCode !== 0) throw new Error(`get-ai-gateway openclaw failed (${r.exitCode}): ${r.stderr}`);
  return home;
}

interface Finding {
  checkId: string;
  severity: string;
  message: string;
  path?: string;
}

/** `openclaw doctor --lint --all --json` findings, with the home folder written as ~ so homes compare. */
async function lint(home: string, only: string[] = []): Promise<Finding[]> {
  const r = await openclaw(home, ['doctor', '--lint', '--all', '--json', ...only.flatMap((id) => ['--only', id])]);
  const report = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')).split(home).join('~')) as { findings: Finding[] };
  return report.findings;
}
/** A finding as text, its temp-folder suffixes (`…-n46Wfm/`) blanked out so two homes compare. */
const describeFinding = (f: Finding) => `${f.checkId} ${f.path ?? ''}: ${f.message}`.replace(/-[A-Za-z0-9]{6}(?=\/)/g, '-X');

beforeAll(async () => {
  bed = loadTestBed();
  runtime = loadRuntime();
  upstream = await startMockUpstream();
  const hostIp = await hostAddressForContainers(bed);
  const ports = await freePorts(3);
  httpPort = ports[0]!;
  const env = { DOCKER_HOST: bed.dockerHost };
  const started = await runCli(
    [
      'start', '--non-interactive', '--container-name', name, '--data-folder', data,
      '--image-repo', bed.imageRepo, '--image-tag', bed.imageTag,
      '--http-port', String(ports[0]), '--https-port', String(ports[1]), '--console-port', String(ports[2]),
      '--ollama-host', hostIp, '--ollama-port', String(upstream.port),
      // Providers the double cannot reach (https): their models are listed, never called.
      '--openai-key', 'sk-test-openai-1234567890', '--deepseek-key', 'sk-test-deepseek-1234567890',
    ],
    { env },
  );
  if (started.exitCode !== 0) throw new Error(`start failed (${started.exitCode}): ${started.stderr}`);
  for (const args of [['route', 'default', '--model', 'llama3.2'], ['route', 'add', '--model', 'llama3.3', '--trigger', 'prove']]) {
    const r = await runCli([...args, '--data-folder', data], { env });
    if (r.exitCode !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  }
});

afterAll(async () => {
  await dockerFor(bed).getContainer(name).remove({ force: true }).catch(() => {});
  await upstream?.close();
});

describe('the real OpenClaw', () => {
  test('is the version the test bed installed', async () => {
    const r = await openclaw(tempDir('gag-oc-home-'), ['--version']);
    expect(r.stdout).toContain(`OpenClaw ${runtime.openclawVersion}`);
  });

  test('reads the file we write, on every layout (its own `config file` answer)', async () => {
    const layouts: { name: string; files?: string[]; dirs?: string[]; env?: (home: string) => Record<string, string>; profile?: string }[] = [
      { name: 'nothing yet' },
      { name: 'an empty ~/.openclaw beside ~/.clawdbot/clawdbot.json', dirs: ['.openclaw'], files: ['.clawdbot/clawdbot.json'] },
      { name: 'only the legacy name in ~/.openclaw', files: ['.openclaw/clawdbot.json'] },
      { name: 'only an empty ~/.clawdbot', dirs: ['.clawdbot'] },
      { name: 'both legacy places', files: ['.clawdbot/openclaw.json', '.clawdbot/clawdbot.json'] },
      { name: 'OPENCLAW_STATE_DIR empty beside ~/.openclaw/openclaw.json', dirs: ['state'], files: ['.openclaw/openclaw.json'], env: (h) => ({ OPENCLAW_STATE_DIR: join(h, 'state') }) },
      { name: 'OPENCLAW_STATE_DIR with clawdbot.json', files: ['state/clawdbot.json'], env: (h) => ({ OPENCLAW_STATE_DIR: join(h, 'state') }) },
      { name: 'OPENCLAW_CONFIG_PATH with ~', files: ['.openclaw/openclaw.json'], env: () => ({ OPENCLAW_CONFIG_PATH: '~/conf/oc.json' }) },
      { name: 'OPENCLAW_HOME with a legacy config', files: ['alt/.clawdbot/clawdbot.json', '.openclaw/openclaw.json'], env: (h) => ({ OPENCLAW_HOME: join(h, 'alt') }) },
      { name: '--profile work', files: ['.openclaw/openclaw.json'], profile: 'work' },
    ];
    // Three at a time (each OpenClaw start takes seconds).
    const check = async (layout: (typeof layouts)[number]) => {
      const home = tempDir('gag-oc-home-');
      for (const d of layout.dirs ?? []) mkdirSync(join(home, d), { recursive: true });
      for (const f of layout.files ?? []) {
        mkdirSync(join(home, f, '..'), { recursive: true });
        writeFileSync(join(home, f), '{}\n');
      }
      const env = layout.env?.(home) ?? {};
      const profile = layout.profile ? ['--profile', layout.profile] : [];
      const [theirs, mine] = await Promise.all([openclaw(home, [...profile, 'config', 'file'], env), ours(home, ['--dry-run', '--json', ...profile], env)]);
      expect(mine.exitCode, `${layout.name}: ${mine.stderr}`).toBe(0);
      expect(JSON.parse(mine.stdout).config, layout.name).toBe(theirs.stdout.trim().split('\n').at(-1));
    };
    for (let i = 0; i < layouts.length; i += 3) await Promise.all(layouts.slice(i, i + 3).map(check));
  });

  test("clawdbot's own config-path code (from its published package) agrees with ours on every layout", async () => {
    // clawdbot resolves at startup: `--profile` through applyCliProfileEnv, then resolveConfigPath(resolveStateDir()).
    const resolver = `const [{ applyCliProfileEnv }, { resolveConfigPath, resolveStateDir }] = await Promise.all([import(${JSON.stringify(join(runtime.clawdbotDist, 'cli', 'profile.js'))}), import(${JSON.stringify(join(runtime.clawdbotDist, 'config', 'paths.js'))})]);
if (process.argv[1]) applyCliProfileEnv({ profile: process.argv[1] });
console.log(resolveConfigPath(process.env, resolveStateDir(process.env)));`;
    const layouts: { name: string; files?: string[]; env?: (home: string) => Record<string, string>; profile?: string }[] = [
      { name: 'nothing yet' },
      { name: "OpenClaw's files are not clawdbot's", files: ['.openclaw/openclaw.json', '.clawdbot/openclaw.json'] },
      { name: 'CLAWDBOT_STATE_DIR', env: (h) => ({ CLAWDBOT_STATE_DIR: join(h, 'cb') }) },
      { name: 'CLAWDBOT_STATE_DIR with ~', env: () => ({ CLAWDBOT_STATE_DIR: '~/cb' }) },
      { name: 'CLAWDBOT_CONFIG_PATH over CLAWDBOT_STATE_DIR', env: (h) => ({ CLAWDBOT_CONFIG_PATH: '~/x/cb.json', CLAWDBOT_STATE_DIR: join(h, 'cb') }) },
      { name: "OpenClaw's variables are ignored", env: (h) => ({ OPENCLAW_CONFIG_PATH: join(h, 'oc.json'), OPENCLAW_HOME: join(h, 'alt') }) },
      { name: '--profile work', profile: 'work' },
      { name: '--profile work keeps CLAWDBOT_STATE_DIR', profile: 'work', env: (h) => ({ CLAWDBOT_STATE_DIR: join(h, 'cb') }) },
    ];
    for (const layout of layouts) {
      const home = tempDir('gag-cb-home-');
      for (const f of layout.files ?? []) {
        mkdirSync(join(home, f, '..'), { recursive: true });
        writeFileSync(join(home, f), '{}\n');
      }
      const env = layout.env?.(home) ?? {};
      const theirs = await execa(runtime.node, ['--input-type=module', '-e', resolver, layout.profile ?? ''], { env: openclawEnv(home, env), extendEnv: false, reject: false });
      expect(theirs.exitCode, String(theirs.stderr)).toBe(0);
      const mine = await ours(home, ['--runtime', 'clawdbot', '--dry-run', '--json', ...(layout.profile ? ['--profile', layout.profile] : [])], env);
      expect(mine.exitCode, `${layout.name}: ${mine.stderr}`).toBe(0);
      expect(JSON.parse(mine.stdout).config, layout.name).toBe(String(theirs.stdout).trim());
    }
  });

  test('config validate --json: valid, no warnings; --check says the same', async () => {
    const home = await wiredHome();
    const r = await openclaw(home, ['config', 'validate', '--json']);
    const report = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(report, r.stderr).toMatchObject({ valid: true, path: join(home, '.openclaw', 'openclaw.json'), warnings: [] });
    expect(r.exitCode).toBe(0);

    const check = await ours(home, ['--check']);
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.stdout).toContain(`OpenClaw checked ${join(home, '.openclaw', 'openclaw.json')} (openclaw config validate --json): valid, no warnings`);
    // A broken entry: the real validation fails and --check exits 1.
    const file = join(home, '.openclaw', 'openclaw.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"openai-completions"', '"no-such-api"'));
    const broken = await ours(home, ['--check', '--json']);
    expect(broken.exitCode).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, valid: false });
  });

  test('doctor --lint finds nothing in what we wrote, and secrets audit --check is clean', async () => {
    const home = await wiredHome();
    // The same fresh home without our provider: whatever doctor says about a new install.
    const baseline = tempDir('gag-oc-home-');
    mkdirSync(join(baseline, '.openclaw'), { mode: 0o700 });
    writeFileSync(join(baseline, '.openclaw', 'openclaw.json'), '{}\n', { mode: 0o600 });
    const [ourFindings, baseFindings] = await Promise.all([lint(home), lint(baseline)]);
    expect(ourFindings.map(describeFinding).sort()).toEqual(baseFindings.map(describeFinding).sort());
    expect(JSON.stringify(ourFindings)).not.toMatch(/higress|models\.providers/);

    const audit = await openclaw(home, ['secrets', 'audit', '--check']);
    expect(audit.stdout + audit.stderr).toContain('Secrets audit: clean');
    expect(audit.exitCode).toBe(0);

    // The control: the placeholder key earlier versions wrote is what doctor and the audit object to.
    const file = join(home, '.openclaw', 'openclaw.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"api": "openai-completions",', '"api": "openai-completions",\n        "apiKey": "higress-local",'));
    expect((await lint(home, ['core/doctor/security'])).map((f) => f.message).join('\n')).toContain('plaintext');
    const dirty = await openclaw(home, ['secrets', 'audit', '--check']);
    expect(dirty.exitCode).toBe(1);
    expect(dirty.stdout).toContain('models.providers.higress.apiKey is stored as plaintext');
  });

  test('a gateway that requires access keys: apiKey is an env SecretRef, valid, audited clean with GET_AI_GATEWAY_KEY set', async () => {
    // A copy of the data folder with access control on (the files are all `openclaw` reads).
    const keyed = join(tempDir(), 'data');
    cpSync(data, keyed, { recursive: true });
    writeFileSync(
      join(keyed, 'wasmplugins', 'key-auth.internal.yaml'),
      'apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: key-auth.internal\n  namespace: higress-system\nspec:\n  defaultConfig:\n    global_auth: true\n    keys: [Authorization]\n    consumers:\n      - name: openclaw\n        credential: Bearer gk-e2e-key\n',
    );
    chmodSync(join(keyed, 'wasmplugins', 'key-auth.internal.yaml'), 0o600);
    const home = await wiredHome([], keyed);
    const written = JSON5.parse(readFileSync(join(home, '.openclaw', 'openclaw.json'), 'utf8'));
    expect(written.models.providers.higress.apiKey).toEqual({ source: 'env', provider: 'default', id: 'GET_AI_GATEWAY_KEY' });
    const validate = await openclaw(home, ['config', 'validate', '--json']);
    expect(JSON.parse(validate.stdout.slice(validate.stdout.indexOf('{')))).toMatchObject({ valid: true, warnings: [] });
    const audit = await openclaw(home, ['secrets', 'audit', '--check'], { GET_AI_GATEWAY_KEY: 'Bearer-less-test-key' });
    expect(audit.stdout + audit.stderr).toContain('Secrets audit: clean');
    expect(audit.exitCode).toBe(0);
    expect((await lint(home, ['core/doctor/security'])).map(describeFinding)).toEqual([]);
  });

  test("models list shows the gateway's models with what the catalog knows", async () => {
    const home = await wiredHome();
    const r = await openclaw(home, ['models', 'list', '--json']);
    const list = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { models: { key: string; input: string; contextWindow: number }[] };
    const byKey = Object.fromEntries(list.models.map((m) => [m.key, m]));
    for (const key of ['higress/llama3.2', 'higress/codellama', 'higress/gpt-4o', 'higress/gpt-4o-mini', 'higress/deepseek-chat', 'higress/deepseek-reasoner', 'higress/auto']) {
      expect(byKey[key], `${key} in ${r.stdout}`).toBeDefined();
    }
    expect(byKey['higress/gpt-4o']).toMatchObject({ input: 'text+image', contextWindow: 128000 });
    expect(byKey['higress/deepseek-chat']).toMatchObject({ input: 'text', contextWindow: 128000 });
  });

  test('infer model run --local --model higress/llama3.2: the mock upstream answers through the gateway', async () => {
    const home = await wiredHome();
    upstream.clear();
    const r = await openclaw(home, ['infer', 'model', 'run', '--local', '--model', 'higress/llama3.2', '--prompt', 'Say hello']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('mock reply from llama3.2');
    const sent = upstream.requests.filter((q) => q.path.endsWith('/chat/completions'));
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.at(-1)!.body.model).toBe('llama3.2');
  });

  test('higress/auto, set as the default with --default-model: a rule picks the model', async () => {
    const home = await wiredHome(['--default-model', 'higress/auto']);
    const file = join(home, '.openclaw', 'openclaw.json');
    expect(JSON5.parse(readFileSync(file, 'utf8')).agents.defaults.model.primary).toBe('higress/auto');
    upstream.clear();
    const r = await openclaw(home, ['infer', 'model', 'run', '--local', '--prompt', 'prove that 1 + 1 = 2']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('mock reply from llama3.3');
    expect(upstream.requests.filter((q) => q.path.endsWith('/chat/completions')).at(-1)!.body.model).toBe('llama3.3');
    // Our edit kept the file OpenClaw-valid.
    const validate = await openclaw(home, ['config', 'validate', '--json']);
    expect(JSON.parse(validate.stdout.slice(validate.stdout.indexOf('{')))).toMatchObject({ valid: true, warnings: [] });
  });
});
