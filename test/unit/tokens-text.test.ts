// A key rotation as a text edit of ai-proxy (src/core/tokens-text.ts): on our files it writes exactly what the
// Document path writes; comments elsewhere stay; anything it does not understand goes to the Document path.
import { load } from 'js-yaml';
import { isScalar, parseDocument } from 'yaml';
import { describe, expect, test } from 'vitest';
import { FILES, GatewayFiles } from '../../src/core/gateway-files.js';
import { editTokensText } from '../../src/core/tokens-text.js';
import { YAML11_PARSE_OPTIONS, YAML11_READ_SCHEMA } from '../../src/core/yaml11.js';

const read = (text: string) => load(text, { schema: YAML11_READ_SCHEMA });

async function ourFiles(): Promise<Map<string, string>> {
  const files = await GatewayFiles.empty();
  await files.upsertProvider({ id: 'aliyun', tokens: ['sk-a1', 'sk-a2'], models: 'qwen-*', extras: {} });
  await files.upsertProvider({ id: 'deepseek', tokens: ['sk-d1'], models: 'deepseek-*', extras: {}, resilience: { timeout: 5000 } });
  await files.upsertProvider({ id: 'openai', tokens: ['sk-o1', 'sk-o2', 'sk-o3'], models: 'gpt-*', extras: {} });
  await files.syncRoutes();
  return new Map(files.changes().map((c) => [c.path, c.content!]));
}
const ourAiProxy = async () => (await ourFiles()).get(FILES.aiProxy)!;

/** The Document path's result for the same rotation. */
function viaDocument(text: string, id: string, tokens: string[]): string {
  const doc = parseDocument(text, YAML11_PARSE_OPTIONS);
  const index = (read(text) as any).spec.defaultConfig.providers.findIndex((p: any) => p.id === id);
  doc.setIn(['spec', 'defaultConfig', 'providers', index, 'apiTokens'], doc.createNode(tokens));
  doc.setIn(['metadata', 'resourceVersion'], String(Number((read(text) as any).metadata.resourceVersion) + 1));
  const version = doc.getIn(['metadata', 'resourceVersion'], true);
  if (isScalar(version)) version.type = 'QUOTE_DOUBLE';
  return doc.toString({ lineWidth: 0 });
}

describe('key rotation as text', () => {
  test.each([
    ['aliyun', ['sk-new-1']],
    ['deepseek', ['sk-new-1', 'sk-new-2', 'AIzaSy_9.x-Z']],
    ['openai', ['sk-proj-abc_DEF.123']],
  ])('%s: the same file as the Document path writes', async (id, tokens) => {
    const text = await ourAiProxy();
    const edited = editTokensText(text, read(text), id, tokens, read);
    expect(edited).not.toBeNull();
    expect(edited!.text).toBe(viaDocument(text, id, tokens));
    expect((edited!.plain as any).spec.defaultConfig.providers.find((p: any) => p.id === id).apiTokens).toEqual(tokens);
  });

  test('a file with comments keeps them; only the token lines and the version change', async () => {
    const text = (await ourAiProxy()).replace('spec:\n', '# edited by hand\nspec:\n').replace('      - id: deepseek\n', '      # the cheap one\n      - id: deepseek\n');
    const edited = editTokensText(text, read(text), 'deepseek', ['sk-rotated'], read)!;
    const before = text.split('\n');
    const after = edited.text.split('\n');
    expect(after).toHaveLength(before.length);
    expect(after.filter((line, i) => line !== before[i])).toEqual([expect.stringMatching(/resourceVersion: "\d+"/), expect.stringMatching(/^ +- sk-rotated$/)]);
    expect(edited.text).toContain('# the cheap one');
  });

  test('keys the writer would quote, and shapes it does not understand, go to the Document path', async () => {
    const text = await ourAiProxy();
    const plain = read(text);
    for (const tokens of [[], ['yes'], ['0777'], ['2024-01-02'], ['a b'], ['x:y'], ['-x'], ['sk"q'], ['ключ']]) {
      expect(editTokensText(text, plain, 'aliyun', tokens, read), JSON.stringify(tokens)).toBeNull();
    }
    expect(editTokensText(text, plain, 'nobody', ['sk-x'], read)).toBeNull();
    expect(editTokensText(text.replaceAll('\n', '\r\n'), plain, 'aliyun', ['sk-x'], read)).toBeNull();
    const between = text.replace('          - sk-a1\n', '          - sk-a1\n          # second\n');
    expect(editTokensText(between, read(between), 'aliyun', ['sk-x'], read)).toBeNull();
    const flow = text.replace(/apiTokens:\n {10}- sk-a1\n {10}- sk-a2\n/, 'apiTokens: [sk-a1, sk-a2]\n');
    expect(flow).not.toBe(text);
    expect(editTokensText(flow, read(flow), 'aliyun', ['sk-x'], read)).toBeNull();
    // A read-back that does not say what was meant.
    const misread = (t: string) => {
      const value = read(t) as any;
      value.spec.defaultConfig.providers[0].type = 'other';
      return value;
    };
    expect(editTokensText(text, plain, 'aliyun', ['sk-x'], misread)).toBeNull();
  });

  test('through GatewayFiles: a rotation alone is a text edit; with a model change it is the Document path; same files either way', async () => {
    const all = await ourFiles();
    const text = all.get(FILES.aiProxy)!;
    const load = () => GatewayFiles.load(async (path) => all.get(path) ?? null, { editable: true, list: async (dir) => [...all.keys()].filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1)) });
    const rotated = await load();
    await rotated.upsertProvider({ id: 'openai', tokens: ['sk-o9'], models: 'gpt-*', extras: {} });
    expect(rotated.parsedChanges().map((c) => c.path)).toEqual([FILES.aiProxy]);
    const out = rotated.changes().find((c) => c.path === FILES.aiProxy)!.content!;
    expect(out).toBe(viaDocument(text, 'openai', ['sk-o9']));
    const both = await load();
    await both.upsertProvider({ id: 'openai', tokens: ['sk-o9'], models: 'gpt-*', extras: {}, resilience: { timeout: 9000 } });
    expect(both.parsedChanges()).toEqual([]);
    expect((read(both.changes().find((c) => c.path === FILES.aiProxy)!.content!) as any).spec.defaultConfig.providers.find((p: any) => p.id === 'openai')).toMatchObject({ apiTokens: ['sk-o9'] });
  });
});
