/**
 * `route add` / `route remove` on model-router without re-printing the whole document: with 1000 rules a YAML
 * Document parse and print of the file costs several times the rest of the command. One rule is inserted or
 * removed as text; everything else (comments, order, unknown fields) stays byte for byte; resourceVersion is
 * bumped. The result is parsed and must equal the intended content exactly, else the caller takes the
 * Document path (null).
 */
import { isDeepStrictEqual } from 'node:util';

interface Rule {
  pattern: string;
  model: string;
}

/** A file changed as text: its new content, and that content read back (what the reader makes of it). */
export interface TextEdit {
  text: string;
  plain: unknown;
}

type Change = { kind: 'insert'; index: number; rule: Rule } | { kind: 'remove'; index: number };

const same = (raw: unknown, rule: Rule | undefined) =>
  rule !== undefined && raw !== null && typeof raw === 'object' &&
  String((raw as Rule).pattern ?? '') === rule.pattern && String((raw as Rule).model ?? '') === rule.model;

/** The one insertion or removal that turns `current` into `next`, if that is all that differs. */
function singleChange(current: unknown[], next: Rule[]): Change | undefined {
  const longer = next.length === current.length + 1;
  if (!longer && next.length !== current.length - 1) return undefined;
  const shorter = Math.min(current.length, next.length);
  let index = 0;
  while (index < shorter && same(current[index], next[index])) index++;
  for (let j = index; j < shorter; j++) if (!same(longer ? current[j] : current[j + 1], longer ? next[j + 1] : next[j])) return undefined;
  return longer ? { kind: 'insert', index, rule: next[index]! } : { kind: 'remove', index };
}

export const indentOf = (line: string): number => line.length - line.trimStart().length;
const isNote = (line: string) => line.trim() === '' || line.trimStart().startsWith('#');

/**
 * The items of the block sequence under the key on line `keyLine`, looked for before line `limit`: `- ` at one
 * indent, until a line that is less indented or a sibling key. `itemEnd(k)`: where item k's own lines end
 * (before the next item, less any notes that lead into what follows). Null when the text is not that shape.
 */
export function blockItems(lines: string[], keyLine: number, limit: number): { starts: number[]; itemIndent: number; itemEnd: (k: number) => number } | null {
  let first = keyLine + 1;
  while (first < limit && isNote(lines[first]!)) first++;
  if (first >= limit || !lines[first]!.trimStart().startsWith('- ') || indentOf(lines[first]!) < indentOf(lines[keyLine]!)) return null;
  const itemIndent = indentOf(lines[first]!);
  const starts: number[] = [];
  let end = limit;
  for (let i = first; i < limit; i++) {
    const line = lines[i]!;
    if (isNote(line)) continue;
    const indent = indentOf(line);
    if (indent === itemIndent && line.trimStart().startsWith('- ')) starts.push(i);
    else if (indent <= itemIndent) {
      end = i;
      break;
    }
  }
  const itemEnd = (k: number) => {
    let stop = k + 1 < starts.length ? starts[k + 1]! : end;
    while (stop > starts[k]! + 1 && isNote(lines[stop - 1]!)) stop--;
    return stop;
  };
  return { starts, itemIndent, itemEnd };
}

/** Sets the one `resourceVersion:` line to the plain data's version + 1 (quoted); the new version, or undefined. */
export function bumpVersion(lines: string[], plain: unknown): string | undefined {
  const previous = Number((plain as { metadata?: { resourceVersion?: unknown } })?.metadata?.resourceVersion);
  const versions = lines.flatMap((line, i) => (/^\s+resourceVersion:/.test(line) ? [i] : []));
  if (!Number.isFinite(previous) || versions.length !== 1) return undefined;
  const version = String(previous + 1);
  lines[versions[0]!] = `${' '.repeat(indentOf(lines[versions[0]!]!))}resourceVersion: "${version}"`;
  return version;
}

export function editRulesText(
  text: string,
  plain: unknown,
  next: { enabled: boolean; defaultModel?: string; rules: Rule[] },
  parse: (text: string) => unknown,
): TextEdit | null {
  const spec = (plain as { spec?: { defaultConfig?: { autoRouting?: { enable?: unknown; defaultModel?: unknown; rules?: unknown } } } })?.spec;
  const routing = spec?.defaultConfig?.autoRouting;
  const current = routing?.rules;
  if (!Array.isArray(current) || current.length === 0 || text.includes('\r')) return null;
  if ((routing!.enable === true) !== next.enabled || (routing!.defaultModel ?? undefined) !== next.defaultModel) return null;
  const change = singleChange(current, next.rules);
  if (!change) return null;

  const lines = text.split('\n');
  const keys = lines.flatMap((line, i) => (/^\s*rules:\s*(#.*)?$/.test(line) ? [i] : []));
  if (keys.length !== 1) return null;
  const items = blockItems(lines, keys[0]!, lines.length);
  if (!items || items.starts.length !== current.length) return null;
  const { starts, itemIndent, itemEnd } = items;

  const expectedRules = [...current];
  const pad = ' '.repeat(itemIndent);
  if (change.kind === 'insert') {
    // Double-quoted (JSON) scalars mean the same string to every YAML reader.
    const item = [`${pad}- pattern: ${JSON.stringify(change.rule.pattern)}`, `${pad}  model: ${JSON.stringify(change.rule.model)}`];
    const at = change.index < starts.length ? starts[change.index]! : itemEnd(starts.length - 1);
    lines.splice(at, 0, ...item);
    expectedRules.splice(change.index, 0, { pattern: change.rule.pattern, model: change.rule.model });
  } else {
    lines.splice(starts[change.index]!, itemEnd(change.index) - starts[change.index]!);
    expectedRules.splice(change.index, 1);
  }

  const version = bumpVersion(lines, plain);
  if (version === undefined) return null;

  const edited = lines.join('\n');
  const expected = structuredClone(plain) as { metadata: { resourceVersion: string }; spec: { defaultConfig: { autoRouting: { rules: unknown[] } } } };
  expected.metadata.resourceVersion = version;
  expected.spec.defaultConfig.autoRouting.rules = expectedRules;
  return readBack(edited, expected, parse, sameContent);
}

/** The edit, if its text reads back as `expected` (compared by `same`); null otherwise. */
export function readBack(text: string, expected: unknown, parse: (text: string) => unknown, same: (a: unknown, b: unknown) => boolean = isDeepStrictEqual): TextEdit | null {
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch {
    return null;
  }
  return same(parsed, expected) ? { text, plain: parsed } : null;
}

type Spec = { spec?: { defaultConfig?: { autoRouting?: { rules?: unknown } } } };
const rulesOf = (value: unknown) => (value as Spec)?.spec?.defaultConfig?.autoRouting;
const isFlat = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => v === null || typeof v !== 'object');

/**
 * isDeepStrictEqual, quicker for a long rule list (it runs cold: 3-7 ms for 1000 rules): a rule of plain
 * values is compared key by key, in order (an order that differs only sends the edit to the Document path);
 * anything else, and everything around the list, by isDeepStrictEqual.
 */
function sameContent(parsed: unknown, expected: unknown): boolean {
  const a = rulesOf(parsed);
  const b = rulesOf(expected);
  if (!a || !b || !Array.isArray(a.rules) || !Array.isArray(b.rules) || a.rules.length !== b.rules.length) return isDeepStrictEqual(parsed, expected);
  const [left, right] = [a.rules as unknown[], b.rules as unknown[]];
  for (let i = 0; i < left.length; i++) {
    const [x, y] = [left[i], right[i]];
    if (isFlat(x) && isFlat(y)) {
      const keys = Object.keys(x);
      const other = Object.keys(y);
      if (keys.length !== other.length || keys.some((key, k) => key !== other[k] || !Object.is(x[key], y[key]))) return false;
    } else if (!isDeepStrictEqual(x, y)) return false;
  }
  a.rules = b.rules = [];
  try {
    return isDeepStrictEqual(parsed, expected);
  } finally {
    [a.rules, b.rules] = [left, right];
  }
}
