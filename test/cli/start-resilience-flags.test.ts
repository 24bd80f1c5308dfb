import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { aliasNames, keyFlag, PROVIDERS } from '../../src/core/catalog.js';
import { listFiles, runCli, tempDir } from '../helpers/cli.js';
import { renderDataFolder } from '../helpers/data-folder.js';
import { planFromArgs } from '../helpers/golden.js';

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
const entryIn = (data: string, id: string) =>
  parse(readFileSync(join(data, 'wasmplugins/ai-proxy.internal.yaml'), 'utf8')).spec.defaultConfig.providers.find((p: any) => p.id === id);

describe('start: resilience flags for every provider of this start, or one with --<provider>-<flag>', () => {
  test('general flags apply to each provider given; a per-provider flag (or its alias) wins, flag by flag', () => {
    const plan = planFromArgs(
      [
        '--openai-key', 'sk-a1,sk-b2', '--deepseek-key', 'sk-d1,sk-d2', '--kimi-key', 'sk-k1,sk-k2',
        '--failover', '--failure-threshold', '4', '--retries', '2',
        '--deepseek-retries', '0', '--deepseek-failover-on-status', '5*',
        '--kimi-model-map', 'kimi-latest=kimi-k2-0905-preview', '--moonshot-first-byte-timeout-ms', '8000',
        '--openai-health-check-model', 'gpt-4o-mini', '--openai-timeout-ms', '30000',
      ],
      { dataFolder: join(tempDir(), 'data') },
    );
    const of = (id: string) => plan.providers.find((p) => p.id === id)!.resilience;
    expect(of('openai')).toEqual({
      failover: { enabled: true, healthCheckModel: 'gpt-4o-mini', failureThreshold: 4, failoverOnStatus: ['^401$', '^403$', '^429$', '^5.*$'] },
      retryOnFailure: { enabled: true, maxRetries: 2, retryOnStatus: ['^429$', '^5.*$'] },
      timeout: 30000,
    });
    expect(of('deepseek')).toEqual({
      failover: { enabled: true, healthCheckModel: 'deepseek-chat', failureThreshold: 4, failoverOnStatus: ['^5.*$'] },
      retryOnFailure: { enabled: false },
    });
    expect(of('moonshot')).toMatchObject({ firstByteTimeout: 8000, modelMap: { 'kimi-latest': 'kimi-k2-0905-preview' }, retryOnFailure: { maxRetries: 2 } });
    expect(plan.warnings).toEqual([]);
  });

  test('the written entry equals what config add writes for the same flags', async () => {
    const viaStart = join(tempDir(), 'data');
    await renderDataFolder(viaStart, ['--openai-key', 'sk-a1,sk-b2', '--openai-failover', '--openai-failure-threshold', '2', '--openai-retries', '1', '--openai-retry-on-status', '503', '--openai-model-map', 'gpt-4=gpt-4o,~^claude-(.*)$=${1}-mini', '--openai-first-byte-timeout-ms', '5000']);
    const viaConfig = join(tempDir(), 'data');
    await renderDataFolder(viaConfig, ['--dashscope-key', 'sk-dash-0001']);
    const r = await runCli(
      ['config', 'add', '--provider', 'openai', '--key', 'sk-a1,sk-b2', '--failover', '--failure-threshold', '2', '--retries', '1', '--retry-on-status', '503', '--model-map', 'gpt-4=gpt-4o,~^claude-(.*)$=${1}-mini', '--first-byte-timeout-ms', '5000', '--data-folder', viaConfig],
      { env: NO_ENGINE },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(entryIn(viaStart, 'openai')).toEqual(entryIn(viaConfig, 'openai'));
    expect(entryIn(viaStart, 'openai').modelMapping).toEqual({ 'gpt-4': 'gpt-4o', '~^claude-(.*)$': '${1}-mini', '~^(?:openai)/(.*)$': '$1' });
    // And config list reads them back in the user's words.
    const list = JSON.parse((await runCli(['config', 'list', '--json', '--data-folder', viaStart], { env: NO_ENGINE })).stdout);
    expect(list.providers.find((p: any) => p.id === 'openai').settings).toMatchObject({ failover: { failureThreshold: 2 }, retries: { max: 1, onStatus: '503' }, firstByteTimeoutMs: 5000 });
  });

  test('every catalog provider (and alias) has its own flags, named after its key flag', () => {
    for (const provider of PROVIDERS) {
      const key = keyFlag(provider);
      if (!key) continue;
      for (const stem of [provider.flag, ...aliasNames(provider)]) {
        const args = [`--${key}`, 'sk-x1,sk-x2', `--${stem}-retries`, '1', `--${stem}-timeout-ms`, '1000'];
        let plan;
        try {
          plan = planFromArgs(args, { dataFolder: join(tempDir(), 'data') });
        } catch (error) {
          // Providers that need more than a key fail on those fields, never on the resilience flags.
          expect(String(error)).not.toMatch(/retries|timeout-ms|unknown option/);
          continue;
        }
        expect(plan.providers.find((p) => p.id === provider.id)?.resilience, `--${stem}-retries`).toMatchObject({ retryOnFailure: { maxRetries: 1 }, timeout: 1000 });
      }
    }
  });

  test('--dry-run --json shows each provider\'s settings; a single key with retries is warned about', async () => {
    const data = join(tempDir(), 'data');
    const r = await runCli(['start', '--dry-run', '--json', '--data-folder', data, '--openai-key', 'sk-a1', '--deepseek-key', 'sk-d1,sk-d2', '--retries', '1', '--deepseek-failover'], { env: NO_ENGINE });
    expect(r.exitCode, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.providers.find((p: any) => p.id === 'deepseek').settings).toEqual({
      failover: { healthCheckModel: 'deepseek-chat', failureThreshold: 3, onStatus: '401,403,429,5*' },
      retries: { max: 1, onStatus: '429,5*' },
    });
    expect(plan.providers.find((p: any) => p.id === 'openai').settings).toEqual({ retries: { max: 1, onStatus: '429,5*' } });
    expect(r.stderr).toContain("retries need a key pool: with one key OpenAI's gateway");
    expect(existsSync(data)).toBe(false);

    const text = await runCli(['start', '--dry-run', '--data-folder', data, '--deepseek-key', 'sk-d1,sk-d2', '--deepseek-failover'], { env: NO_ENGINE });
    expect(text.stdout).toContain('resilience: failover on 401,403,429,5* (3 failures; health check deepseek-chat)');
  });

  test('--help names the per-provider form once instead of listing hundreds of flags', async () => {
    const r = await runCli(['start', '--help'], { env: NO_ENGINE });
    expect(r.stdout).toContain('--<provider>-<flag> for one, e.g. --deepseek-retries 2');
    expect(r.stdout).toContain('--first-byte-timeout-ms');
    expect(r.stdout).not.toContain('--deepseek-retries <n>');
  });
});

// Each: the arguments, and text the one-line error must contain.
const badInput: [string, string[], string][] = [
  ['retries not a number', ['--openai-key', 'k', '--retries', 'x'], '--retries "x" is not a whole number'],
  ['per-provider retries out of range', ['--openai-key', 'k', '--openai-retries', '11'], '--openai-retries "11"'],
  ['per-provider flag for a provider not given', ['--openai-key', 'k', '--deepseek-failover'], '--deepseek-failover: this start configures no DeepSeek'],
  ['alias flag for a provider not given', ['--openai-key', 'k', '--kimi-retries', '1'], '--kimi-retries: this start configures no Moonshot'],
  ['general flag and no provider', ['--retries', '1'], '--retries applies to the providers this start configures'],
  ['health-check model without failover', ['--openai-key', 'k', '--openai-health-check-model', 'm'], '--openai-health-check-model needs --openai-failover'],
  ['retry statuses without retries', ['--openai-key', 'k', '--retry-on-status', '503'], '--retry-on-status needs --retries'],
  ['bad status list', ['--openai-key', 'k', '--failover', '--openai-failover-on-status', '7*'], '--openai-failover-on-status: "7*" is not a status'],
  ['threshold zero', ['--openai-key', 'k', '--failover', '--failure-threshold', '0'], '--failure-threshold "0"'],
  ['timeout not a number', ['--openai-key', 'k', '--openai-timeout-ms', '1.5'], '--openai-timeout-ms "1.5"'],
  ['first-byte timeout negative', ['--openai-key', 'k', '--first-byte-timeout-ms', '-1'], '--first-byte-timeout-ms'],
  ['model map not from=to', ['--openai-key', 'k', '--openai-model-map', 'gpt-4'], '--openai-model-map: "gpt-4" is not from=to'],
  ['model map bad regex', ['--openai-key', 'k', '--model-map', '~(?<=a)b=c'], 'is not a valid RE2 pattern'],
  ['model map racing the <id>/ entry', ['--deepseek-key', 'k', '--deepseek-model-map', 'deep*=x'], 'could also match deepseek/<model>'],
];

describe('start: bad resilience input exits 2 with one line, and writes nothing', () => {
  test.each(badInput)('%s', async (_name, args, mentions) => {
    const dir = tempDir();
    const data = join(dir, 'data');
    for (const mode of [[], ['--dry-run']]) {
      const { exitCode, stderr, stdout } = await runCli(['start', '--non-interactive', ...mode, '--data-folder', data, ...args], { env: NO_ENGINE });
      expect(exitCode, stderr).toBe(2);
      expect(stderr).toContain(mentions);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stdout).toBe('');
      expect(listFiles(dir)).toEqual([]);
    }
  });
});

describe('start --gateway-log-level (GATEWAY_LOG_LEVEL, start-gateway.sh:30)', () => {
  test('goes into the container env and default.cfg; a bad level exits 2', async () => {
    const data = join(tempDir(), 'data');
    const r = await runCli(['start', '--dry-run', '--json', '--data-folder', data, '--openai-key', 'sk-a1', '--gateway-log-level', 'INFO'], { env: NO_ENGINE });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).env).toContain('GATEWAY_LOG_LEVEL');
    const plan = planFromArgs(['--openai-key', 'sk-a1', '--gateway-log-level', 'info'], { dataFolder: data });
    expect(plan.env.GATEWAY_LOG_LEVEL).toBe('info');
    expect(planFromArgs(['--openai-key', 'sk-a1'], { dataFolder: data }).env.GATEWAY_LOG_LEVEL).toBeUndefined();
    await renderDataFolder(data, ['--openai-key', 'sk-a1', '--gateway-log-level', 'info']);
    expect(readFileSync(join(data, 'default.cfg'), 'utf8')).toMatch(/^GATEWAY_LOG_LEVEL=info$/m);
    // Remembered: a later start without the flag keeps it.
    expect(planFromArgs(['--openai-key', 'sk-a1'], { dataFolder: data }).env.GATEWAY_LOG_LEVEL).toBe('info');
    const bad = await runCli(['start', '--dry-run', '--data-folder', join(tempDir(), 'x'), '--openai-key', 'sk-a1', '--gateway-log-level', 'loud'], { env: NO_ENGINE });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim()).toBe('error: --gateway-log-level "loud" is not one of trace, debug, info, warning, error, critical, off — for example --gateway-log-level info');
  });
});

describe('status without an engine: each provider\'s traffic from <data>/logs/access.log', () => {
  test('--since picks the window; keys are masked; a bad --since exits 2', async () => {
    const data = join(tempDir(), 'data');
    await renderDataFolder(data, ['--openai-key', 'sk-openai-0001,sk-openai-0002', '--openai-failover', '--deepseek-key', 'sk-deepseek-0001']);
    const now = Date.now();
    const entry = (minutesAgo: number, status: number, provider = 'openai') =>
      JSON.stringify({ start_time: new Date(now - minutesAgo * 60_000).toISOString(), method: 'POST', path: '/v1/chat/completions', response_code: String(status), duration: '20', upstream_cluster: `outbound|443||llm-${provider}.internal.dns` });
    mkdirSync(join(data, 'logs'), { recursive: true });
    writeFileSync(join(data, 'logs/access.log'), [entry(1, 200), entry(2, 429), entry(3, 200, 'deepseek'), entry(40, 500)].join('\n') + '\n');
    const r = await runCli(['status', '--json', '--data-folder', data], { env: NO_ENGINE });
    const report = JSON.parse(r.stdout);
    expect(report.health).toMatchObject({ window: '15m', accessLog: join(data, 'logs/access.log'), gatewayLog: null });
    const of = (id: string) => report.providers.find((p: any) => p.id === id).health;
    expect(of('openai').traffic).toMatchObject({ requests: 2, errors: 1, errorRate: 0.5, statuses: { '2xx': 1, '4xx': 1 } });
    expect(of('openai').keys.map((k: any) => [k.key, k.state])).toEqual([['sk-o***0001', null], ['sk-o***0002', null]]);
    expect(of('deepseek').traffic).toMatchObject({ requests: 1, errors: 0 });
    expect(r.stdout).not.toContain('sk-openai-0001');
    const hour = JSON.parse((await runCli(['status', '--json', '--since', '1h', '--data-folder', data], { env: NO_ENGINE })).stdout);
    expect(hour.providers.find((p: any) => p.id === 'openai').health.traffic).toMatchObject({ requests: 3, errors: 2, statuses: { '5xx': 1 } });
    const text = await runCli(['status', '--data-folder', data], { env: NO_ENGINE });
    expect(text.stdout).toContain('traffic: 2 requests, 1 error (50%: 4xx 1)');
    expect(text.stdout).toContain("keys: the gateway's log cannot be read");
    const bad = await runCli(['status', '--since', 'yesterday', '--data-folder', data], { env: NO_ENGINE });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('--since "yesterday" is not a duration or a date');
  });
});
