// `access` on a data folder without a container: the file it writes, --json, bad input (exit 2, one line,
// nothing changed) and keys never printed in full except when created.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { listGatewayFiles, runCli, tempDir } from '../helpers/cli.js';
import { renderDataFolder } from '../helpers/data-folder.js';

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
const FILE = 'wasmplugins/key-auth.internal.yaml';
let data: string;

const cli = (args: string[], opts: { env?: Record<string, string>; input?: string } = {}) =>
  runCli([...args, '--data-folder', data], { env: { ...NO_ENGINE, ...opts.env }, input: opts.input });
const yamlOf = (rel: string) => parse(readFileSync(join(data, rel), 'utf8'));
const snapshot = () => Object.fromEntries(listGatewayFiles(data).map((f) => [f, readFileSync(join(data, f), 'utf8')]));

beforeEach(async () => {
  data = join(tempDir(), 'data');
  await renderDataFolder(data, ['--dashscope-key', 'sk-dash-0001']);
});

describe('access without a running container', () => {
  test('add writes two credentials per key (Bearer and bare), the plugin before model-router, 0600, the key shown once', async () => {
    const add = await cli(['access', 'add', '--name', 'laptop', '--json']);
    expect(add.exitCode, add.stderr).toBe(0);
    const result = JSON.parse(add.stdout);
    expect(result).toMatchObject({ action: 'added', name: 'laptop', generated: true, enabled: false, reload: { running: false } });
    const key = result.key as string;
    expect(add.stderr).not.toContain(key);
    const plugin = yamlOf(FILE);
    expect(plugin.metadata.name).toBe('key-auth.internal');
    expect(plugin.spec).toMatchObject({
      defaultConfig: { global_auth: true, in_header: true, keys: ['authorization', 'x-api-key'] },
      defaultConfigDisable: true,
      failStrategy: 'FAIL_CLOSE',
      phase: 'AUTHN',
      priority: 310,
      url: 'http://localhost:8002/plugins/key-auth/1.0.0/plugin.wasm',
    });
    expect(plugin.spec.priority).toBeLessThan(yamlOf('wasmplugins/model-router.internal.yaml').spec.priority);
    expect(plugin.spec.defaultConfig.consumers).toEqual([
      { name: 'laptop', credential: `Bearer ${key}`, created: result.created },
      { name: 'laptop', credential: key, created: result.created },
    ]);
    expect(statSync(join(data, FILE)).mode & 0o777).toBe(0o600);
    // every string stays a string under YAML 1.1 (the apiserver's reader): quoted values
    expect(readFileSync(join(data, FILE), 'utf8')).toContain(`created: "${result.created}"`);

    const list = await cli(['access', 'list']);
    expect(list.stdout).toContain(`laptop  ${key.slice(0, 4)}***${key.slice(-4)}`);
    expect(list.stdout + list.stderr).not.toContain(key);
  });

  test('enable with no key creates the first one (shown once); enable again and status say so; disable keeps the keys', async () => {
    const enable = await cli(['access', 'enable']);
    expect(enable.exitCode, enable.stderr).toBe(0);
    const key = enable.stdout.split('\n')[enable.stdout.split('\n').findIndex((l) => l.includes('shown only now')) + 1]!.trim();
    expect(key).toMatch(/^gag_/);
    expect(yamlOf(FILE).spec.defaultConfigDisable).toBe(false);
    expect(yamlOf(FILE).spec.defaultConfig.consumers.map((c: any) => c.name)).toEqual(['default', 'default']);
    // ai-statistics now logs the consumer (for usage --by consumer), its default attributes spelled out
    const stats = yamlOf('wasmplugins/ai-statistics-1.0.0.yaml').spec.defaultConfig;
    expect(stats.use_default_attributes).toBeUndefined();
    expect(stats.attributes).toContainEqual({ key: 'consumer', value_source: 'request_header', value: 'x-mse-consumer', apply_to_log: true });
    expect(stats.attributes).toContainEqual({ key: 'answer', apply_to_log: true, rule: 'append' });
    expect(stats.enable_path_suffixes).toEqual(['/completions', '/messages']);

    const again = JSON.parse((await cli(['access', 'enable', '--json'])).stdout);
    expect(again).toMatchObject({ action: 'unchanged', enabled: true, keys: 1, created: null });
    expect(JSON.parse((await cli(['access', 'status', '--json'])).stdout)).toMatchObject({ enabled: true, keys: 1, exposed: false });
    const disable = JSON.parse((await cli(['access', 'disable', '--json'])).stdout);
    expect(disable).toMatchObject({ action: 'disabled', enabled: false });
    expect(JSON.parse((await cli(['access', 'list', '--json'])).stdout)).toMatchObject({ enabled: false, keys: [{ name: 'default' }] });
  });

  test('--key-stdin and --key-env take the key from CI without printing it', async () => {
    const fromStdin = 'ci-key-from-stdin-0123456789';
    const add = await cli(['access', 'add', '--name', 'ci', '--key-stdin'], { input: `${fromStdin}\n` });
    expect(add.exitCode, add.stderr).toBe(0);
    expect(add.stdout + add.stderr).not.toContain(fromStdin);
    expect(add.stdout).toContain('ci-k***6789');
    const fromEnv = 'ci-key-from-env-0123456789';
    const rotate = await cli(['access', 'rotate', '--name', 'ci', '--key-env', 'CI_GATEWAY_KEY', '--json'], { env: { CI_GATEWAY_KEY: fromEnv } });
    expect(rotate.exitCode, rotate.stderr).toBe(0);
    expect(rotate.stdout + rotate.stderr).not.toContain(fromEnv);
    expect(JSON.parse(rotate.stdout)).toMatchObject({ action: 'rotated', name: 'ci', key: 'ci-k***6789', generated: false });
    expect(yamlOf(FILE).spec.defaultConfig.consumers.map((c: any) => c.credential)).toEqual([`Bearer ${fromEnv}`, fromEnv]);
  });

  test('remove of an unknown name changes nothing and says so', async () => {
    const before = snapshot();
    const res = await cli(['access', 'remove', '--name', 'ghost', '--json']);
    expect(res.exitCode).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ action: 'absent', name: 'ghost' });
    expect(snapshot()).toEqual(before);
  });
});

describe('access bad input: exit 2, one line, no file changed', () => {
  const cases: [string, string[], string, { env?: Record<string, string>; input?: string; setup?: string[][] }?][] = [
    ['missing --name', ['access', 'add'], '--name'],
    ['name with a space', ['access', 'add', '--name', 'my key'], 'not a valid key name'],
    ['name too long', ['access', 'add', '--name', 'x'.repeat(65)], 'not a valid key name'],
    ['key too short', ['access', 'add', '--name', 'a', '--key-env', 'K'], '16 to 512', { env: { K: 'short' } }],
    ['key with a space', ['access', 'add', '--name', 'a', '--key-env', 'K'], 'white space', { env: { K: 'has a space in it 0123456789' } }],
    ['two keys from env', ['access', 'add', '--name', 'a', '--key-env', 'K'], 'exactly one', { env: { K: 'aaaaaaaaaaaaaaaa1,bbbbbbbbbbbbbbbbb2' } }],
    ['unset --key-env', ['access', 'add', '--name', 'a', '--key-env', 'GAG_UNSET_VAR'], 'GAG_UNSET_VAR'],
    ['empty stdin', ['access', 'add', '--name', 'a', '--key-stdin'], 'no key', { input: '' }],
    ['two key sources', ['access', 'add', '--name', 'a', '--key-stdin', '--key-env', 'HOME'], 'only one of', { input: 'x\n' }],
    ['the key in argv is not accepted', ['access', 'add', '--name', 'a', '--key', 'secret-in-argv-0123456789'], "unknown option '--key'"],
    ['duplicate name', ['access', 'add', '--name', 'a'], 'exists already', { setup: [['access', 'add', '--name', 'a']] }],
    [
      'a key another name already has',
      ['access', 'add', '--name', 'b', '--key-env', 'K'],
      'already the key of "a"',
      { env: { K: 'same-key-0123456789' }, setup: [['access', 'add', '--name', 'a', '--key-env', 'K']] },
    ],
    ['rotate an unknown name', ['access', 'rotate', '--name', 'ghost'], 'no key named "ghost"'],
    ['remove the last key while on', ['access', 'remove', '--name', 'default'], 'last key', { setup: [['access', 'enable']] }],
    ['write mode', ['access', 'add', '--name', 'a', '--write-mode', 'sideways'], '--write-mode'],
  ];
  test.each(cases)('%s', async (_name, args, mentions, opts = {}) => {
    for (const step of opts.setup ?? []) expect((await cli(step, { env: opts.env })).exitCode).toBe(0);
    const before = snapshot();
    const { exitCode, stderr, stdout } = await cli(args, { env: opts.env, input: opts.input });
    expect(exitCode, stderr).toBe(2);
    expect(stderr).toContain(mentions);
    expect(stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help'))).toHaveLength(1);
    expect(stdout).toBe('');
    expect(snapshot()).toEqual(before);
    if (args.includes('--key')) expect(stderr).not.toContain('secret-in-argv');
  });

  test('disable refuses on a gateway published beyond loopback unless --allow-open', async () => {
    const exposed = join(tempDir(), 'exposed');
    await renderDataFolder(exposed, ['--dashscope-key', 'sk-dash-0001', '--bind-address', '0.0.0.0']);
    const run = (args: string[]) => runCli([...args, '--data-folder', exposed], { env: NO_ENGINE });
    expect((await run(['access', 'enable'])).exitCode).toBe(0);
    const before = readFileSync(join(exposed, FILE), 'utf8');
    const refused = await run(['access', 'disable']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('published on 0.0.0.0');
    expect(refused.stderr).toContain('--allow-open');
    expect(readFileSync(join(exposed, FILE), 'utf8')).toBe(before);
    expect((await run(['access', 'disable', '--allow-open'])).exitCode).toBe(0);
  });
});
