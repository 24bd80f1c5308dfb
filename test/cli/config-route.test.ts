import { cpSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { listFiles, runCli, tempDir } from '../helpers/cli.js';
import { renderDataFolder } from '../helpers/data-folder.js';
import { goldenPath } from '../helpers/golden.js';

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
let data: string;

const cli = (args: string[], opts: { env?: Record<string, string>; input?: string } = {}) =>
  runCli([...args, '--data-folder', data], { env: { ...NO_ENGINE, ...opts.env }, input: opts.input });
const yamlOf = (rel: string) => parse(readFileSync(join(data, rel), 'utf8'));
const proxyProviders = () => yamlOf('wasmplugins/ai-proxy.internal.yaml').spec.defaultConfig.providers;
const snapshot = () => Object.fromEntries(listFiles(data).map((f) => [f, readFileSync(join(data, f), 'utf8')]));

beforeEach(async () => {
  data = join(tempDir(), 'data');
  await renderDataFolder(data, ['--dashscope-key', 'sk-dash-0001', '--auto-routing', '--auto-routing-default-model', 'qwen-turbo']);
});

describe('config add / list / remove without a running container (upstream defect 10)', () => {
  test('a provider upstream never rendered gets all four resources and a working type (defect 3)', async () => {
    const { exitCode, stdout, stderr } = await cli(['config', 'add', '--provider', 'together', '--key', 'tg-secret-key-0001']);
    expect(exitCode, stderr).toBe(0);
    expect(stdout).toContain('Together AI');
    expect(stdout).toContain('tg-s***0001');
    expect(stdout).not.toContain('tg-secret-key-0001');
    expect(proxyProviders().find((p: any) => p.id === 'togetherai')).toEqual({ id: 'togetherai', type: 'together-ai', apiTokens: ['tg-secret-key-0001'] });
    const proxy = yamlOf('wasmplugins/ai-proxy.internal.yaml');
    expect(proxy.spec.matchRules.some((r: any) => r.config.activeProviderId === 'togetherai')).toBe(true);
    expect(yamlOf('mcpbridges/default.yaml').spec.registries.find((r: any) => r.name === 'llm-togetherai.internal')).toMatchObject({ domain: 'api.together.xyz', type: 'dns' });
    expect(yamlOf('ingresses/ai-route-togetherai.internal.yaml').metadata.annotations['higress.io/destination']).toBe('llm-togetherai.internal.dns:443');
    expect(JSON.parse(yamlOf('configmaps/ai-route-togetherai.yaml').data.data).upstreams).toEqual([{ provider: 'togetherai' }]);
  });

  test('remove leaves no match rule, registry, ingress or route behind (defect 3)', async () => {
    expect((await cli(['config', 'add', '--provider', 'deepseek', '--key', 'sk-ds'])).exitCode).toBe(0);
    const { exitCode, stdout } = await cli(['config', 'remove', '--provider', 'deepseek']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('Removed DeepSeek');
    expect(JSON.stringify(yamlOf('wasmplugins/ai-proxy.internal.yaml'))).not.toContain('deepseek');
    expect(JSON.stringify(yamlOf('mcpbridges/default.yaml'))).not.toContain('deepseek');
    expect(existsSync(join(data, 'ingresses/ai-route-deepseek.internal.yaml'))).toBe(false);
    expect(existsSync(join(data, 'configmaps/ai-route-deepseek.yaml'))).toBe(false);
    const again = await cli(['config', 'remove', '--provider', 'deepseek']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('not configured');
  });

  test.each([
    ["single quote", "sk-it's-a-key"],
    ['double quote', 'sk-"quoted"'],
    ['backslash', 'sk-back\\slash\\b'],
    ['dollar and ampersand', 'sk-$HOME&&rm'],
    ['slash and space', 'sk-a/b c'],
    ['non-ASCII', 'sk-密钥-ключ'],
  ])('keys with a %s are stored exactly (defect 2)', async (_name, key) => {
    const { exitCode, stderr } = await cli(['config', 'add', '--provider', 'openai', '--key-env', 'GAG_TEST_KEY'], { env: { GAG_TEST_KEY: key } });
    expect(exitCode, stderr).toBe(0);
    expect(proxyProviders().find((p: any) => p.id === 'openai').apiTokens).toEqual([key]);
    expect(stderr).not.toContain(key);
  });

  test('--key-stdin reads a pool, one key per line; --append adds to it; --key replaces it', async () => {
    expect((await cli(['config', 'add', '--provider', 'openai', '--key-stdin'], { input: 'sk-one\nsk-two\n' })).exitCode).toBe(0);
    expect(proxyProviders().find((p: any) => p.id === 'openai').apiTokens).toEqual(['sk-one', 'sk-two']);
    expect((await cli(['config', 'add', '--provider', 'openai', '--key', 'sk-three', '--append'])).exitCode).toBe(0);
    expect(proxyProviders().find((p: any) => p.id === 'openai').apiTokens).toEqual(['sk-one', 'sk-two', 'sk-three']);
    expect((await cli(['config', 'add', '--provider', 'openai', '--key', 'sk-new'])).exitCode).toBe(0);
    expect(proxyProviders().find((p: any) => p.id === 'openai').apiTokens).toEqual(['sk-new']);
  });

  test('rotating a key changes only the ai-proxy file and bumps its resourceVersion', async () => {
    const before = snapshot();
    const version = Number(yamlOf('wasmplugins/ai-proxy.internal.yaml').metadata.resourceVersion);
    expect((await cli(['config', 'add', '--provider', 'qwen', '--key', 'sk-dash-rotated'])).exitCode).toBe(0);
    const after = snapshot();
    const changed = Object.keys(after).filter((f) => after[f] !== before[f]);
    expect(changed).toEqual(['wasmplugins/ai-proxy.internal.yaml']);
    expect(Number(yamlOf('wasmplugins/ai-proxy.internal.yaml').metadata.resourceVersion)).toBe(version + 1);
  });

  test('the Claude Code token becomes the apiToken with claudeCodeMode (defect 4)', async () => {
    expect((await cli(['config', 'add', '--provider', 'claude', '--key', 'sk-ant-oat-1234', '--claude-code'])).exitCode).toBe(0);
    expect(proxyProviders().find((p: any) => p.id === 'claude')).toEqual({
      id: 'claude', type: 'claude', apiTokens: ['sk-ant-oat-1234'], claudeVersion: '2023-06-01', claudeCodeMode: true,
    });
    // Changing only the models keeps the token kind.
    expect((await cli(['config', 'add', '--provider', 'claude', '--models', 'claude-opus-*'])).exitCode).toBe(0);
    expect(proxyProviders().find((p: any) => p.id === 'claude')).toMatchObject({ apiTokens: ['sk-ant-oat-1234'], claudeCodeMode: true });
    expect(yamlOf('ingresses/ai-route-claude.internal.yaml').metadata.annotations['higress.io/prefix-match-header-x-higress-llm-model']).toBe('claude-opus-');
  });

  test('files are 0600 and comments and fields a person added survive an edit', async () => {
    const path = join(data, 'wasmplugins/ai-proxy.internal.yaml');
    const { writeFileSync } = await import('node:fs');
    const text = readFileSync(path, 'utf8').replace('    providers:', '    # keep me: a note by a person\n    providers:').replace('  priority: 100', '  priority: 100\n  customField: kept');
    writeFileSync(path, text);
    expect((await cli(['config', 'add', '--provider', 'deepseek', '--key', 'sk-ds'])).exitCode).toBe(0);
    const after = readFileSync(path, 'utf8');
    expect(after).toContain('# keep me: a note by a person');
    expect(yamlOf('wasmplugins/ai-proxy.internal.yaml').spec.customField).toBe('kept');
    for (const file of listFiles(data).filter((f) => f.endsWith('.yaml'))) expect(statSync(join(data, file)).mode & 0o777, file).toBe(0o600);
    expect(listFiles(data).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('list shows masked keys and models; --json has the documented shape', async () => {
    await cli(['config', 'add', '--provider', 'openai', '--key', 'sk-a-very-long-openai-key', '--models', 'gpt-4o,o3-*']);
    const { exitCode, stdout } = await cli(['config', 'list', '--json']);
    expect(exitCode).toBe(0);
    const { providers } = JSON.parse(stdout);
    expect(providers).toEqual([
      expect.objectContaining({ id: 'aliyun', name: 'Aliyun Dashscope (Qwen)', type: 'qwen', keys: ['sk-d***0001'], models: 'qwen*' }),
      expect.objectContaining({ id: 'openai', name: 'OpenAI', type: 'openai', keys: ['sk-a***-key'], models: 'gpt-4o,o3-*' }),
    ]);
    expect(stdout).not.toContain('sk-a-very-long-openai-key');
  });
});

describe('an upstream-made data folder', () => {
  test('placeholders count as not configured; config add works on it', async () => {
    data = join(tempDir(), 'upstream');
    cpSync(goldenPath('02-multi-provider', 'data'), data, { recursive: true });
    cpSync(goldenPath('02-multi-provider', 'default.cfg'), join(data, 'default.cfg'));
    const list = await cli(['config', 'list', '--json']);
    expect(list.exitCode, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).providers.map((p: any) => p.id)).toEqual(['deepseek', 'moonshot', 'zhipuai', 'openai', 'claude']);
    const add = await cli(['config', 'add', '--provider', 'gemini', '--key', 'gm-real-key']);
    expect(add.exitCode, add.stderr).toBe(0);
    expect(add.stdout).toContain('Added Google Gemini');
    expect(proxyProviders().find((p: any) => p.id === 'gemini').apiTokens).toEqual(['gm-real-key']);
  });
});

describe('route list / add / remove / default / test', () => {
  test('route list works (upstream defect 1) and has the documented JSON', async () => {
    await cli(['route', 'add', '--model', 'claude-opus-4.5', '--trigger', 'deep thinking|深入思考']);
    const { exitCode, stdout } = await cli(['route', 'list', '--json']);
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ enabled: true, defaultModel: 'qwen-turbo', rules: [{ id: 0, pattern: '(?i)^(deep thinking|深入思考)', model: 'claude-opus-4.5' }] });
  });

  test('triggers are escaped so c++ and why? mean themselves; route test explains the pick', async () => {
    expect((await cli(['route', 'add', '--model', 'coder', '--trigger', ' c++ | why? '])).exitCode).toBe(0);
    const pick = JSON.parse((await cli(['route', 'test', 'C++ templates are hard', '--json'])).stdout);
    expect(pick).toEqual({ enabled: true, model: 'coder', ruleId: 0, pattern: '(?i)^(c\\+\\+|why\\?)' });
    const fallback = JSON.parse((await cli(['route', 'test', 'cc is a compiler', '--json'])).stdout);
    expect(fallback).toMatchObject({ model: 'qwen-turbo', ruleId: null });
  });

  test('patterns keep backslashes exactly (defect 2); --position inserts; remove shifts ids', async () => {
    await cli(['route', 'add', '--model', 'a', '--pattern', '(?i)\\bprove\\b']);
    await cli(['route', 'add', '--model', 'b', '--trigger', 'first', '--position', '0']);
    let rules = JSON.parse((await cli(['route', 'list', '--json'])).stdout).rules;
    expect(rules.map((r: any) => r.model)).toEqual(['b', 'a']);
    expect(rules[1].pattern).toBe('(?i)\\bprove\\b');
    expect(yamlOf('wasmplugins/model-router.internal.yaml').spec.defaultConfig.autoRouting.rules[1].pattern).toBe('(?i)\\bprove\\b');
    expect((await cli(['route', 'remove', '--rule-id', '0'])).exitCode).toBe(0);
    rules = JSON.parse((await cli(['route', 'list', '--json'])).stdout).rules;
    expect(rules).toEqual([{ id: 0, pattern: '(?i)\\bprove\\b', model: 'a' }]);
  });

  test('route default sets the fallback and enables auto-routing', async () => {
    data = join(tempDir(), 'data');
    await renderDataFolder(data, ['--dashscope-key', 'k']);
    const needsDefault = await cli(['route', 'add', '--model', 'x', '--trigger', 'y']);
    expect(needsDefault.exitCode).toBe(2);
    expect(needsDefault.stderr).toContain('--default-model');
    expect((await cli(['route', 'default', '--model', 'qwen-plus'])).exitCode).toBe(0);
    expect(JSON.parse((await cli(['route', 'list', '--json'])).stdout)).toMatchObject({ enabled: true, defaultModel: 'qwen-plus' });
  });
});

describe('bad input: exit 2, one line, no file changed', () => {
  const cases: [string, string[], string, Record<string, string>?][] = [
    ['unknown provider lists the valid ones', ['config', 'add', '--provider', 'nope', '--key', 'k'], 'providers (aliases in parentheses): aliyun (dashscope, qwen)'],
    ['missing key', ['config', 'add', '--provider', 'openai'], '--key'],
    ['empty key', ['config', 'add', '--provider', 'openai', '--key', ''], '--key is empty'],
    ['key with a newline', ['config', 'add', '--provider', 'openai', '--key-env', 'K'], 'line break', { K: 'sk-a\nsk-b' }],
    ['unset --key-env', ['config', 'add', '--provider', 'openai', '--key-env', 'GAG_UNSET_VAR'], 'GAG_UNSET_VAR'],
    ['two key sources', ['config', 'add', '--provider', 'openai', '--key', 'a', '--key-env', 'HOME'], 'only one of'],
    ['Azure URL without api-version', ['config', 'add', '--provider', 'azure', '--key', 'k', '--azure-service-url', 'https://x.openai.azure.com/y'], 'api-version'],
    ['OpenAI while Azure is configured', ['config', 'add', '--provider', 'openai', '--key', 'k'], 'cannot be configured together'],
    ['invalid pattern', ['route', 'add', '--model', 'm', '--pattern', '(unclosed'], 'not a valid RE2 pattern'],
    ['look-around pattern', ['route', 'add', '--model', 'm', '--pattern', '(?=why)'], 'look-around'],
    ['back-reference', ['route', 'add', '--model', 'm', '--pattern', '(a)\\1'], 'RE2'],
    ['neither trigger nor pattern', ['route', 'add', '--model', 'm'], 'exactly one of --trigger and --pattern'],
    ['both trigger and pattern', ['route', 'add', '--model', 'm', '--trigger', 'a', '--pattern', 'b'], 'exactly one of'],
    ['rule id not a number', ['route', 'remove', '--rule-id', 'one'], 'whole number'],
    ['rule id out of range', ['route', 'remove', '--rule-id', '5'], '--rule-id 5'],
    ['position out of range', ['route', 'add', '--model', 'm', '--trigger', 't', '--position', '9'], 'out of range'],
    ['write mode', ['config', 'add', '--provider', 'openai', '--key', 'k', '--write-mode', 'sideways'], '--write-mode'],
  ];
  test.each(cases)('%s', async (name, args, mentions, env) => {
    if (name === 'OpenAI while Azure is configured') {
      const azure = await cli(['config', 'add', '--provider', 'azure', '--key', 'k', '--azure-service-url', 'https://x.openai.azure.com/d?api-version=2024-06-01']);
      expect(azure.exitCode, azure.stderr).toBe(0);
    }
    const before = snapshot();
    const { exitCode, stderr, stdout } = await cli(args, { env });
    expect(exitCode, stderr).toBe(2);
    expect(stderr).toContain(mentions);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stdout).toBe('');
    expect(snapshot()).toEqual(before);
  });
});

describe('where there is no gateway yet', () => {
  test('a change in the default place with no configuration fails and creates nothing', async () => {
    const cwd = tempDir();
    const res = await runCli(['config', 'add', '--provider', 'openai', '--key', 'sk-1'], { cwd, env: NO_ENGINE });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain(`no gateway configuration in ${join(cwd, 'higress')}`);
    expect(listFiles(cwd)).toEqual([]);
    expect(existsSync(join(cwd, 'higress'))).toBe(false);
  });

  test('bad input against a folder that does not exist leaves no folder behind', async () => {
    const missing = join(tempDir(), 'missing');
    const res = await runCli(['route', 'remove', '--rule-id', '0', '--data-folder', missing], { env: NO_ENGINE });
    expect(res.exitCode).toBe(2);
    expect(existsSync(missing)).toBe(false);
  });

  test('an explicit --data-folder may be prepared before the first start', async () => {
    const folder = join(tempDir(), 'prepared');
    const res = await runCli(['config', 'add', '--provider', 'openai', '--key', 'sk-prepared', '--data-folder', folder], { env: NO_ENGINE });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(existsSync(join(folder, 'wasmplugins/ai-proxy.internal.yaml'))).toBe(true);
  });
});
