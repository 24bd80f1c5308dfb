import { describe, expect, test } from 'vitest';
import { componentCommand, parseLogsOptions } from '../../../src/core/ops/logs.js';
import { concreteModels, modelsView, gatewayBaseUrl } from '../../../src/core/ops/models.js';
import { GatewayFiles } from '../../../src/core/gateway-files.js';
import { renderFreshDataFolder } from '../../../src/core/start-plan.js';
import { planFromArgs } from '../../helpers/golden.js';

describe('logs flags', () => {
  test('defaults: the container log, last 100 lines, no follow', () => {
    expect(parseLogsOptions({})).toEqual({ follow: false, component: undefined, tail: 100 });
  });
  test('component, --tail N or all, -f', () => {
    expect(parseLogsOptions({ component: 'apiserver', tail: '20', follow: true })).toEqual({ follow: true, component: 'apiserver', tail: 20 });
    expect(parseLogsOptions({ tail: 'all' }).tail).toBeUndefined();
  });
  test.each([
    [{ component: 'envoy' }, '--component must be one of gateway, apiserver, controller, pilot, console, plugin-server'],
    [{ tail: '-5' }, '--tail'],
    [{ tail: 'ten' }, '--tail'],
    [{ tail: '1.5' }, '--tail'],
  ])('%j is a usage error', (options, message) => {
    expect(() => parseLogsOptions(options)).toThrowError(expect.objectContaining({ exitCode: 2, message: expect.stringContaining(message) }));
  });
  test('component logs are tail inside the container', () => {
    expect(componentCommand({ follow: false, component: 'apiserver', tail: 50 })).toEqual(['tail', '-n', '50', '/var/log/higress/apiserver.log']);
    expect(componentCommand({ follow: true, component: 'plugin-server', tail: undefined })).toEqual(['tail', '-n', '+1', '-f', '/var/log/higress/plugin-server.log']);
  });
});

async function filesFor(args: string[]): Promise<GatewayFiles> {
  const rendered = new Map((await renderFreshDataFolder(planFromArgs(args, { dataFolder: '/tmp/x' }))).map((f) => [f.path, f.content]));
  const list = async (dir: string) => [...rendered.keys()].filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1));
  return GatewayFiles.load(async (path) => rendered.get(path) ?? null, { list });
}

describe('models from the files', () => {
  test("each provider's patterns, concrete usual models, and the higress/auto rules", async () => {
    const files = await filesFor([
      '--openai-key', 'sk-test-1234567890', '--openai-models', 'gpt-4o*',
      '--dashscope-key', 'sk-dash-1234567890',
      '--ollama-host', '192.168.1.50', '--ollama-models', 'llama3.2,qwen2.5:7b',
      '--auto-routing', '--auto-routing-default-model', 'qwen-turbo',
    ]);
    const view = modelsView(files, gatewayBaseUrl('127.0.0.1', 8080));
    const byId = Object.fromEntries(view.providers.map((p) => [p.id, p]));
    expect(byId.openai).toMatchObject({ patterns: 'gpt-4o*', routes: [{ pattern: 'gpt-4o*', shadowedBy: null }], prefixes: ['openai/'], models: ['gpt-4o-mini', 'gpt-4o'] });
    expect(byId.aliyun!.prefixes).toEqual(['aliyun/', 'dashscope/', 'qwen/']);
    expect(byId.aliyun).toMatchObject({ patterns: 'qwen*', models: ['qwen-turbo', 'qwen-plus', 'qwen-max'] });
    // Exact names in the patterns are models too (Ollama has no catalog of usual models for them).
    expect(byId.ollama!.models).toEqual(expect.arrayContaining(['llama3.2', 'qwen2.5:7b']));
    expect(view.autoRouting).toEqual({ model: 'higress/auto', enabled: true, defaultModel: 'qwen-turbo', rules: [] });
    expect(view.baseUrl).toBe('http://127.0.0.1:8080/v1');
  });

  test('a glob never appears as a model name', async () => {
    const files = await filesFor(['--openai-key', 'sk-test-1234567890', '--deepseek-key', 'sk-deep-123456789']);
    for (const p of files.configuredProviders()) for (const m of concreteModels(p)) expect(m).not.toContain('*');
  });
});
