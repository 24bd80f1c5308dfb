// The operating commands of the built CLI on temp data folders, with no Docker engine (DOCKER_HOST points
// at a socket that does not exist): models, usage from <data>/logs/access.log, openclaw, doctor's file
// checks and status without an engine.
import { closeSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import JSON5 from 'json5';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listFiles, runCli, tempDir } from '../helpers/cli.js';
import { renderDataFolder } from '../helpers/data-folder.js';
import { GOLDEN_DIR } from '../helpers/golden.js';

/** A folder holding an executable shell script `name` (a stand-in for a runtime on PATH). */
function fakeCommand(name: string, body: string): string {
  const dir = tempDir('gag-bin-');
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return dir;
}

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent.sock', GET_AI_GATEWAY_DOCTOR_MIRRORS: 'none' };
const FIXTURES = join(import.meta.dirname, '../fixtures/access-logs');

async function dataFolder(args: string[] = ['--openai-key', 'sk-test-1234567890abcd', '--deepseek-key', 'sk-deep-1234567890', '--http-port', '18080']): Promise<string> {
  const dir = join(tempDir(), 'data');
  await renderDataFolder(dir, args);
  return dir;
}

describe('models', () => {
  test('lists patterns, usual models and higress/auto from the files', async () => {
    const data = await dataFolder(['--openai-key', 'sk-test-1234567890abcd', '--auto-routing', '--auto-routing-default-model', 'gpt-4o', '--http-port', '18080']);
    const { exitCode, stdout, stderr } = await runCli(['models', '--data-folder', data], { env: NO_ENGINE });
    expect(exitCode, stderr).toBe(0);
    expect(stdout).toContain('Models served at http://127.0.0.1:18080/v1');
    expect(stdout).toContain('OpenAI (openai): gpt-*,o1-*,o3-*');
    expect(stdout).toContain('also as openai/<model>');
    expect(stdout).toContain('e.g. gpt-4o-mini, gpt-4o, o3-mini');
    expect(stdout).toContain('higress/auto: picks a model from the last user message; default gpt-4o');

    const json = await runCli(['models', '--data-folder', data, '--json'], { env: NO_ENGINE });
    expect(json.exitCode).toBe(0);
    const view = JSON.parse(json.stdout);
    expect(view.providers.map((p: { id: string }) => p.id)).toEqual(['openai']);
    expect(view.autoRouting).toMatchObject({ enabled: true, defaultModel: 'gpt-4o' });
  });

  test('an empty data folder: no models, exit 0', async () => {
    const { exitCode, stdout } = await runCli(['models', '--data-folder', join(tempDir(), 'empty')], { env: NO_ENGINE });
    expect(exitCode).toBe(0);
    expect(stdout).toContain('No providers configured');
  });
});

describe('usage from <data>/logs/access.log', () => {
  let data: string;
  beforeAll(async () => {
    data = await dataFolder();
    mkdirSync(join(data, 'logs'));
    copyFileSync(join(FIXTURES, 'real-format.log'), join(data, 'logs', 'access.log'));
  });

  test('a table by model; malformed lines reported, not fatal', async () => {
    const { exitCode, stdout, stderr } = await runCli(['usage', '--data-folder', data], { env: NO_ENGINE });
    expect(exitCode, stderr).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(`Token usage by model (source: ${join(data, 'logs', 'access.log')})`);
    expect(lines[1]).toMatch(/^MODEL\s+REQUESTS\s+INPUT TOKENS\s+OUTPUT TOKENS\s+ERRORS\s+P50 MS\s+P95 MS$/);
    expect(lines[2]).toMatch(/^gpt-4o\s+2\s+300\s+120\s+0\s+610\s+820$/);
    expect(stdout).toMatch(/\nTOTAL\s+7\s+610\s+245\s+3\s+500\s+2500\n/);
    expect(stdout).toContain('Read 12 lines: 7 requests, 2 non-access-log lines ignored, 3 malformed lines skipped.');
    expect(stderr).toContain('first malformed line: 4 (not valid JSON)');
  });

  test('--json --by provider --since', async () => {
    const { exitCode, stdout } = await runCli(['usage', '--data-folder', data, '--json', '--by', 'provider', '--since', '2024-08-13'], { env: NO_ENGINE });
    expect(exitCode).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.by).toBe('provider');
    expect(report.since).toBe('2024-08-13T00:00:00.000Z');
    expect(report.total).toMatchObject({ requests: 4, errors: 2 });
    // The one OpenAI request that day has an unreadable ai_log: skipped as malformed.
    expect(report.rows.map((r: { key: string }) => r.key).sort()).toEqual(['(none)', 'deepseek', 'ollama']);
    expect(report.lines).toMatchObject({ malformed: 3, beforeSince: 3 });
  });

  test.each([
    [['--since', 'last week'], '--since'],
    [['--by', 'hour'], '--by'],
  ])('%j: usage error, exit 2', async (args, mentions) => {
    const { exitCode, stderr, stdout } = await runCli(['usage', '--data-folder', data, ...args], { env: NO_ENGINE });
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(new RegExp(`^error: .*${mentions}`));
    expect(stdout).toBe('');
  });

  test('no access.log and no engine: exit 1, saying both', async () => {
    const { exitCode, stderr } = await runCli(['usage', '--data-folder', join(tempDir(), 'data')], { env: NO_ENGINE });
    expect(exitCode).toBe(1);
    expect(stderr).toContain('no access log');
    expect(stderr).toContain('Docker engine not reachable');
  });

  test('a ~100 MB log runs through the CLI in a 48 MB heap', async () => {
    const big = join(tempDir(), 'data');
    mkdirSync(join(big, 'logs'), { recursive: true });
    const block = readFileSync(join(FIXTURES, 'real-format.log'));
    const fd = openSync(join(big, 'logs', 'access.log'), 'w');
    let copies = 0;
    for (let written = 0; written < 100 * 1024 * 1024; written += block.length) {
      writeSync(fd, block);
      copies++;
    }
    closeSync(fd);
    const started = Date.now();
    const { exitCode, stdout, stderr } = await runCli(['usage', '--data-folder', big, '--json'], {
      env: { ...NO_ENGINE, NODE_OPTIONS: '--max-old-space-size=48' },
      timeout: 60_000,
    });
    const seconds = (Date.now() - started) / 1000;
    expect(exitCode, stderr).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.lines).toMatchObject({ read: copies * 12, requests: copies * 7, malformed: copies * 3 });
    expect(report.total.inputTokens).toBe(copies * 610);
    console.log(`CLI usage over ${copies * 12} lines (~100 MB) with --max-old-space-size=48: ${seconds.toFixed(1)} s`);
  }, 90_000);
});

describe('openclaw', () => {
  test('--dry-run prints the patch and writes nothing', async () => {
    const data = await dataFolder();
    const home = tempDir('gag-home-');
    const { exitCode, stdout } = await runCli(['openclaw', '--data-folder', data, '--dry-run', '--runtime', 'openclaw'], { env: { ...NO_ENGINE, HOME: home } });
    expect(exitCode).toBe(0);
    expect(stdout).toContain(`Would create ${join(home, '.openclaw', 'openclaw.json')}`);
    expect(stdout).toContain('"baseUrl": "http://127.0.0.1:18080/v1"');
    expect(stdout).toContain('Dry run: nothing written.');
    expect(listFiles(home)).toEqual([]);
  });

  test('creates the config, then a second run changes nothing (no second backup)', async () => {
    const data = await dataFolder();
    const home = tempDir('gag-home-');
    const file = join(home, '.openclaw', 'openclaw.json');
    const first = await runCli(['openclaw', '--data-folder', data, '--runtime', 'openclaw'], { env: { ...NO_ENGINE, HOME: home } });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Created ${file} (OpenClaw reads it: the default): provider higress → http://127.0.0.1:18080/v1`);
    expect(first.stdout).toContain('OpenClaw names them higress/deepseek-chat, higress/deepseek-reasoner, …, higress/o3-mini; make one the default (comments kept): get-ai-gateway openclaw --default-model deepseek-chat');
    expect(first.stdout).not.toContain('openclaw models set');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    expect(config.models.providers.higress).toMatchObject({ baseUrl: 'http://127.0.0.1:18080/v1', api: 'openai-completions' });
    expect(config.models.providers.higress).not.toHaveProperty('apiKey');
    expect(config.models.providers.higress.models.map((m: { id: string }) => m.id)).toEqual(['deepseek-chat', 'deepseek-reasoner', 'gpt-4o-mini', 'gpt-4o', 'o3-mini']);
    expect(config.models.providers.higress.models[1]).toMatchObject({ id: 'deepseek-reasoner', reasoning: true, input: ['text'] });
    expect(lstatSync(file).mode & 0o777).toBe(0o600);

    const second = await runCli(['openclaw', '--data-folder', data, '--json', '--runtime', 'openclaw'], { env: { ...NO_ENGINE, HOME: home } });
    expect(second.exitCode).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ action: 'unchanged', backup: null, config: file, runtime: 'openclaw', resolvedBy: 'the existing config' });
    expect(readdirSync(join(home, '.openclaw'))).toEqual(['openclaw.json']);
  });

  test('the file OpenClaw reads: an empty ~/.openclaw beside ~/.clawdbot/clawdbot.json edits the latter, and --config refuses to hide it', async () => {
    const data = await dataFolder();
    const home = tempDir('gag-home-');
    mkdirSync(join(home, '.openclaw'));
    mkdirSync(join(home, '.clawdbot'));
    const real = join(home, '.clawdbot', 'clawdbot.json');
    writeFileSync(real, '{ gateway: { port: 18789 } }\n', { mode: 0o600 });
    const hiding = await runCli(['openclaw', '--data-folder', data, '--runtime', 'openclaw', '--config', join(home, '.openclaw', 'openclaw.json')], { env: { ...NO_ENGINE, HOME: home } });
    expect(hiding.exitCode).toBe(2);
    expect(hiding.stderr).toContain(`would hide ${real}, the config OpenClaw reads now`);
    expect(readdirSync(join(home, '.openclaw'))).toEqual([]);

    const { exitCode, stdout, stderr } = await runCli(['openclaw', '--data-folder', data, '--runtime', 'openclaw', '--json'], { env: { ...NO_ENGINE, HOME: home } });
    expect(exitCode, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ config: real, runtime: 'openclaw', action: 'updated' });
    expect(JSON5.parse(readFileSync(real, 'utf8')).models.providers.higress.api).toBe('openai-completions');
    expect(readdirSync(join(home, '.openclaw'))).toEqual([]);
  });

  test('OPENCLAW_CONFIG_PATH, OPENCLAW_STATE_DIR and --profile are honoured, and shown', async () => {
    const data = await dataFolder();
    const home = tempDir('gag-home-');
    const env = { ...NO_ENGINE, HOME: home };
    const dry = async (extra: string[], more: Record<string, string> = {}) => JSON.parse((await runCli(['openclaw', '--data-folder', data, '--runtime', 'openclaw', '--dry-run', '--json', ...extra], { env: { ...env, ...more } })).stdout);
    expect(await dry([], { OPENCLAW_CONFIG_PATH: '~/cfg/oc.json' })).toMatchObject({ config: join(home, 'cfg', 'oc.json'), resolvedBy: 'OPENCLAW_CONFIG_PATH', action: 'dry-run' });
    expect(await dry([], { OPENCLAW_STATE_DIR: join(home, 'state') })).toMatchObject({ config: join(home, 'state', 'openclaw.json'), resolvedBy: 'OPENCLAW_STATE_DIR' });
    expect(await dry(['--profile', 'work'])).toMatchObject({ config: join(home, '.openclaw-work', 'openclaw.json'), resolvedBy: 'profile work' });
    expect(await dry([], { OPENCLAW_HOME: join(home, 'alt') })).toMatchObject({ config: join(home, 'alt', '.openclaw', 'openclaw.json') });
    const text = await runCli(['openclaw', '--data-folder', data, '--runtime', 'openclaw', '--dry-run'], { env: { ...env, OPENCLAW_CONFIG_PATH: join(home, 'x.json') } });
    expect(text.stdout).toContain(`Would create ${join(home, 'x.json')} (OpenClaw reads it: OPENCLAW_CONFIG_PATH) with:`);
    expect(listFiles(home)).toEqual([]);
  });

  test('an existing JSON5 config keeps its comments and other settings, with a backup beside it', async () => {
    const data = await dataFolder();
    const home = tempDir('gag-home-');
    mkdirSync(join(home, '.openclaw'));
    const file = join(home, '.openclaw', 'openclaw.json');
    const original = `// mine\n{\n  agents: { defaults: { model: { primary: 'anthropic/claude-opus-4-5' } } }, // keep\n  gateway: { port: 18789 },\n}\n`;
    writeFileSync(file, original, { mode: 0o600 });
    const { exitCode, stdout, stderr } = await runCli(['openclaw', '--data-folder', data, '--runtime', 'openclaw'], { env: { ...NO_ENGINE, HOME: home } });
    expect(exitCode, stderr).toBe(0);
    expect(stdout).toContain('Everything else in the file (comments and formatting included) is unchanged.');
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith("// mine\n{\n  agents: { defaults: { model: { primary: 'anthropic/claude-opus-4-5' } } }, // keep\n  gateway: { port: 18789 },\n")).toBe(true);
    expect(JSON5.parse(text).models.providers.higress.baseUrl).toBe('http://127.0.0.1:18080/v1');
    const backups = readdirSync(join(home, '.openclaw')).filter((n) => /^openclaw\.json\.bak-\d{8}T\d{6}Z$/.test(n));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(home, '.openclaw', backups[0]!), 'utf8')).toBe(original);
  });

  test('clawdbot on PATH: ~/.clawdbot/clawdbot.json, its wording and its model ids', async () => {
    const data = await dataFolder(['--openai-key', 'sk-test-1234567890abcd', '--auto-routing', '--auto-routing-default-model', 'gpt-4o', '--http-port', '18080']);
    const home = tempDir('gag-home-');
    const bin = fakeCommand('clawdbot', 'exit 0');
    const env = { ...NO_ENGINE, HOME: home, PATH: `${bin}${delimiter}${process.env.PATH}` };
    const { exitCode, stdout } = await runCli(['openclaw', '--data-folder', data, '--json'], { env });
    expect(exitCode).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ config: join(home, '.clawdbot', 'clawdbot.json'), runtime: 'clawdbot', action: 'created' });
    expect(result.models).toContain('higress/higress/auto');
    expect(existsSync(join(home, '.openclaw'))).toBe(false);
    const again = await runCli(['openclaw', '--data-folder', data, '--default-model', 'higress/auto'], { env });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain("Clawdbot's default model: higress/higress/auto.");
    expect(JSON5.parse(readFileSync(join(home, '.clawdbot', 'clawdbot.json'), 'utf8')).agents.defaults.model.primary).toBe('higress/higress/auto');
  });

  test('--default-model names a model the gateway offers, else exit 2 and nothing written', async () => {
    const data = await dataFolder();
    const file = join(tempDir(), 'oc.json');
    const { exitCode, stderr } = await runCli(['openclaw', '--data-folder', data, '--config', file, '--default-model', 'claude-opus-4-5'], { env: NO_ENGINE });
    expect(exitCode).toBe(2);
    expect(stderr).toContain('--default-model "claude-opus-4-5" is not a model the gateway offers OpenClaw');
    expect(existsSync(file)).toBe(false);
  });

  test('a gateway with access keys on: apiKey refers to GET_AI_GATEWAY_KEY, no key value anywhere', async () => {
    const data = await dataFolder();
    writeFileSync(join(data, 'wasmplugins', 'key-auth.internal.yaml'), 'apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: key-auth.internal\n  namespace: higress-system\nspec:\n  defaultConfig:\n    global_auth: true\n    keys: [Authorization]\n    consumers:\n      - name: ci\n        credential: Bearer gk-secret-123456\n');
    const file = join(tempDir(), 'oc.json');
    const { exitCode, stdout, stderr } = await runCli(['openclaw', '--data-folder', data, '--config', file, '--runtime', 'openclaw'], { env: NO_ENGINE });
    expect(exitCode, stderr).toBe(0);
    expect(stdout).toContain('The gateway requires an access key: OpenClaw reads it from GET_AI_GATEWAY_KEY');
    const text = readFileSync(file, 'utf8');
    expect(JSON.parse(text).models.providers.higress.apiKey).toEqual({ source: 'env', provider: 'default', id: 'GET_AI_GATEWAY_KEY' });
    expect(text + stdout + stderr).not.toContain('gk-secret');
  });

  test('backups: the newest 3 are kept', async () => {
    const data = await dataFolder();
    const dir = tempDir();
    const file = join(dir, 'openclaw.json');
    for (const stamp of ['20240101T000000Z', '20240102T000000Z', '20240103T000000Z']) writeFileSync(`${file}.bak-${stamp}`, '{}');
    writeFileSync(file, '{}\n');
    const { exitCode } = await runCli(['openclaw', '--data-folder', data, '--config', file], { env: NO_ENGINE });
    expect(exitCode).toBe(0);
    const backups = readdirSync(dir).filter((n) => n.startsWith('openclaw.json.bak-')).sort();
    expect(backups).toHaveLength(3);
    expect(backups[0]).toBe('openclaw.json.bak-20240102T000000Z');
  });

  test('--check runs the runtime on PATH and reports; exit 1 when it finds problems or is not installed', async () => {
    const dir = tempDir();
    const file = join(dir, 'oc.json');
    writeFileSync(file, '{}\n');
    // Stand-ins for the runtime's validate command (the real one is exercised in test/e2e/openclaw.test.ts).
    const clean = fakeCommand('openclaw', `echo '{"valid":true,"path":"'"$OPENCLAW_CONFIG_PATH"'","warnings":[]}'`);
    const ok = await runCli(['openclaw', '--check', '--config', file], { env: { ...NO_ENGINE, PATH: `${clean}${delimiter}${process.env.PATH}` } });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`OpenClaw checked ${file} (openclaw config validate --json): valid, no warnings`);
    const bad = fakeCommand('openclaw', `echo 'noise'; echo '{"valid":false,"issues":["models.providers.higress.api: invalid"],"warnings":[]}'; exit 1`);
    const failed = await runCli(['openclaw', '--check', '--config', file, '--json'], { env: { ...NO_ENGINE, PATH: `${bad}${delimiter}${process.env.PATH}` } });
    expect(failed.exitCode).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, valid: false, problems: ['models.providers.higress.api: invalid'] });
    const onlyNode = tempDir();
    symlinkSync(process.execPath, join(onlyNode, 'node'));
    const missing = await runCli(['openclaw', '--check', '--config', file], { env: { ...NO_ENGINE, PATH: onlyNode } });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('OpenClaw is not installed here (no openclaw on PATH)');
  });

  test('a config that is a symbolic link stays one (written where it points)', async () => {
    const data = await dataFolder();
    const dir = tempDir();
    const real = join(dir, 'dotfiles-openclaw.json');
    const link = join(dir, 'openclaw.json');
    writeFileSync(real, '{}\n');
    symlinkSync(real, link);
    const { exitCode, stderr } = await runCli(['openclaw', '--data-folder', data, '--config', link], { env: NO_ENGINE });
    expect(exitCode, stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(real, 'utf8')).models.providers.higress.api).toBe('openai-completions');
  });

  test('no providers configured: exit 1, nothing written', async () => {
    const home = tempDir('gag-home-');
    const { exitCode, stderr } = await runCli(['openclaw', '--data-folder', join(tempDir(), 'data'), '--config', join(home, 'oc.json')], { env: NO_ENGINE });
    expect(exitCode).toBe(1);
    expect(stderr).toContain('no providers configured');
    expect(listFiles(home)).toEqual([]);
  });

  test('a config that is not JSON5: exit 2, the file untouched', async () => {
    const data = await dataFolder();
    const file = join(tempDir(), 'oc.json');
    writeFileSync(file, '{ models: ');
    const { exitCode, stderr } = await runCli(['openclaw', '--data-folder', data, '--config', file], { env: NO_ENGINE });
    expect(exitCode).toBe(2);
    expect(stderr).toContain('not valid JSON5');
    expect(readFileSync(file, 'utf8')).toBe('{ models: ');
  });
});

describe('doctor', () => {
  let registry: http.Server;
  let registryPort = 0;
  beforeAll(async () => {
    registry = http.createServer((_req, res) => res.writeHead(401, { 'docker-distribution-api-version': 'registry/2.0' }).end());
    await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
    registryPort = (registry.address() as AddressInfo).port;
  });
  afterAll(() => registry.close());

  test("upstream's leftovers and no engine: failures named with fixes, exit 1; mirrors from the env", async () => {
    const data = join(tempDir(), 'data');
    cpSync(join(GOLDEN_DIR, '07-mutations', 'data'), data, { recursive: true });
    const mirrors = `http://127.0.0.1:${registryPort}/v2/,http://127.0.0.1:1/v2/`;
    const { exitCode, stdout, stderr } = await runCli(['doctor', '--data-folder', data, '--json'], {
      env: { ...NO_ENGINE, GET_AI_GATEWAY_DOCTOR_MIRRORS: mirrors },
    });
    expect(exitCode, stderr).toBe(1);
    const report = JSON.parse(stdout);
    const by = (check: string) => report.findings.filter((f: { check: string }) => f.check === check);
    expect(by('engine')[0]).toMatchObject({ status: 'fail', message: expect.stringContaining('not reachable') });
    expect(by('placeholders')[0]).toMatchObject({ status: 'warn' });
    expect(by('providers')).toEqual(
      expect.arrayContaining([expect.objectContaining({ status: 'fail', message: expect.stringContaining('an ingress for provider deepseek'), fix: expect.stringMatching(new RegExp(`get-ai-gateway(\\.js)? config remove --data-folder ${data} --provider deepseek$`)) })]),
    );
    expect(by('mirror')).toEqual([
      expect.objectContaining({ status: 'ok', message: expect.stringMatching(/^127\.0\.0\.1:\d+ answers \(HTTP 401\) in \d+ ms$/) }),
      expect.objectContaining({ status: 'warn', message: expect.stringMatching(/^127\.0\.0\.1:1 unreachable: ECONNREFUSED after \d+ ms$/) }),
    ]);
    expect(report.summary.fail).toBeGreaterThanOrEqual(3);
  });

  test('a healthy rendered folder: only the engine fails; human output shows each fix', async () => {
    const data = await dataFolder();
    writeFileSync(join(data, 'wasmplugins', 'model-router.internal.yaml.tmp'), 'x');
    const { exitCode, stdout } = await runCli(['doctor', '--data-folder', data], { env: NO_ENGINE });
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/FAIL\s+engine\s+Docker engine not reachable/);
    expect(stdout).toMatch(/ok\s+resource files\s+\d+ resource files parse/);
    expect(stdout).toMatch(/warn\s+temp files\s+a write is in progress \(wasmplugins\/model-router.internal.yaml.tmp\)/);
    expect(stdout).toMatch(/ok\s+providers\s+2 providers, each with a match rule, registry, ingress and console route/);
    expect(stdout).toMatch(/\d+ ok, \d+ warnings?, 1 failure\.$/);
  });
});

describe('status without an engine', () => {
  test('says so, still shows the files\' providers (keys masked), exit 1', async () => {
    const data = await dataFolder();
    const { exitCode, stdout } = await runCli(['status', '--data-folder', data], { env: NO_ENGINE });
    expect(exitCode).toBe(1);
    expect(stdout).toContain('Gateway higress-ai-gateway: unknown (no Docker engine)');
    expect(stdout).toMatch(/OpenAI \(openai\)\s+keys sk-t\*\*\*abcd\s+models gpt-\*,o1-\*,o3-\*/);
    expect(stdout).not.toContain('sk-test-1234567890abcd');

    const json = await runCli(['status', '--data-folder', data, '--json'], { env: NO_ENGINE });
    expect(json.exitCode).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ ok: false, engine: { reachable: false }, container: null });
    expect(report.providers).toHaveLength(2);
  });
});

describe('logs: bad flags are usage errors before any engine is asked', () => {
  test.each([
    [['--component', 'envoy'], '--component'],
    [['--tail', 'lots'], '--tail'],
  ])('%j', async (args, mentions) => {
    const { exitCode, stderr } = await runCli(['logs', ...args], { env: NO_ENGINE });
    expect(exitCode).toBe(2);
    expect(stderr).toContain(mentions);
    expect(stderr).not.toContain('Docker');
  });
});
