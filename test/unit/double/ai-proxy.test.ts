// The double enforces what the real ai-proxy plugin and the registry watcher refuse (test/double/dataplane.mjs).
import { describe, expect, test } from 'vitest';
import { aiProxyStartError, providerConfigError, registryHasEndpoint } from '../../double/dataplane.mjs';

const plugin = (providers: Record<string, unknown>[]) => ({
  spec: {
    defaultConfig: { providers },
    matchRules: providers.map((p) => ({ service: [`llm-${p.id}.internal.dns`], config: { activeProviderId: p.id } })),
  },
});

describe('ai-proxy provider validation (provider.go Validate and each ValidateConfig)', () => {
  test.each([
    ['unknown type', { id: 'a', type: 'togetherai', apiTokens: ['k'] }, 'unknown provider type: togetherai'],
    ['missing type', { id: 'a', apiTokens: ['k'] }, 'missing type'],
    ['no token', { id: 'a', type: 'deepseek', apiTokens: [] }, 'no apiToken'],
    ['deepl without targetLang', { id: 'a', type: 'deepl', apiTokens: ['k'] }, 'targetLang'],
    ['ollama without port', { id: 'a', type: 'ollama', ollamaServerHost: '10.0.0.1' }, 'ollamaServerPort'],
    ['minimax pro without group', { id: 'a', type: 'minimax', apiTokens: ['k'], minimaxApiType: 'pro' }, 'minimaxGroupId'],
    ['vertex standard without service name', { id: 'a', type: 'vertex', vertexAuthKey: '{}', vertexRegion: 'r', vertexProjectId: 'p' }, 'vertexAuthServiceName'],
    ['azure without api-version', { id: 'a', type: 'azure', apiTokens: ['k'], azureServiceUrl: 'https://x.openai.azure.com/' }, 'api-version'],
    ['bad protocol', { id: 'a', type: 'openai', protocol: 'grpc' }, 'invalid protocol'],
  ])('%s is rejected', (_name, provider, message) => {
    expect(providerConfigError(provider)).toContain(message);
  });

  test.each([
    ['openai without key', { id: 'a', type: 'openai' }],
    ['vllm without key', { id: 'a', type: 'vllm', vllmCustomUrl: 'http://10.0.0.2:8000/v1' }],
    ['vertex express mode', { id: 'a', type: 'vertex', apiTokens: ['k'] }],
    ['hunyuan with both ids', { id: 'a', type: 'hunyuan', hunyuanAuthId: 'i'.repeat(36), hunyuanAuthKey: 'k'.repeat(32) }],
    ['together-ai', { id: 'a', type: 'together-ai', apiTokens: ['k'] }],
  ])('%s is accepted', (_name, provider) => {
    expect(providerConfigError(provider)).toBeUndefined();
  });

  test('one rejected provider fails the whole plugin; a provider without a match rule is not validated', () => {
    const good = { id: 'good', type: 'deepseek', apiTokens: ['k'] };
    const bad = { id: 'bad', type: 'nope', apiTokens: ['k'] };
    expect(aiProxyStartError(plugin([good]))).toBeUndefined();
    expect(aiProxyStartError(plugin([good, bad]))).toBe('provider bad: unknown provider type: nope');
    const unreferenced = plugin([good]);
    unreferenced.spec.defaultConfig.providers.push(bad);
    expect(aiProxyStartError(unreferenced)).toBeUndefined();
  });
});

describe('registry endpoints (registry/direct/watcher.go)', () => {
  test.each([
    [{ type: 'dns', domain: 'api.openai.com' }, true],
    [{ type: 'dns', domain: 'host.docker.internal' }, true],
    [{ type: 'dns', domain: 'ollama' }, false],
    [{ type: 'dns', domain: 'localhost' }, false],
    [{ type: 'dns', domain: '192.168.1.5' }, false],
    [{ type: 'dns', domain: 'my_host.lan' }, false],
    [{ type: 'static', domain: '192.168.1.5:11434' }, true],
    [{ type: 'static', domain: '192.168.1.5' }, false],
    [{ type: 'static', domain: 'ollama.lan:11434' }, false],
  ])('%j has an endpoint: %s', (registry, expected) => {
    expect(registryHasEndpoint(registry)).toBe(expected);
  });
});
