import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { listFiles, runCli, tempDir } from '../helpers/cli.js';

const AZURE_URL = 'https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-06-01';
const VERTEX_KEY = join(import.meta.dirname, '../fixtures/vertex/service-account.json');
const VERTEX_PARTIAL_KEY = join(import.meta.dirname, '../fixtures/vertex/without-signing-fields.json');

// Each: the arguments, and text the one-line error must contain (the flag to fix).
const badInput: [string, string[], string][] = [
  ['port out of range', ['--openai-key', 'k', '--http-port', '70000'], '--http-port'],
  ['port not a number', ['--openai-key', 'k', '--console-port', 'abc'], '--console-port'],
  ['port zero', ['--openai-key', 'k', '--https-port', '0'], '--https-port'],
  ['ports not distinct', ['--openai-key', 'k', '--http-port', '9000', '--https-port', '9000'], 'must differ'],
  ['OpenAI with Azure', ['--openai-key', 'k', '--azure-key', 'a', '--azure-service-url', AZURE_URL], 'cannot be configured together'],
  ['Azure without URL', ['--azure-key', 'a'], '--azure-service-url'],
  ['Azure URL without api-version', ['--azure-key', 'a', '--azure-service-url', 'https://r.openai.azure.com/x'], 'api-version'],
  ['Azure URL not https', ['--azure-key', 'a', '--azure-service-url', 'http://r.example/x?api-version=1'], '--azure-service-url'],
  ['Bedrock without region', ['--bedrock-key', 'b'], '--bedrock-region'],
  ['Bedrock access key without secret', ['--bedrock-access-key', 'AK', '--bedrock-region', 'us-east-1'], '--bedrock-secret-key'],
  ['Bedrock without credentials', ['--bedrock-region', 'us-east-1'], '--bedrock-key'],
  ['Vertex standard mode without project', ['--vertex-auth-key-file', VERTEX_KEY, '--vertex-region', 'us-central1'], '--vertex-project-id'],
  ['Vertex key file without client_email and token_uri', ['--vertex-auth-key-file', VERTEX_PARTIAL_KEY, '--vertex-region', 'r', '--vertex-project-id', 'p'], 'is missing client_email, token_uri'],
  ['Vertex OAuth registry name without the key file', ['--vertex-key', 'v', '--vertex-auth-service-name', 'oauth.example'], '--vertex-auth-service-name'],
  ['Vertex OAuth registry name that is ours', ['--vertex-auth-key-file', VERTEX_KEY, '--vertex-region', 'r', '--vertex-project-id', 'p', '--vertex-auth-service-name', 'llm-openai.internal'], '--vertex-auth-service-name'],
  ['DeepL model other than the plan', ['--deepl-key', 'd:fx', '--deepl-target-lang', 'EN', '--deepl-models', 'Pro'], 'must be Free'],
  ['DeepL Free and Pro keys in one pool', ['--deepl-key', 'a:fx,b', '--deepl-target-lang', 'EN'], 'cannot share one key pool'],
  ['MiniMax group id without the Pro API', ['--minimax-key', 'm', '--minimax-group-id', 'g'], '--minimax-api-type pro'],
  ['MiniMax Pro API without group id', ['--minimax-key', 'm', '--minimax-api-type', 'pro'], '--minimax-group-id'],
  ['MiniMax unknown API type', ['--minimax-key', 'm', '--minimax-api-type', 'v3'], '--minimax-api-type'],
  ['Ollama single-label host', ['--ollama-host', 'ollama'], 'host.docker.internal'],
  ['Ollama on localhost', ['--ollama-host', 'localhost'], 'host.docker.internal'],
  ['Ollama on 127.0.0.1', ['--ollama-host', '127.0.0.1'], '--ollama-host'],
  ['vLLM without URL', ['--vllm-models', '*'], '--vllm-url'],
  ['vLLM on localhost', ['--vllm-url', 'http://localhost:8000/v1'], '--vllm-url'],
  ['OpenAI-compatible URL not http(s)', ['--openai-compatible-url', 'ftp://10.0.0.2/v1'], '--openai-compatible-url'],
  ['OpenAI-compatible single-label host', ['--openai-compatible-url', 'http://lmstudio:1234/v1'], '--openai-compatible-url'],
  ['Dify URL with a single-label host', ['--dify-key', 'd', '--dify-api-url', 'http://dify/v1'], '--dify-api-url'],
  ['Vertex key file missing', ['--vertex-auth-key-file', '/nonexistent.json', '--vertex-region', 'r', '--vertex-project-id', 'p'], '--vertex-auth-key-file'],
  ['Ollama port invalid', ['--ollama-host', '10.0.0.2', '--ollama-port', '0'], '--ollama-port'],
  ['Ollama models without host', ['--ollama-models', 'llama*'], '--ollama-host'],
  ['Cloudflare without account', ['--cloudflare-key', 'c'], '--cloudflare-account-id'],
  ['DeepL without target language', ['--deepl-key', 'd'], '--deepl-target-lang'],
  ['Dify bad bot type', ['--dify-key', 'd', '--dify-bot-type', 'chat'], '--dify-bot-type'],
  ['Dify workflow without variables', ['--dify-key', 'd', '--dify-bot-type', 'Workflow'], '--dify-input-variable'],
  ['Spark key not APIKey:APISecret', ['--spark-key', 'nocolon'], '--spark-key'],
  ['Hunyuan id of wrong length', ['--hunyuan-auth-id', 'short', '--hunyuan-auth-key', 'x'.repeat(32)], '--hunyuan-auth-id'],
  ['empty key', ['--openai-key', ''], '--openai-key'],
  ['zhipu domain not allowed', ['--zhipuai-key', 'z', '--zhipuai-domain', 'evil.example'], '--zhipuai-domain'],
  ['auto-routing without default model', ['--openai-key', 'k', '--auto-routing'], '--auto-routing-default-model'],
  ['bad model pattern', ['--openai-key', 'k', '--openai-models', 'gpt 4;rm'], '--openai-models'],
  ['empty model list', ['--openai-key', 'k', '--openai-models', ''], '--openai-models is empty'],
  ['model list of commas', ['--groq-key', 'k', '--groq-models', ',,'], '--groq-models is empty'],
  ['model name with a space', ['--deepseek-key', 'k', '--deepseek-models', 'deepseek chat'], 'white space'],
  ['unknown flag', ['--opnai-key', 'k'], '--opnai-key'],
];

describe('start: bad input exits 2 with one line naming the flag, and writes nothing', () => {
  test.each(badInput)('%s', async (_name, args, mentions) => {
    const dir = tempDir();
    const data = join(dir, 'data');
    const { exitCode, stderr, stdout } = await runCli(['start', '--non-interactive', '--data-folder', data, ...args], {
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(exitCode, stderr).toBe(2);
    expect(stderr).toContain(mentions);
    expect(stderr.trim().split('\n')[0]).toMatch(/^error: /);
    expect(stdout).toBe('');
    expect(existsSync(data)).toBe(false);
    expect(listFiles(dir)).toEqual([]);
  });
});

describe('start --dry-run', () => {
  test('prints the plan and writes nothing, touching no Docker', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    const { exitCode, stdout, stderr } = await runCli(
      ['start', '--dry-run', '--data-folder', data, '--dashscope-key', 'sk-dash-123456789', '--ollama-host', '192.168.1.50', '--http-port', '18080'],
      { env: { TZ: 'Asia/Singapore', DOCKER_HOST: 'unix:///nonexistent/docker.sock' } },
    );
    expect(exitCode, stderr).toBe(0);
    expect(stdout).toContain('Asia/Singapore');
    expect(stdout).toContain('higress-registry.ap-southeast-7.cr.aliyuncs.com/higress/all-in-one:latest');
    expect(stdout).toContain('127.0.0.1:18080');
    expect(stdout).toContain('wasmplugins/ai-proxy.internal.yaml');
    expect(stdout).toContain('ingresses/ai-route-ollama.internal.yaml');
    expect(stdout).toContain('sk-d***6789');
    expect(stdout).not.toContain('sk-dash-123456789');
    expect(listFiles(dir)).toEqual([]);
  });

  test('--json gives one JSON object on stdout', async () => {
    const { exitCode, stdout } = await runCli(['start', '--dry-run', '--json', '--openai-key', 'sk-a,sk-b', '--image-repo', 'reg.example/higress/all-in-one', '--image-tag', 'v9'], {
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      cwd: tempDir(),
    });
    expect(exitCode).toBe(0);
    const plan = JSON.parse(stdout);
    expect(plan).toMatchObject({ image: 'reg.example/higress/all-in-one:v9', fallbackImages: [], containerName: 'higress-ai-gateway', ports: { http: 8080, https: 8443, console: 8001 } });
    expect(plan.providers).toEqual([{ id: 'openai', name: 'OpenAI', keys: ['sk***', 'sk***'], models: 'gpt-*,o1-*,o3-*', settings: {} }]);
    expect(plan.env).toEqual(['MODE', 'GATEWAY_HTTP_PORT', 'GATEWAY_HTTPS_PORT', 'CONSOLE_PORT', 'PLUGIN_REGISTRY']);
  });

  test('CONTAINER_NAME in the environment is ignored (upstream defect 9)', async () => {
    const { stdout } = await runCli(['start', '--dry-run', '--json', '--openai-key', 'k'], { env: { CONTAINER_NAME: 'hijacked' }, cwd: tempDir() });
    expect(JSON.parse(stdout).containerName).toBe('higress-ai-gateway');
  });
});

describe('CLI shell', () => {
  test('--help lists the commands; --version prints the version', async () => {
    const help = await runCli(['--help']);
    expect(help.exitCode).toBe(0);
    for (const command of ['start', 'stop', 'delete', 'config', 'route']) expect(help.stdout).toContain(command);
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  test.each([['start'], ['stop'], ['delete'], ['config', 'add'], ['route', 'add']])('%s --help has examples', async (...command) => {
    const { exitCode, stdout } = await runCli([...command, '--help']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('Examples:');
  });

  test('no colour escapes when not a terminal', async () => {
    const { stdout } = await runCli(['start', '--dry-run', '--openai-key', 'k'], { env: { NO_COLOR: undefined, FORCE_COLOR: undefined }, cwd: tempDir() });
    expect(stdout).not.toMatch(/\u001b\[/);
  });
});
