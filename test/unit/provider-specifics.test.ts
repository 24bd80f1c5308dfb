// Provider specifics of the gateway (contract 9.3), checked on the files `start` renders, as the gateway decodes
// them (the double's decoder) and against the double's plugin and registry rules.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { GatewayFiles, FILES } from '../../src/core/gateway-files.js';
import { renderFreshDataFolder } from '../../src/core/start-plan.js';
import { providerConfigError, registryHasEndpoint } from '../double/dataplane.mjs';
import { decodeResource } from '../double/yaml11.mjs';
import { planFromArgs } from '../helpers/golden.js';

const VERTEX_KEY = join(import.meta.dirname, '../fixtures/vertex/service-account.json');

async function render(args: string[]) {
  const files = await renderFreshDataFolder(planFromArgs(['--non-interactive', ...args], { dataFolder: '/nonexistent/provider-specifics' }));
  const doc = (path: string) => {
    const file = files.find((f) => f.path === path);
    return file ? decodeResource(file.content, path.split('/')[0]!) : undefined;
  };
  const registries: any[] = doc(FILES.mcpBridge).spec.registries;
  const providers: any[] = doc(FILES.aiProxy).spec.defaultConfig.providers;
  const ingresses = files.filter((f) => f.path.startsWith('ingresses/')).map((f) => doc(f.path));
  return {
    /** The header values of the provider's model routes (its `<id>/` entry route aside). */
    modelMatches: (id: string) =>
      ingresses
        .filter((i) => String(i.metadata.annotations['higress.io/destination']).startsWith(`llm-${id}.internal.`))
        .flatMap((i) => Object.entries(i.metadata.annotations).filter(([k]) => k.includes('-match-header-')).map(([, v]) => v))
        .filter((v) => v !== `${id}/`),
    entry: (id: string) => providers.find((p) => p.id === id),
    registry: (name: string) => registries.find((r) => r.name === name),
    registryNames: () => registries.map((r) => r.name),
    annotations: (id: string) => doc(FILES.ingress(id)).metadata.annotations,
  };
}

/** The plugin accepts the entry and the controller gives its registry an endpoint. */
function expectWorking(out: Awaited<ReturnType<typeof render>>, id: string) {
  expect(providerConfigError(out.entry(id)), id).toBeUndefined();
  expect(registryHasEndpoint(out.registry(`llm-${id}.internal`)), id).toBe(true);
}

describe('vertex (vertex.go)', () => {
  test('standard mode: the key file, the OAuth registry the plugin calls, the regional host', async () => {
    const out = await render(['--vertex-auth-key-file', VERTEX_KEY, '--vertex-project-id', 'p', '--vertex-region', 'us-central1']);
    expectWorking(out, 'vertex');
    const entry = out.entry('vertex');
    expect(JSON.parse(entry.vertexAuthKey)).toMatchObject({ client_email: 'gateway@test-project.iam.gserviceaccount.com', token_uri: 'https://oauth2.googleapis.com/token' });
    expect(entry).toMatchObject({ type: 'vertex', apiTokens: [], vertexAuthServiceName: 'vertex-oauth.internal', vertexRegion: 'us-central1', vertexProjectId: 'p' });
    expect(out.registry('llm-vertex.internal')).toEqual({ name: 'llm-vertex.internal', type: 'dns', protocol: 'https', domain: 'us-central1-aiplatform.googleapis.com', port: 443 });
    // wasm-go cluster_wrapper.go:140-142: the plugin's OAuth client calls outbound|443||<vertexAuthServiceName>.dns
    const oauth = out.registry(entry.vertexAuthServiceName);
    expect(oauth).toEqual({ name: 'vertex-oauth.internal', type: 'dns', protocol: 'https', domain: 'oauth2.googleapis.com', port: 443 });
    expect(registryHasEndpoint(oauth)).toBe(true);
  });

  test('standard mode in region global, with a chosen OAuth registry name', async () => {
    const out = await render(['--vertex-auth-key-file', VERTEX_KEY, '--vertex-project-id', 'p', '--vertex-region', 'global', '--vertex-auth-service-name', 'google-oauth.dns-zone']);
    expectWorking(out, 'vertex');
    expect(out.registry('llm-vertex.internal').domain).toBe('aiplatform.googleapis.com');
    expect(out.registry('google-oauth.dns-zone')).toMatchObject({ type: 'dns', domain: 'oauth2.googleapis.com', port: 443 });
    expect(out.registryNames()).not.toContain('vertex-oauth.internal');
  });

  test.each(['us-central1', 'global'])('express mode (an API key) connects to aiplatform.googleapis.com in region %s, no OAuth registry', async (region) => {
    const out = await render(['--vertex-key', 'vx-key', '--vertex-region', region, '--vertex-project-id', 'p']);
    expectWorking(out, 'vertex');
    expect(out.registry('llm-vertex.internal').domain).toBe('aiplatform.googleapis.com');
    expect(out.registryNames().sort()).toEqual(['higress-console', 'llm-vertex.internal']);
  });

  test('express mode needs no project or region (vertex.go:62-69)', async () => {
    const out = await render(['--vertex-key', 'vx-key']);
    expectWorking(out, 'vertex');
  });

  test('the OAuth registry follows the provider: replaced on a mode switch, removed with the provider', async () => {
    const files = await GatewayFiles.empty();
    const standard = { vertexAuthKey: '{"client_email":"a","private_key":"b","token_uri":"c"}', vertexAuthServiceName: 'vertex-oauth.internal', vertexRegion: 'r', vertexProjectId: 'p' };
    await files.upsertProvider({ id: 'vertex', tokens: [], models: 'gemini-*', extras: standard });
    await files.upsertProvider({ id: 'openai', tokens: ['k'], models: 'gpt-*', extras: {} });
    const names = async () => {
      const bridge = files.changes().find((c) => c.path === FILES.mcpBridge)!;
      return decodeResource(bridge.content!, 'mcpbridges').spec.registries.map((r: any) => r.name).sort();
    };
    expect(await names()).toEqual(['higress-console', 'llm-openai.internal', 'llm-vertex.internal', 'vertex-oauth.internal']);
    await files.upsertProvider({ id: 'vertex', tokens: [], models: 'gemini-*', extras: { ...standard, vertexAuthServiceName: 'other-oauth.internal' } });
    expect(await names()).toEqual(['higress-console', 'llm-openai.internal', 'llm-vertex.internal', 'other-oauth.internal']);
    await files.upsertProvider({ id: 'vertex', tokens: ['express'], models: 'gemini-*', extras: {} });
    expect(await names()).toEqual(['higress-console', 'llm-openai.internal', 'llm-vertex.internal']);
    await files.upsertProvider({ id: 'vertex', tokens: [], models: 'gemini-*', extras: standard });
    expect(await files.removeProvider('vertex')).toBe(true);
    expect(await names()).toEqual(['higress-console', 'llm-openai.internal']);
  });
});

describe('deepl (deepl.go:161-168): the plan follows the key, the host and the model follow the plan', () => {
  test.each([
    ['a Free key (:fx)', 'abc:fx', 'api-free.deepl.com', 'Free'],
    ['a Pro key', 'abc', 'api.deepl.com', 'Pro'],
  ])('%s', async (_name, key, host, model) => {
    const out = await render(['--deepl-key', key, '--deepl-target-lang', 'DE']);
    expectWorking(out, 'deepl');
    expect(out.registry('llm-deepl.internal')).toMatchObject({ type: 'dns', domain: host, port: 443, protocol: 'https' });
    expect(out.modelMatches('deepl')).toEqual([model]);
  });
});

describe('minimax (minimax.go:41-45,92,112)', () => {
  test('the Pro API carries the group id', async () => {
    const out = await render(['--minimax-key', 'mm', '--minimax-api-type', 'pro', '--minimax-group-id', 'grp-1']);
    expectWorking(out, 'minimax');
    expect(out.entry('minimax')).toMatchObject({ minimaxApiType: 'pro', minimaxGroupId: 'grp-1' });
  });
  test('without --minimax-api-type nothing is added (ChatCompletion v2)', async () => {
    const out = await render(['--minimax-key', 'mm']);
    expect(out.entry('minimax')).toMatchObject({ id: 'minimax', type: 'minimax', apiTokens: ['mm'] });
    expect(out.entry('minimax')).not.toHaveProperty('minimaxApiType');
    expect(out.entry('minimax')).not.toHaveProperty('minimaxGroupId');
  });
});

describe('hosts the gateway container reaches (registry/direct/watcher.go)', () => {
  test('ollama on host.docker.internal is a dns registry; on an IPv4 address a static one', async () => {
    const byName = await render(['--ollama-host', 'host.docker.internal']);
    expectWorking(byName, 'ollama');
    expect(byName.registry('llm-ollama.internal')).toEqual({ name: 'llm-ollama.internal', type: 'dns', protocol: 'http', domain: 'host.docker.internal', port: 11434 });
    expect(byName.annotations('ollama')['higress.io/destination']).toBe('llm-ollama.internal.dns:11434');
    const byIp = await render(['--ollama-host', '172.17.0.1', '--ollama-port', '11500']);
    expectWorking(byIp, 'ollama');
    expect(byIp.registry('llm-ollama.internal')).toMatchObject({ type: 'static', protocol: 'http', domain: '172.17.0.1:11500', port: 80 });
  });

  test.each([
    ['http on an IPv4 address and port', 'http://192.168.1.9:5001/v1', { type: 'static', protocol: 'http', domain: '192.168.1.9:5001', port: 80 }, 'llm-dify.internal.static:80'],
    ['http on a name and port', 'http://dify.lan:8080/v1', { type: 'dns', protocol: 'http', domain: 'dify.lan', port: 8080 }, 'llm-dify.internal.dns:8080'],
    ['https without a port', 'https://api.dify.ai/v1', { type: 'dns', protocol: 'https', domain: 'api.dify.ai', port: 443 }, 'llm-dify.internal.dns:443'],
  ])('dify %s (dify.go:61-77)', async (_name, url, registry, destination) => {
    const out = await render(['--dify-key', 'app-1', '--dify-api-url', url]);
    expectWorking(out, 'dify');
    expect(out.registry('llm-dify.internal')).toMatchObject(registry);
    expect(out.annotations('dify')['higress.io/destination']).toBe(destination);
  });

  test('azure: a port in the service URL goes into the registry (azure.go:265)', async () => {
    const out = await render(['--azure-key', 'az', '--azure-service-url', 'https://res.openai.azure.com:8443/openai/deployments/d/chat/completions?api-version=2024-06-01']);
    expectWorking(out, 'azure');
    expect(out.registry('llm-azure.internal')).toMatchObject({ type: 'dns', protocol: 'https', domain: 'res.openai.azure.com', port: 8443 });
    expect(out.annotations('azure')['higress.io/destination']).toBe('llm-azure.internal.dns:8443');
  });
});

describe('self-hosted OpenAI-style servers', () => {
  test('vllm: type vllm with vllmCustomUrl; the key is optional (vllm.go:25-30)', async () => {
    const out = await render(['--vllm-url', 'http://192.168.1.20:8000/v1']);
    expectWorking(out, 'vllm');
    expect(out.entry('vllm')).toMatchObject({ id: 'vllm', type: 'vllm', apiTokens: [], vllmCustomUrl: 'http://192.168.1.20:8000/v1' });
    expect(out.registry('llm-vllm.internal')).toMatchObject({ type: 'static', protocol: 'http', domain: '192.168.1.20:8000' });
  });

  test('openai-compatible: type openai with openaiCustomUrl and its own key (openai.go:82-111)', async () => {
    const out = await render(['--openai-compatible-url', 'http://host.docker.internal:1234/v1', '--openai-compatible-key', 'lm-studio']);
    expectWorking(out, 'openai-compatible');
    expect(out.entry('openai-compatible')).toMatchObject({ id: 'openai-compatible', type: 'openai', apiTokens: ['lm-studio'], openaiCustomUrl: 'http://host.docker.internal:1234/v1' });
    expect(out.registry('llm-openai-compatible.internal')).toMatchObject({ type: 'dns', protocol: 'http', domain: 'host.docker.internal', port: 1234 });
  });

  test('both can run beside OpenAI itself', async () => {
    const out = await render(['--openai-key', 'sk', '--openai-compatible-url', 'https://llm.example.com/v1', '--vllm-url', 'http://10.0.0.5:8000/v1']);
    for (const id of ['openai', 'openai-compatible', 'vllm']) expectWorking(out, id);
  });
});
