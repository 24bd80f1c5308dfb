// Our files stay what we mean under YAML 1.1, the rules the gateway's apiserver decodes them with, and our own
// reader reads what the gateway reads. The decoding side is the double's (test/double/yaml11.mjs), written
// independently from go-yaml v2's rules.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { GatewayFiles, FILES } from '../../src/core/gateway-files.js';
import { resolvePlainScalar } from '../../src/core/yaml11.js';
import { decodeResource } from '../double/yaml11.mjs';
import { GO_YAML_V2 } from '../helpers/yaml11-table.js';

const SPECIALS = ['on', 'no', 'y', '0b101', '0777', '1_000', '~', 'null', '.inf', 'Off', 'YES', '0x1F', '1e3', '08', '2024-01-02', '+.5'];
// The same specials as model names our pattern syntax accepts (no `~`).
const MODEL_SPECIALS = SPECIALS.filter((s) => s !== '~');

const decode = (change: { path: string; content: string | null }) => decodeResource(change.content!, change.path.split('/')[0]!);

describe('our reader resolves plain scalars like go-yaml v2', () => {
  test.each(GO_YAML_V2)('%j', (text, expected) => {
    expect(resolvePlainScalar(text).value).toEqual(expected);
    expect(resolvePlainScalar(text).kind === 'str').toBe(expected === text);
  });
});

async function written(config: { id: string; tokens: string[]; models: string; extras: Record<string, string | number | boolean> }) {
  const files = await GatewayFiles.empty();
  await files.upsertProvider(config);
  await files.syncRoutes();
  return files.changes();
}

/** The decoded Ingresses that lead to a provider, and the header values they match. */
function routesOf(changes: { path: string; content: string | null }[], id: string) {
  const ingresses = changes.filter((c) => c.path.startsWith('ingresses/') && c.content).map(decode);
  const own = ingresses.filter((i) => String(i.metadata.annotations['higress.io/destination']).startsWith(`llm-${id}.internal.`));
  const matches = own.flatMap((i) => Object.entries(i.metadata.annotations).filter(([k]) => k.includes('-match-header-')).map(([, v]) => v));
  return { ingresses: own, matches: matches.filter((v) => v !== `${id}/`) };
}

describe('YAML 1.1 specials round-trip through the writer, the gateway and our reader', () => {
  test('keys, models, annotations and extra fields stay the exact strings', async () => {
    const changes = await written({ id: 'cloudflare', tokens: SPECIALS, models: MODEL_SPECIALS.join(','), extras: { cloudflareAccountId: 'on' } });
    const byPath = new Map(changes.map((c) => [c.path, c]));
    const proxy = decode(byPath.get(FILES.aiProxy)!);
    const entry = proxy.spec.defaultConfig.providers[0];
    expect(entry.apiTokens).toEqual(SPECIALS);
    expect(entry.cloudflareAccountId).toBe('on');
    const routes = routesOf(changes, 'cloudflare');
    for (const ingress of routes.ingresses) for (const value of Object.values(ingress.metadata.annotations)) expect(typeof value).toBe('string');
    expect([...routes.matches].sort()).toEqual([...MODEL_SPECIALS].sort());
    // every file we wrote decodes on the gateway
    for (const change of changes) expect(() => decode(change), change.path).not.toThrow();

    const read = await GatewayFiles.load(async (path) => byPath.get(path)?.content ?? null);
    const [provider] = read.configuredProviders();
    expect(provider).toMatchObject({ id: 'cloudflare', tokens: SPECIALS, models: MODEL_SPECIALS.join(','), extras: { cloudflareAccountId: 'on' } });
  });

  test.each(SPECIALS)('one model %j is one exact-looking annotation value, a string', async (model) => {
    if (model === '~') return;
    const changes = await written({ id: 'openai', tokens: ['k'], models: model, extras: {} });
    expect(routesOf(changes, 'openai').matches).toEqual([model]);
  });

  test('our reader reads a hand-written plain `on` as the gateway does (true), and an edit keeps other fields as they were', async () => {
    const text = `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: ai-proxy.internal
  namespace: higress-system
  resourceVersion: "4"
spec:
  defaultConfig:
    providers:
    - id: deepseek
      type: deepseek
      apiTokens:
      - on
      consoleFlag: yes
  matchRules:
  - service:
    - llm-deepseek.internal.dns
    config:
      activeProviderId: deepseek
`;
    const gateway = decodeResource(text, 'wasmplugins');
    expect(gateway.spec.defaultConfig.providers[0].apiTokens).toEqual([true]);
    const files = await GatewayFiles.load(async (path) => (path === FILES.aiProxy ? text : null), { editable: true });
    expect(files.configuredProviders()[0]!.tokens).toEqual(['true']);
    await files.upsertProvider({ id: 'deepseek', tokens: ['on'], models: 'deepseek-*', extras: {} });
    const proxy = files.changes().find((c) => c.path === FILES.aiProxy)!;
    expect(proxy.content).toContain('consoleFlag: yes');
    const after = decodeResource(proxy.content!, 'wasmplugins');
    expect(after.spec.defaultConfig.providers[0]).toMatchObject({ apiTokens: ['on'], consoleFlag: true });
    expect(after.metadata.resourceVersion).toBe('5');
  });

  test('every template decodes on the gateway with string labels, annotations and data', () => {
    const root = join(import.meta.dirname, '../../templates');
    for (const dir of readdirSync(root)) {
      for (const file of readdirSync(join(root, dir))) {
        const kind = dir === 'provider' ? (file.startsWith('ingress') ? 'ingresses' : 'configmaps') : dir;
        expect(() => decodeResource(readFileSync(join(root, dir, file), 'utf8'), kind), `${dir}/${file}`).not.toThrow();
      }
    }
  });
});
