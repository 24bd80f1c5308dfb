import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { listGatewayFiles, runCli, tempDir } from '../helpers/cli.js';
import { renderDataFolder } from '../helpers/data-folder.js';

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
let data: string;

const cli = (args: string[]) => runCli([...args, '--data-folder', data], { env: NO_ENGINE });
const entry = (id: string) =>
  parse(readFileSync(join(data, 'wasmplugins/ai-proxy.internal.yaml'), 'utf8')).spec.defaultConfig.providers.find((p: any) => p.id === id);
const snapshot = () => Object.fromEntries(listGatewayFiles(data).map((f) => [f, readFileSync(join(data, f), 'utf8')]));

beforeEach(async () => {
  data = join(tempDir(), 'data');
  await renderDataFolder(data, ['--dashscope-key', 'sk-dash-0001']);
});

describe('config add resilience flags (ai-proxy provider.go / failover.go / retry.go fields)', () => {
  test('failover, retries, timeouts and a model map land on the provider entry; the <id>/ stripping entry stays', async () => {
    const r = await cli([
      'config', 'add', '--provider', 'openai', '--key', 'sk-a1,sk-b2,sk-c3', '--failover', '--failure-threshold', '2',
      '--failover-on-status', '429,5*', '--retries', '1', '--retry-on-status', '503', '--timeout-ms', '30000',
      '--first-byte-timeout-ms', '5000', '--model-map', 'gpt-4=gpt-4o,o1-*=o3-mini,~^claude-(.*)$=${1}-mini',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Resilience: failover on 429,5* (2 failures; health check');
    const e = entry('openai');
    expect(e.failover).toEqual({ enabled: true, healthCheckModel: expect.any(String), failureThreshold: 2, failoverOnStatus: ['^429$', '^5.*$'] });
    expect(e.failover.healthCheckModel.length).toBeGreaterThan(0);
    expect(e.retryOnFailure).toEqual({ enabled: true, maxRetries: 1, retryOnStatus: ['^503$'] });
    expect(e.timeout).toBe(30000);
    expect(e.firstByteTimeout).toBe(5000);
    expect(e.modelMapping).toEqual({ 'gpt-4': 'gpt-4o', 'o1-*': 'o3-mini', '~^claude-(.*)$': '${1}-mini', '~^(?:openai)/(.*)$': '$1' });

    const list = await cli(['config', 'list', '--json']);
    const openai = JSON.parse(list.stdout).providers.find((p: any) => p.id === 'openai');
    expect(openai.settings).toEqual({
      failover: { healthCheckModel: e.failover.healthCheckModel, failureThreshold: 2, onStatus: '429,5*' },
      retries: { max: 1, onStatus: '503' },
      timeoutMs: 30000,
      firstByteTimeoutMs: 5000,
      modelMap: { 'gpt-4': 'gpt-4o', 'o1-*': 'o3-mini', '~^claude-(.*)$': '${1}-mini' },
    });
    expect(openai.extras).toEqual({});
    expect((await cli(['config', 'list'])).stdout).toContain('resilience: failover on 429,5*');

    // A later add without the flags (key rotation) keeps them.
    expect((await cli(['config', 'add', '--provider', 'openai', '--key', 'sk-d4'])).exitCode).toBe(0);
    expect(entry('openai')).toMatchObject({ apiTokens: ['sk-d4'], timeout: 30000, retryOnFailure: { maxRetries: 1 } });
    expect(entry('openai').modelMapping['gpt-4']).toBe('gpt-4o');
  });

  test('--failover alone uses the key-pool defaults', async () => {
    expect((await cli(['config', 'add', '--provider', 'openai', '--key', 'sk-a1', '--failover', '--health-check-model', 'gpt-4o-mini', '--retries', '2'])).exitCode).toBe(0);
    expect(entry('openai').failover).toEqual({ enabled: true, healthCheckModel: 'gpt-4o-mini', failureThreshold: 3, failoverOnStatus: ['^401$', '^403$', '^429$', '^5.*$'] });
    expect(entry('openai').retryOnFailure).toEqual({ enabled: true, maxRetries: 2, retryOnStatus: ['^429$', '^5.*$'] });
    const json = await cli(['config', 'add', '--provider', 'openai', '--key', 'sk-a1,sk-b2', '--retries', '0', '--json']);
    expect(json.exitCode, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).provider).toMatchObject({ failover: { healthCheckModel: 'gpt-4o-mini', failureThreshold: 3, onStatus: '401,403,429,5*' } });
    expect(JSON.parse(json.stdout).provider.retries).toBeUndefined();
    expect(entry('openai').retryOnFailure).toEqual({ enabled: false });
    // One key: the gateway drops the failed key before retrying, so nothing is left to retry with.
    expect((await cli(['config', 'add', '--provider', 'openai', '--key', 'sk-a1', '--retries', '1'])).stderr).toContain('retries need a key pool');
    expect((await cli(['config', 'add', '--provider', 'openai', '--key', 'sk-a1,sk-b2', '--retries', '1'])).stderr).not.toContain('retries need a key pool');
  });

  test.each([
    [['--model-map', '~^(gpt=x'], 'not a valid RE2 pattern'],
    [['--model-map', '~^gpt-(.*)$=$2'], 'has 1 group(s), not 2'],
    [['--model-map', '~^gpt-(.*)$=$1x'], 'reads as the group "1x"'],
    [['--model-map', 'op*=x'], 'could also match openai/'],
    [['--model-map', '~.*=x'], 'could also match openai/'],
    [['--model-map', 'a*b=x'], 'not at the end'],
    [['--model-map', 'gpt-4'], 'is not from=to'],
    [['--failover-on-status', '429'], 'needs --failover'],
    [['--failover', '--failover-on-status', '5**'], 'is not a status'],
    [['--failover', '--failure-threshold', '0'], 'is not a whole number'],
    [['--retries', 'many'], 'is not a whole number'],
    [['--retry-on-status', '503'], 'needs --retries'],
    [['--timeout-ms', '-1'], 'is not a whole number'],
  ])('%j is refused with exit 2, one line, nothing written', async (flags, message) => {
    const before = snapshot();
    const r = await cli(['config', 'add', '--provider', 'openai', '--key', 'sk-a1', ...flags]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    expect(snapshot()).toEqual(before);
  });
});
