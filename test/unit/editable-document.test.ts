// An edit starts from a Document built from the file's plain data when that Document writes the file's exact
// text (editableDocument, the fast path), else from a parse of the text. Both starts must give the same file
// after the same change; the fast path must be taken for the files we write, or large edits are slow again.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import * as yaml from 'yaml';
import { describe, expect, test } from 'vitest';
import { editableDocument, FILES, GatewayFiles } from '../../src/core/gateway-files.js';
import { YAML11_PARSE_OPTIONS, YAML11_READ_SCHEMA } from '../../src/core/yaml11.js';

const WRITE = { lineWidth: 0 };
const plainOf = (text: string) => load(text, { schema: YAML11_READ_SCHEMA });
/** A Document built from data has no source ranges; a parsed one has. */
const wasBuilt = (doc: yaml.Document) => (doc.contents as yaml.Node | null)?.range === undefined;

/** The same change, on either start: the kinds of edits gateway-files makes. */
function change(doc: yaml.Document): string {
  doc.setIn(['metadata', 'resourceVersion'], '41');
  const version = doc.getIn(['metadata', 'resourceVersion'], true);
  if (yaml.isScalar(version)) version.type = 'QUOTE_DOUBLE';
  doc.setIn(['spec', 'added'], doc.createNode({ yes: 'yes', octal: '0777', when: '2024-01-02', list: ['on', 3, 'a: b'] }));
  const annotations = doc.getIn(['metadata', 'annotations'], true);
  if (yaml.isMap(annotations)) annotations.set('get-ai-gateway.io/models', 'qwen-*');
  return doc.toString(WRITE);
}

async function ourFiles(): Promise<{ path: string; content: string }[]> {
  const files = await GatewayFiles.empty();
  await files.upsertProvider({ id: 'aliyun', tokens: ['sk-a1', 'sk-a2'], models: 'qwen-*,qwq-32b', extras: {} });
  await files.upsertProvider({ id: 'deepseek', tokens: ['sk-d'], models: 'deepseek-*', extras: {} });
  await files.upsertProvider({ id: 'ollama', tokens: [], models: 'llama3', extras: { ollamaServerHost: '10.0.0.9', ollamaServerPort: 11434 } });
  files.setAutoRouting({ enabled: true, defaultModel: 'qwen-turbo', rules: [{ pattern: '(?i)^(on|yes)', model: 'deepseek-chat' }] });
  await files.syncRoutes();
  return files.changes().filter((c): c is { path: string; content: string } => c.content !== null && c.path.endsWith('.yaml'));
}

const templates = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? templates(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : []));

describe('editableDocument', () => {
  test('files we write start from the built Document, which writes them byte for byte', async () => {
    const ours = await ourFiles();
    const built = ours.filter((f) => wasBuilt(editableDocument(yaml, f.content, plainOf(f.content))));
    // The large ones above all: ai-proxy, McpBridge, model-router.
    expect(built.map((f) => f.path)).toEqual(expect.arrayContaining([FILES.aiProxy, FILES.mcpBridge, FILES.modelRouter]));
    for (const f of built) expect(editableDocument(yaml, f.content, plainOf(f.content)).toString(WRITE)).toBe(f.content);
  });

  test('after the same change, both starts write the same file (our files and the templates)', async () => {
    const texts = [...(await ourFiles()).map((f) => f.content), ...templates('templates').map((p) => readFileSync(p, 'utf8'))];
    expect(texts.length).toBeGreaterThan(10);
    for (const text of texts) {
      const fast = editableDocument(yaml, text, plainOf(text));
      const parsed = yaml.parseDocument(text, YAML11_PARSE_OPTIONS);
      expect(change(fast)).toBe(change(parsed));
    }
  });

  // Each of these writes differently from the built Document, so the text is parsed and what it says is kept.
  test.each([
    ['a comment', 'metadata:\n  name: x # ours\n  resourceVersion: "1"\nspec: {}\n'],
    ['an unquoted YAML 1.1 boolean', 'metadata:\n  name: x\n  resourceVersion: "1"\nspec:\n  enabled: yes\n'],
    ['an octal number', 'metadata:\n  name: x\n  resourceVersion: "1"\nspec:\n  mode: 0777\n'],
    ['a timestamp', 'metadata:\n  name: x\n  resourceVersion: "1"\nspec:\n  at: 2024-01-02\n'],
    ['anchors and aliases', 'metadata:\n  name: x\n  resourceVersion: "1"\nspec:\n  a: &one\n    k: v\n  b: *one\n'],
    ['another indent', 'metadata:\n    name: x\n    resourceVersion: "1"\nspec:\n    list:\n    - a\n'],
    ['flow style', 'metadata: {name: x, resourceVersion: "1"}\nspec: {list: [a, b]}\n'],
    ['single quotes', "metadata:\n  name: 'x'\n  resourceVersion: '1'\nspec: {}\n"],
    ['a number as a key', 'metadata:\n  name: x\n  resourceVersion: "1"\nspec:\n  80: http\n'],
  ])('a file with %s is parsed, and keeps it', (_what, text) => {
    const fast = editableDocument(yaml, text, plainOf(text));
    expect(wasBuilt(fast)).toBe(false);
    expect(change(fast)).toBe(change(yaml.parseDocument(text, YAML11_PARSE_OPTIONS)));
  });
});
