import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { runCli, tempDir } from '../helpers/cli.js';
import { renderDataFolder } from '../helpers/data-folder.js';
import { readGolden } from '../helpers/golden.js';

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };

// golden/07-mutations: the upstream command sequence, run through our CLI on a stopped gateway's files.
test('07-mutations: route and config changes give upstream\'s files, minus its defects', async () => {
  const data = join(tempDir(), 'data');
  await renderDataFolder(data, ['--non-interactive', '--dashscope-key', 'sk-dash-0007', '--auto-routing', '--auto-routing-default-model', 'qwen-turbo']);
  const steps = [
    ['route', 'add', '--model', 'claude-opus-4.5', '--trigger', '深入思考|deep thinking'],
    ['route', 'add', '--model', 'qwen-coder', '--trigger', '写代码|code:'],
    ['route', 'add', '--model', 'deepseek-reasoner', '--pattern', '(?i)\\bprove\\b'],
    ['route', 'remove', '--rule-id', '1'],
    ['config', 'add', '--provider', 'deepseek', '--key', 'sk-ds-0007'],
    ['config', 'add', '--provider', 'qwen', '--key', 'sk-dash-0007-rotated'],
    ['config', 'remove', '--provider', 'deepseek'],
  ];
  for (const step of steps) {
    const { exitCode, stderr } = await runCli([...step, '--data-folder', data], { env: NO_ENGINE });
    expect(exitCode, `${step.join(' ')}: ${stderr}`).toBe(0);
  }
  const read = (rel: string) => parse(readFileSync(join(data, rel), 'utf8'));

  const router = read('wasmplugins/model-router.internal.yaml');
  const goldenRouter = readGolden('07-mutations', 'wasmplugins/model-router.internal.yaml');
  // Upstream turned \b into a backspace (defect 2); we keep the pattern exactly as given.
  goldenRouter.spec.defaultConfig.autoRouting.rules[1].pattern = '(?i)\\bprove\\b';
  expect(router.spec).toEqual(goldenRouter.spec);
  expect(router.spec.defaultConfig.autoRouting.rules[1].pattern).toBe('(?i)\\bprove\\b');

  const proxy = read('wasmplugins/ai-proxy.internal.yaml');
  const goldenProxy = readGolden('07-mutations', 'wasmplugins/ai-proxy.internal.yaml');
  // Intended difference (issue 9): the entry strips `aliyun/`, `dashscope/` and `qwen/` from model names.
  const aliyun = goldenProxy.spec.defaultConfig.providers.filter((p: any) => p.id === 'aliyun').map((p: any) => ({ ...p, modelMapping: { '~^(?:aliyun|dashscope|qwen)/(.*)$': '$1' } }));
  expect(proxy.spec.defaultConfig.providers).toEqual(aliyun);
  // Upstream left deepseek's match rule, registry, ingress and route behind (defect 3); we remove all four.
  expect(proxy.spec.matchRules).toEqual(goldenProxy.spec.matchRules.filter((r: any) => r.config.activeProviderId === 'aliyun'));
  expect(read('mcpbridges/default.yaml').spec.registries.map((r: any) => r.name)).toEqual(['higress-console', 'llm-aliyun.internal']);
  expect(existsSync(join(data, 'ingresses/ai-route-deepseek.internal.yaml'))).toBe(false);
  expect(existsSync(join(data, 'configmaps/ai-route-deepseek.yaml'))).toBe(false);
  expect(Number(proxy.metadata.resourceVersion)).toBeGreaterThan(1);
  expect(readFileSync(join(data, 'default.cfg'), 'utf8')).not.toContain('sk-dash');
});
