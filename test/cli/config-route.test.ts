import { cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { listFiles, listGatewayFiles, runCli, tempDir } from '../helpers/cli.js';
import { decodeResource } from '../double/yaml11.mjs';
import { renderDataFolder } from '../helpers/data-folder.js';
import { goldenPath } from '../helpers/golden.js';

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
let data: string;

const cli = (args: string[], opts: { env?: Record<string, string>; input?: string } = {}) =>
  runCli([...args, '--data-folder', data], { env: { ...NO_ENGINE, ...opts.env }, input: opts.input });
const yamlOf = (rel: string) => parse(readFileSync(join(data, rel), 'utf8'));
const proxyProviders = () => yamlOf('wasmplugins/ai-proxy.internal.yaml').spec.defaultConfig.providers;
const snapshot = () => Object.fromEntries(listGatewayFiles(data).map((f) => [f, readFileSync(join(data, f), 'utf8')]));

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
    expect(proxyProviders().find((p: any) => p.id === 'togetherai')).toEqual({
      id: 'togetherai', type: 'together-ai', apiTokens: ['tg-secret-key-0001'], modelMapping: { '~^(?:togetherai|together)/(.*)$': '$1' },
    });
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
      id: 'claude', type: 'claude', apiTokens: ['sk-ant-oat-1234'], claudeVersion: '2023-06-01', claudeCodeMode: true, modelMapping: { '~^(?:claude)/(.*)$': '$1' },
    });
    // Changing only the models keeps the token kind.
    expect((await cli(['config', 'add', '--provider', 'claude', '--models', 'claude-opus-*'])).exitCode).toBe(0);
    expect(proxyProviders().find((p: any) => p.id === 'claude')).toMatchObject({ apiTokens: ['sk-ant-oat-1234'], claudeCodeMode: true });
    expect(yamlOf('ingresses/ai-route-claude.internal.yaml').metadata.annotations['get-ai-gateway.io/models']).toBe('claude-opus-*');
    const routes = listFiles(data).filter((f) => f.startsWith('ingresses/model-') && f.includes('-claude-'));
    expect(routes.map((f) => yamlOf(f).metadata.annotations['higress.io/prefix-match-header-x-higress-llm-model'])).toEqual(['claude-opus-']);
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

  test('YAML 1.1 specials as keys, models and extra fields are stored as the exact strings the gateway reads', async () => {
    const keys = ['on', 'no', 'y', '0b101', '0777', '1_000', '~', 'null', '.inf'];
    const add = await cli(['config', 'add', '--provider', 'deepl', '--key-stdin', '--deepl-target-lang', 'no'], { input: keys.join('\n') });
    expect(add.exitCode, add.stderr).toBe(0);
    const models = await cli(['config', 'add', '--provider', 'openai', '--key', 'y', '--models', 'on,0777,1_000,null,.inf']);
    expect(models.exitCode, models.stderr).toBe(0);
    const proxy = decodeResource(readFileSync(join(data, 'wasmplugins/ai-proxy.internal.yaml'), 'utf8'), 'wasmplugins');
    expect(proxy.spec.defaultConfig.providers.find((p: any) => p.id === 'deepl')).toMatchObject({ apiTokens: keys, targetLang: 'no' });
    expect(proxy.spec.defaultConfig.providers.find((p: any) => p.id === 'openai').apiTokens).toEqual(['y']);
    const ingress = decodeResource(readFileSync(join(data, 'ingresses/ai-route-openai.internal.yaml'), 'utf8'), 'ingresses');
    expect(ingress.metadata.annotations['get-ai-gateway.io/models']).toBe('on,0777,1_000,null,.inf');
    // One exact route per name, each value a string on the gateway.
    const exact = listFiles(data)
      .filter((f) => f.startsWith('ingresses/model-1-openai-'))
      .map((f) => decodeResource(readFileSync(join(data, f), 'utf8'), 'ingresses').metadata.annotations['higress.io/exact-match-header-x-higress-llm-model']);
    expect(exact.sort()).toEqual(['on', '0777', '1_000', 'null', '.inf'].sort());
    const { providers } = JSON.parse((await cli(['config', 'list', '--json'])).stdout);
    expect(providers.find((p: any) => p.id === 'openai').models).toBe('on,0777,1_000,null,.inf');
    expect(providers.find((p: any) => p.id === 'deepl').keys).toEqual(keys.map((k) => `${k.slice(0, 2)}***`));
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
    expect(JSON.parse(stdout)).toEqual({ enabled: true, defaultModel: 'qwen-turbo', rules: [{ id: 0, pattern: '(?i)^(deep thinking|深入思考)', model: 'claude-opus-4.5' }], fallbackChains: [] });
  });

  test('triggers are escaped so c++ and why? mean themselves; route test explains the pick', async () => {
    expect((await cli(['route', 'add', '--model', 'coder', '--trigger', ' c++ | why? '])).exitCode).toBe(0);
    const pick = JSON.parse((await cli(['route', 'test', 'C++ templates are hard', '--json'])).stdout);
    // No provider serves `coder`: route test says so.
    expect(pick).toEqual({ enabled: true, model: 'coder', ruleId: 0, pattern: '(?i)^(c\\+\\+|why\\?)', provider: null, route: null, upstreamModel: null });
    const fallback = JSON.parse((await cli(['route', 'test', 'cc is a compiler', '--json'])).stdout);
    expect(fallback).toMatchObject({ model: 'qwen-turbo', ruleId: null, provider: 'aliyun', upstreamModel: 'qwen-turbo' });
    const text = await cli(['route', 'test', 'cc is a compiler']);
    expect(text.stdout).toContain('qwen-turbo -> aliyun (glob)');
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
    ['empty model list', ['config', 'add', '--provider', 'openai', '--key', 'k', '--models', ''], '--models is empty'],
    ['model list of commas', ['config', 'add', '--provider', 'openai', '--key', 'k', '--models', ',,'], '--models is empty'],
    ['model list with an empty item', ['config', 'add', '--provider', 'openai', '--key', 'k', '--models', 'gpt-4o,,o3-*'], 'empty item'],
    ['model name with a space', ['config', 'add', '--provider', 'openai', '--key', 'k', '--models', 'gpt 4o'], 'white space'],
    ['--strict rule to a model no provider serves', ['route', 'add', '--model', 'coder', '--trigger', 'code', '--strict'], 'refused (--strict)'],
    ['--strict default model no provider serves', ['route', 'default', '--model', 'gpt-4o', '--strict'], 'refused (--strict)'],
    ['--strict remove of the provider behind the default model', ['config', 'remove', '--provider', 'qwen', '--strict'], 'refused (--strict)'],
    ['fallback to a provider that is not configured', ['config', 'fallback', '--provider', 'groq'], 'not configured'],
    ['Ollama on a single-label host', ['config', 'add', '--provider', 'ollama', '--ollama-host', 'ollama'], 'host.docker.internal'],
    ['MiniMax group id without the Pro API', ['config', 'add', '--provider', 'minimax', '--key', 'm', '--minimax-group-id', 'g'], '--minimax-api-type pro'],
    ['DeepL Free key with the Pro model', ['config', 'add', '--provider', 'deepl', '--key', 'k:fx', '--deepl-target-lang', 'DE', '--models', 'Pro'], 'must be Free'],
    ['vLLM on localhost', ['config', 'add', '--provider', 'vllm', '--vllm-url', 'http://127.0.0.1:8000/v1'], '--vllm-url'],
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

describe('routing: every provider reachable, names resolved as the gateway does', () => {
  const resolve = async (model: string) => {
    const res = await cli(['models', 'resolve', model, '--json']);
    return { exitCode: res.exitCode, ...JSON.parse(res.stdout) };
  };

  test('several catch-alls: one fallback (the first, or the one chosen), the others reachable as <id>/<model>', async () => {
    expect((await cli(['config', 'add', '--provider', 'groq', '--key', 'gsk-1'])).exitCode).toBe(0);
    const second = await cli(['config', 'add', '--provider', 'openrouter', '--key', 'or-1']);
    expect(second.exitCode).toBe(0);
    expect(second.stderr).toContain('groq is the fallback');
    expect(await resolve('some-unknown-model')).toMatchObject({ exitCode: 0, provider: 'groq', via: 'fallback' });
    expect(await resolve('openrouter/meta-llama/llama-3.1-8b')).toMatchObject({ provider: 'openrouter', via: 'prefix', upstreamModel: 'meta-llama/llama-3.1-8b' });
    expect(await resolve('qwen-max')).toMatchObject({ provider: 'aliyun', via: 'glob' });
    expect(await resolve('qwen/qwen-max')).toMatchObject({ provider: 'aliyun', upstreamModel: 'qwen-max' });

    const chosen = await cli(['config', 'fallback', '--provider', 'openrouter']);
    expect(chosen.exitCode, chosen.stderr).toBe(0);
    expect(await resolve('some-unknown-model')).toMatchObject({ provider: 'openrouter', via: 'fallback' });
    expect(await resolve('groq/llama-3.3-70b')).toMatchObject({ provider: 'groq', upstreamModel: 'llama-3.3-70b' });
    const models = JSON.parse((await cli(['models', '--json'])).stdout);
    expect(models.fallback).toBe('openrouter');
    expect(models.providers.find((p: any) => p.id === 'groq').routes).toEqual([{ pattern: '*', shadowedBy: 'openrouter' }]);

    // A provider without "*" becomes the fallback by getting "*".
    const deepseek = await cli(['config', 'add', '--provider', 'deepseek', '--key', 'sk-ds', '--fallback']);
    expect(deepseek.exitCode, deepseek.stderr).toBe(0);
    expect(await resolve('some-unknown-model')).toMatchObject({ provider: 'deepseek', via: 'fallback' });
    expect(JSON.parse((await cli(['config', 'list', '--json'])).stdout).providers.find((p: any) => p.id === 'deepseek').models).toBe('deepseek-*,*');
  });

  test('models resolve: exit 3 when the gateway would answer 404', async () => {
    const res = await cli(['models', 'resolve', 'gpt-4o']);
    expect(res.exitCode).toBe(3);
    expect(res.stdout).toContain('gpt-4o: no route takes it: the gateway answers 404');
    expect((await cli(['models', 'resolve', 'qwen-turbo'])).stdout).toContain('qwen-turbo -> aliyun (glob)');
  });

  test('exact names are exact; every character but * is literal', async () => {
    expect((await cli(['config', 'add', '--provider', 'deepseek', '--key', 'sk-ds', '--models', 'c++,deepseek.chat'])).exitCode).toBe(0);
    expect(await resolve('c++')).toMatchObject({ provider: 'deepseek', via: 'exact' });
    expect((await resolve('deepseek-chat')).exitCode).toBe(3); // `.` is not a wildcard
    expect((await resolve('c++x')).exitCode).toBe(3); // an exact name is not a prefix
  });

  test('orphaned rules and repeated triggers: warned on change, listed by status and doctor', async () => {
    const add = await cli(['route', 'add', '--model', 'gpt-4o', '--trigger', 'code']);
    expect(add.exitCode).toBe(0);
    expect(add.stderr).toContain('rule [0] sends higress/auto to gpt-4o, which no configured provider serves');
    const again = await cli(['route', 'add', '--model', 'qwen-max', '--trigger', 'code']);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain('rule [1] has the same trigger as rule [0]');
    const status = await cli(['status', '--json']);
    expect(JSON.parse(status.stdout).autoRouting.problems).toEqual([
      expect.stringContaining('rule [0] sends higress/auto to gpt-4o'),
      expect.stringContaining('rule [1] has the same trigger as rule [0]'),
    ]);
    const doctor = JSON.parse((await cli(['doctor', '--json'])).stdout);
    const messages = doctor.findings.filter((f: any) => f.check === 'auto-routing').map((f: any) => f.message);
    expect(messages).toEqual([expect.stringContaining('gpt-4o'), expect.stringContaining('same trigger')]);
    // Removing the provider behind the default model warns, without --strict, and goes ahead.
    const removed = await cli(['config', 'remove', '--provider', 'qwen']);
    expect(removed.exitCode).toBe(0);
    expect(removed.stderr).toContain('the default model sends higress/auto to qwen-turbo');
  });

  test('a change warns about what it broke one by one, and about problems it found in one line', async () => {
    for (const model of ['m-1', 'm-2', 'm-3']) expect((await cli(['route', 'add', '--model', model, '--trigger', model])).exitCode).toBe(0);
    const add = await cli(['route', 'add', '--model', 'm-4', '--trigger', 'm-4']);
    expect(add.exitCode).toBe(0);
    const warnings = add.stderr.split('\n').filter((l) => l.startsWith('warning'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('rule [3] sends higress/auto to m-4, which no configured provider serves');
    expect(warnings[1]).toMatch(/3 auto-routing problems were there before this change \(\[0\], \[1\], \[2\]\): see .*route list/);
  });

  test("a previous version's layout is flagged by doctor and rewritten by the next change", async () => {
    // What the previous version wrote: one Ingress per provider, the model list as a regex, no <id>/ route.
    const path = join(data, 'ingresses/ai-route-aliyun.internal.yaml');
    const old = readFileSync(path, 'utf8')
      .replace(/higress\.io\/regex-match-header-x-higress-llm-model: .*\n/, 'higress.io/regex-match-header-x-higress-llm-model: "qwen.*|qwq.*"\n')
      .replace(/ *get-ai-gateway\.io\/models: .*\n/, '');
    writeFileSync(path, old);
    for (const f of listFiles(data).filter((f) => f.startsWith('ingresses/model-'))) rmSync(join(data, f));
    const doctor = JSON.parse((await cli(['doctor', '--json'])).stdout);
    expect(doctor.findings.find((f: any) => f.check === 'routing')).toMatchObject({ status: 'warn', message: expect.stringContaining('routes of aliyun are in the old layout') });

    expect((await cli(['route', 'default', '--model', 'qwen-max'])).exitCode).toBe(0);
    expect(yamlOf('ingresses/ai-route-aliyun.internal.yaml').metadata.annotations).toMatchObject({
      'higress.io/regex-match-header-x-higress-llm-model': '(?:aliyun|dashscope|qwen)/.*',
      'get-ai-gateway.io/models': 'qwen*,qwq*',
    });
    const routes = listFiles(data).filter((f) => f.startsWith('ingresses/model-')).map((f) => yamlOf(f).metadata.annotations['higress.io/prefix-match-header-x-higress-llm-model']);
    expect(routes.sort()).toEqual(['qwen', 'qwq']);
    const after = JSON.parse((await cli(['doctor', '--json'])).stdout);
    expect(after.findings.filter((f: any) => f.check === 'routing')).toEqual([expect.objectContaining({ status: 'ok' })]);
  });
});
