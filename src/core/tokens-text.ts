/**
 * A key rotation on ai-proxy as a text edit (what operators do from CI, and the hot-reload path): the provider's
 * `apiTokens` items are replaced and resourceVersion is bumped; every other byte stays. Only for keys the YAML
 * writer would write plain too (letters, digits and `-_.`, read back as a string), so the file stays as our writer
 * makes it. The result is parsed and must equal the intended content exactly, else null: the caller then takes
 * the Document path.
 */
import { blockItems, bumpVersion, indentOf, readBack, type TextEdit } from './rules-text.js';
import { resolvePlainScalar } from './yaml11.js';

type Entry = Record<string, unknown>;

const PLAIN_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function editTokensText(text: string, plain: unknown, id: string, tokens: readonly string[], parse: (text: string) => unknown): TextEdit | null {
  if (text.includes('\r') || tokens.length === 0) return null;
  if (!tokens.every((token) => PLAIN_KEY.test(token) && resolvePlainScalar(token).kind === 'str')) return null;
  const providers = (plain as { spec?: { defaultConfig?: { providers?: unknown } } })?.spec?.defaultConfig?.providers;
  if (!Array.isArray(providers)) return null;
  const index = providers.findIndex((entry) => (entry as Entry | null)?.id === id);
  if (index < 0 || providers.filter((entry) => (entry as Entry | null)?.id === id).length !== 1) return null;
  const current = (providers[index] as Entry).apiTokens;
  if (!Array.isArray(current) || current.length === 0) return null;

  const lines = text.split('\n');
  const keys = lines.flatMap((line, i) => (/^\s*providers:\s*$/.test(line) ? [i] : []));
  if (keys.length !== 1) return null;
  const entries = blockItems(lines, keys[0]!, lines.length);
  if (!entries || entries.starts.length !== providers.length) return null;
  // The entry's own `apiTokens:` line (a field after the `- ` line), then its items, one line each.
  const [start, stop] = [entries.starts[index]!, entries.itemEnd(index)];
  const fields = lines.flatMap((line, i) => (i > start && i < stop && indentOf(line) === entries.itemIndent + 2 && /^\s*apiTokens:\s*$/.test(line) ? [i] : []));
  if (fields.length !== 1) return null;
  const items = blockItems(lines, fields[0]!, stop);
  if (!items || items.starts.length !== current.length || items.starts.some((line, k) => line !== items.starts[0]! + k || items.itemEnd(k) !== line + 1)) return null;
  const first = items.starts[0]!;
  lines.splice(first, items.starts.length, ...tokens.map((token) => `${' '.repeat(items.itemIndent)}- ${token}`));

  const version = bumpVersion(lines, plain);
  if (version === undefined) return null;
  const edited = lines.join('\n');
  const expected = structuredClone(plain) as { metadata: { resourceVersion: string }; spec: { defaultConfig: { providers: Entry[] } } };
  expected.metadata.resourceVersion = version;
  expected.spec.defaultConfig.providers[index]!.apiTokens = [...tokens];
  return readBack(edited, expected, parse);
}
