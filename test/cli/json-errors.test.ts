// Issue 12: `--json` everywhere, errors included; provider aliases; did-you-mean. The built binary, no engine.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { listFiles, runCli, tempDir } from '../helpers/cli.js';

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock', GET_AI_GATEWAY_DOCTOR_MIRRORS: 'none' };
const run = (args: string[], cwd = tempDir()) => runCli(args, { env: NO_ENGINE, cwd });

/** A data folder with one provider, made by our own `config add` (no engine needed). */
async function preparedFolder(): Promise<string> {
  const data = join(tempDir(), 'data');
  const res = await run(['config', 'add', '--provider', 'deepseek', '--key', 'sk-ds-0001', '--data-folder', data]);
  if (res.exitCode !== 0) throw new Error(res.stderr);
  return data;
}

function parseError(stdout: string) {
  const parsed = JSON.parse(stdout) as { error: { code: string; message: string; hint: string | null; exitCode: number } };
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(Object.keys(parsed.error).sort()).toEqual(['code', 'exitCode', 'hint', 'message']);
  return parsed.error;
}

// With their required arguments: commander reports a missing required flag before an unknown one.
const COMMANDS = [
  ['start'], ['stop'], ['delete'], ['config', 'list'], ['config', 'add', '--provider', 'openai'], ['config', 'remove', '--provider', 'openai'],
  ['route', 'list'], ['route', 'add', '--model', 'm'], ['route', 'remove', '--rule-id', '0'], ['route', 'default', '--model', 'm'],
  ['route', 'test', 'hello'], ['route', 'fallback', '--model', 'm'], ['status'], ['logs'], ['usage'], ['doctor'], ['models'], ['openclaw'],
];

describe('--json errors: one JSON object on stdout with a stable code, for every command', () => {
  test.each(COMMANDS.map((c) => [c.join(' '), c] as const))('%s: an unknown flag (commander\'s own error) is usage.unknown-flag, exit 2', async (_name, command) => {
    const res = await run([...command, '--json', '--no-such-flag']);
    expect(res.exitCode).toBe(2);
    expect(parseError(res.stdout)).toMatchObject({ code: 'usage.unknown-flag', message: "unknown option '--no-such-flag'", exitCode: 2 });
    expect(res.stderr).toContain("unknown option '--no-such-flag'");
  });

  test.each([
    ['start', ['start', '--json', '--http-port', 'x'], 'usage.invalid', 2],
    ['start without a provider (fresh folder)', ['start', '--json', '--non-interactive', '--dry-run', '--timeout', '1'], null, 0],
    ['stop', ['stop', '--json'], 'engine.unreachable', 1],
    ['delete', ['delete', '--json'], 'engine.unreachable', 1],
    ['config list (missing value)', ['config', 'list', '--json', '--data-folder'], 'usage.missing-flag-value', 2],
    ['config add (missing --provider)', ['config', 'add', '--json', '--key', 'k'], 'usage.missing-required-flag', 2],
    ['config add (unknown provider)', ['config', 'add', '--json', '--provider', 'kimmi', '--key', 'k'], 'usage.unknown-provider', 2],
    ['config remove (no gateway here)', ['config', 'remove', '--json', '--provider', 'openai'], 'deployment.not-found', 1],
    ['route add (no gateway here)', ['route', 'add', '--json', '--model', 'm', '--trigger', 't', '--default-model', 'd'], 'deployment.not-found', 1],
    ['route remove (bad id)', ['route', 'remove', '--json', '--rule-id', 'x'], 'usage.invalid', 2],
    ['route fallback (a glob model)', ['route', 'fallback', '--json', '--model', 'gpt-*', '--to', 'x'], 'usage.invalid', 2],
    ['route default (missing --model)', ['route', 'default', '--json'], 'usage.missing-required-flag', 2],
    ['route test (missing message)', ['route', 'test', '--json'], 'usage.missing-argument', 2],
    ['logs', ['logs', '--json'], 'engine.unreachable', 1],
    ['logs (bad --tail)', ['logs', '--json', '--tail', 'x'], 'usage.invalid', 2],
    ['usage (bad --by)', ['usage', '--json', '--by', 'color'], 'usage.invalid', 2],
    ['models (unknown flag value)', ['models', '--json', '--container-name'], 'usage.missing-flag-value', 2],
    ['openclaw (no providers)', ['openclaw', '--json', '--config', '/nonexistent/openclaw.json'], 'providers.none', 1],
    ['a mistyped command', ['statuss', '--json'], 'usage.unknown-command', 2],
  ] as const)('%s', async (_what, args, code, exitCode) => {
    const res = await run([...args]);
    expect(res.exitCode, res.stderr).toBe(exitCode);
    if (code === null) return;
    const error = parseError(res.stdout);
    expect(error).toMatchObject({ code, exitCode });
    expect(error.message.length).toBeGreaterThan(0);
  });

  test('engine errors carry the hint; the human form is one line with the hint after a dash', async () => {
    const json = parseError((await run(['stop', '--json'])).stdout);
    expect(json.hint).toBeTruthy();
    const human = await run(['stop']);
    expect(human.stdout).toBe('');
    const lines = human.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: Docker engine not reachable .* — /);
  });

  test('a mistyped command gets a did-you-mean', async () => {
    const res = await run(['stauts']);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(/did you mean (start or )?status\?/);
  });

  test('status --json without an engine is a report (exit 1), with where the name and folder came from', async () => {
    const res = await run(['status', '--json']);
    expect(res.exitCode).toBe(1);
    expect(JSON.parse(res.stdout)).toMatchObject({ containerName: 'higress-ai-gateway', containerNameSource: 'default', dataFolderSource: 'default', engine: { reachable: false } });
  });
});

describe('provider aliases from the catalog', () => {
  test('--qwen-key, --kimi-key, --zhipu-key and --together-key configure their providers', async () => {
    const res = await run(['start', '--dry-run', '--json', '--non-interactive', '--qwen-key', 'sk-q', '--kimi-key', 'sk-k', '--zhipu-key', 'sk-z', '--together-key', 'sk-t', '--kimi-models', 'kimi-*']);
    expect(res.exitCode, res.stderr).toBe(0);
    const plan = JSON.parse(res.stdout);
    expect(plan.providers.map((p: { id: string }) => p.id).sort()).toEqual(['aliyun', 'moonshot', 'togetherai', 'zhipuai']);
    expect(plan.providers.find((p: { id: string }) => p.id === 'moonshot').models).toBe('kimi-*');
  });

  test('a flag and its alias together are refused, naming both', async () => {
    const res = await run(['start', '--dry-run', '--non-interactive', '--kimi-key', 'a', '--moonshot-key', 'b']);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain('--moonshot-key and --kimi-key');
  });

  test('start --help lists the aliases once, in the key flag, and not as flags of their own', async () => {
    const res = await run(['start', '--help']);
    expect(res.stdout.replace(/\s+/g, ' ')).toContain('Moonshot (Kimi) API key (comma-separated for a key pool; also --kimi-key)');
    expect(res.stdout).not.toMatch(/^\s+--kimi-key/m);
    expect(res.stdout).toContain('(default: 8080)');
    expect(res.stdout).toContain('(default: 120)');
  });

  test('a near miss of an alias flag suggests the alias, not an unrelated provider', async () => {
    const res = await run(['start', '--kimmi-key', 'x', '--dry-run']);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain('did you mean --kimi-key?');
    expect(res.stderr).not.toContain('dify');
  });

  test('config add --provider claude-code stores the key as a Claude Code token', async () => {
    const data = join(tempDir(), 'data');
    const res = await run(['config', 'add', '--provider', 'claude-code', '--key', 'sk-ant-oat01-abcdef', '--data-folder', data]);
    expect(res.exitCode, res.stderr).toBe(0);
    const proxy = readFileSync(join(data, 'wasmplugins/ai-proxy.internal.yaml'), 'utf8');
    expect(proxy).toContain('claudeCodeMode: true');
    expect(proxy).toContain('sk-ant-oat01-abcdef');
  });

  test('every missing field of a provider is named in one message', async () => {
    const data = join(tempDir(), 'data');
    const res = await run(['config', 'add', '--provider', 'bedrock', '--data-folder', data]);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain('AWS Bedrock needs --bedrock-region and --key (or --bedrock-access-key + --bedrock-secret-key)');
    expect(existsSync(data)).toBe(false);
  });

  test('config add --extra-config sets catalog fields by their gateway name; an unknown one lists the fields', async () => {
    const data = join(tempDir(), 'data');
    const ok = await run(['config', 'add', '--provider', 'zhipuai', '--key', 'sk-z', '--extra-config', 'zhipuDomain=api.z.ai', '--data-folder', data]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(readFileSync(join(data, 'wasmplugins/ai-proxy.internal.yaml'), 'utf8')).toContain('zhipuDomain: api.z.ai');
    const before = listFiles(data).map((f) => readFileSync(join(data, f), 'utf8'));
    const bad = await run(['config', 'add', '--provider', 'zhipuai', '--extra-config', 'colour=blue', '--data-folder', data]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('its fields: zhipuDomain, zhipuCodePlanMode');
    expect(listFiles(data).map((f) => readFileSync(join(data, f), 'utf8'))).toEqual(before);
  });
});

describe('default.cfg: remembered choices, comments and unknown lines kept', () => {
  test('a rewrite keeps comments and foreign lines in place, drops secrets, updates our keys', async () => {
    const data = await preparedFolder();
    const cfg = join(data, 'default.cfg');
    const text = readFileSync(cfg, 'utf8').replace('DEEPSEEK_MODELS=', '# my note about deepseek\nMY_OWN_SETTING=42\nDEEPSEEK_API_KEY=sk-must-go\nDEEPSEEK_MODELS=');
    writeFileSync(cfg, text);
    const res = await run(['config', 'add', '--provider', 'deepseek', '--models', 'deepseek-chat', '--data-folder', data]);
    expect(res.exitCode, res.stderr).toBe(0);
    const after = readFileSync(cfg, 'utf8');
    expect(after).toContain('# my note about deepseek\nMY_OWN_SETTING=42\nDEEPSEEK_MODELS=deepseek-chat\n');
    expect(after).not.toContain('sk-must-go');
  });

  test('dry run on a fresh folder says what will be configured; the image reason names where the repo came from', async () => {
    const cwd = tempDir();
    const fresh = await runCli(['start', '--dry-run', '--non-interactive', '--openai-key', 'sk-o'], { cwd, env: { ...NO_ENGINE, TZ: 'Europe/Berlin' } });
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    expect(fresh.stdout).toContain('OpenAI (openai)');
    expect(fresh.stdout).toContain('Auto-routing:    off');
    expect(fresh.stdout).not.toContain('unchanged');
    expect(fresh.stdout).toContain('timezone Europe/Berlin maps to no mirror: the fastest to answer is used');
    mkdirSync(join(cwd, 'higress'));
    writeFileSync(join(cwd, 'higress', 'default.cfg'), 'IMAGE_REPO=registry.example/higress/all-in-one\n');
    const saved = await runCli(['start', '--dry-run', '--non-interactive', '--openai-key', 'sk-o'], { cwd, env: NO_ENGINE });
    expect(saved.stdout).toContain('registry.example/higress/all-in-one:latest: from default.cfg');
    const flag = await runCli(['start', '--dry-run', '--non-interactive', '--openai-key', 'sk-o', '--image-repo', 'other.example/x'], { cwd, env: NO_ENGINE });
    expect(flag.stdout).toContain('other.example/x:latest: from --image-repo');
  });
});
