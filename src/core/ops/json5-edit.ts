/**
 * Changing one value inside a JSON5 document by editing its text, so comments, key order and formatting
 * survive everywhere the value did not change, inside the changed value too. The input must already be
 * valid JSON5 (the caller parses it first, and re-parses the result to check it).
 */
import { isDeepStrictEqual } from 'node:util';

interface Span {
  start: number;
  /** Index just after the value. */
  end: number;
}

interface Member {
  key: string;
  keyStart: number;
  value: Node;
}

type Node =
  | (Span & { kind: 'object'; members: Member[] })
  | (Span & { kind: 'array'; elements: Node[] })
  | (Span & { kind: 'scalar' });
type ObjectNode = Extract<Node, { kind: 'object' }>;

export interface DocumentInfo {
  root: Node | undefined;
  comments: number;
  /** Strings written with single quotes and with double quotes (keys included). */
  quotes: { single: number; double: number };
}

/** Scans a valid JSON5 text into value spans; counts comments and quote styles on the way. */
export function scanJson5(text: string): DocumentInfo {
  let i = 0;
  let comments = 0;
  const quotes = { single: 0, double: 0 };

  const skip = () => {
    for (;;) {
      const c = text[i];
      if (c === undefined) return;
      if (c === '/' && text[i + 1] === '/') {
        comments++;
        while (i < text.length && text[i] !== '\n' && text[i] !== '\r' && text[i] !== '\u2028' && text[i] !== '\u2029') i++;
      } else if (c === '/' && text[i + 1] === '*') {
        comments++;
        const close = text.indexOf('*/', i + 2);
        i = close < 0 ? text.length : close + 2;
      } else if (/[\s\uFEFF]/.test(c)) {
        i++;
      } else return;
    }
  };

  const readString = (): string => {
    const quote = text[i]!;
    if (quote === "'") quotes.single++;
    else quotes.double++;
    const start = i;
    i++;
    while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
    i++;
    return text.slice(start, i);
  };

  const readWord = (): string => {
    const start = i;
    while (i < text.length && !/[\s\uFEFF,:\]}[{"'/]/.test(text[i]!)) i += text[i] === '\\' ? 2 : 1;
    return text.slice(start, i);
  };

  const decodeKey = (raw: string): string => {
    if (raw.startsWith('"') || raw.startsWith("'")) {
      const body = raw.slice(1, -1);
      return body.replace(/\\(u\{?([0-9a-fA-F]+)\}?|x([0-9a-fA-F]{2})|\r\n|[\s\S])/g, (_m, esc: string, u?: string, x?: string) => {
        if (u) return String.fromCodePoint(parseInt(u, 16));
        if (x) return String.fromCharCode(parseInt(x, 16));
        const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', '0': '\0' };
        if (/^(\r\n|[\n\r\u2028\u2029])$/.test(esc)) return '';
        return simple[esc] ?? esc;
      });
    }
    return raw.replace(/\\u([0-9a-fA-F]{4})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  };

  const value = (): Node => {
    skip();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const members: Member[] = [];
      for (;;) {
        skip();
        if (text[i] === '}' || i >= text.length) break;
        const keyStart = i;
        const raw = text[i] === '"' || text[i] === "'" ? readString() : readWord();
        skip();
        i++; // ':'
        const v = value();
        members.push({ key: decodeKey(raw), keyStart, value: v });
        skip();
        if (text[i] === ',') i++;
      }
      i++;
      return { kind: 'object', start, end: i, members };
    }
    if (c === '[') {
      i++;
      const elements: Node[] = [];
      for (;;) {
        skip();
        if (text[i] === ']' || i >= text.length) break;
        elements.push(value());
        skip();
        if (text[i] === ',') i++;
      }
      i++;
      return { kind: 'array', start, end: i, elements };
    }
    if (c === '"' || c === "'") {
      readString();
      return { kind: 'scalar', start, end: i };
    }
    readWord();
    return { kind: 'scalar', start, end: i };
  };

  skip();
  const root = i < text.length ? value() : undefined;
  skip();
  return { root, comments, quotes };
}

function lineIndent(text: string, index: number): string {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** The file's indentation unit (first indented line), default two spaces. */
function indentUnit(text: string): string {
  const m = /\n([ \t]+)\S/.exec(text);
  return m ? m[1]! : '  ';
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export interface Style {
  unit: string;
  bareKeys: boolean;
  quote: '"' | "'";
}

/** How the file writes things: indentation, bare or quoted keys, single or double quotes. */
export function styleOf(text: string, info: DocumentInfo = scanJson5(text)): Style {
  const root = info.root;
  const firstKey = root?.kind === 'object' && root.members[0] ? text[root.members[0].keyStart] : '"';
  return {
    unit: indentUnit(text),
    bareKeys: firstKey !== undefined && firstKey !== '"' && firstKey !== "'",
    quote: info.quotes.single > info.quotes.double ? "'" : '"',
  };
}

function quoteString(s: string, quote: '"' | "'"): string {
  const json = JSON.stringify(s);
  if (quote === '"') return json;
  return `'${json.slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

const isScalar = (x: unknown) => x === null || typeof x !== 'object';
const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** JSON5 text of `value` at `indent`, in the file's style. */
export function serialize(value: unknown, indent: string, style: Style): string {
  const { unit, bareKeys, quote } = style;
  const key = (k: string) => (bareKeys && IDENTIFIER.test(k) ? k : quoteString(k, quote));
  const scalar = (v: unknown) => (typeof v === 'string' ? quoteString(v, quote) : (JSON.stringify(v) ?? 'null'));
  const walk = (v: unknown, at: string): string => {
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      // A list of plain values (a model's input kinds) on one line.
      if (v.every(isScalar)) {
        const inline = `[${v.map(scalar).join(', ')}]`;
        if (at.length + inline.length <= 100) return inline;
      }
      return `[\n${v.map((item) => at + unit + walk(item, at + unit)).join(',\n')}\n${at}]`;
    }
    if (isPlainObject(v)) {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      if (entries.length === 0) return '{}';
      // Small flat objects on one line.
      if (entries.every(([, x]) => isScalar(x))) {
        const inline = `{ ${entries.map(([k, x]) => `${key(k)}: ${scalar(x)}`).join(', ')} }`;
        if (at.length + inline.length <= 100) return inline;
      }
      return `{\n${entries.map(([k, x]) => `${at + unit}${key(k)}: ${walk(x, at + unit)}`).join(',\n')}\n${at}}`;
    }
    return scalar(v);
  };
  return walk(value, indent);
}

export interface EditResult {
  text: string;
  /** False when the text could not be edited in place (the caller rewrites the whole file). */
  inPlace: boolean;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** Index just after the comma that follows `from` (white space and comments skipped), or -1. */
function commaAfter(text: string, from: number): number {
  let i = from;
  for (;;) {
    const rest = text.slice(i);
    const ws = /^(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)/.exec(rest);
    if (ws) {
      i += ws[0].length;
      continue;
    }
    return text[i] === ',' ? i + 1 : -1;
  }
}

/** The text range that removes one member or element (from `start` to the end of its value). */
function removal(text: string, start: number, end: number): Edit {
  const comma = commaAfter(text, end);
  let to = comma < 0 ? end : comma;
  let from = start;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const tail = /^[ \t]*(?:\/\/[^\n]*)?\r?\n/.exec(text.slice(to));
  if (/^[ \t]*$/.test(text.slice(lineStart, start)) && tail) {
    // It has its own line(s): the whole lines go, its trailing comment with it.
    from = lineStart;
    to += tail[0].length;
  } else {
    to += /^[ \t]*/.exec(text.slice(to))![0].length;
  }
  return { start: from, end: to, text: '' };
}

/** Inserts `items` (already serialized at the right indent) before the closing bracket of `node`. */
function append(text: string, node: Span & { kind: 'object' | 'array' }, last: Span | undefined, items: string[], firstItemStart: number | undefined, style: Style): Edit {
  const close = node.end - 1;
  const base = lineIndent(text, node.start);
  const ownLine = firstItemStart !== undefined && /^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', firstItemStart - 1) + 1, firstItemStart));
  const indent = ownLine ? lineIndent(text, firstItemStart!) : base + style.unit;
  let insertAt = close;
  while (insertAt > node.start + 1 && /\s/.test(text[insertAt - 1]!)) insertAt--;
  const lines = items.map((item) => `${indent}${item}`);
  if (!last) return { start: node.start + 1, end: close, text: `\n${lines.join(',\n')}\n${base}` };
  const between = text.slice(last.end, insertAt);
  const trailingComma = between.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '').trim().startsWith(',');
  if (!text.slice(node.start, node.end).includes('\n') && !items.some((item) => item.includes('\n'))) {
    // A one-line object or list stays on one line.
    return { start: insertAt, end: insertAt, text: `${trailingComma ? '' : ','} ${items.join(', ')}${trailingComma ? ',' : ''}` };
  }
  const edits = `\n${lines.join(',\n')}${trailingComma ? ',' : ''}\n${base}`;
  if (trailingComma) return { start: insertAt, end: close, text: edits };
  // The comma goes right after the last value, before any comment that follows it.
  return { start: last.end, end: close, text: `,${text.slice(last.end, insertAt)}${edits}` };
}

/** The identity of an array element for matching old to new: its `id` field, else its content. */
const identity = (v: unknown): string => (isPlainObject(v) && typeof v.id === 'string' ? `id:${v.id}` : `v:${JSON.stringify(v)}`);

/** Edits that turn `node` (holding `old`) into `next`, touching only what differs. */
function diff(text: string, node: Node, old: unknown, next: unknown, style: Style, edits: Edit[]): void {
  if (isDeepStrictEqual(old, next)) return;
  const replace = (): void => {
    edits.push({ start: node.start, end: node.end, text: serialize(next, lineIndent(text, node.start), style) });
  };

  if (node.kind === 'object' && isPlainObject(old) && isPlainObject(next)) {
    const keys = node.members.map((m) => m.key);
    if (new Set(keys).size !== keys.length) return replace(); // duplicate keys: the last wins, keep it simple
    const removed = node.members.filter((m) => next[m.key] === undefined);
    const added = Object.keys(next).filter((k) => next[k] !== undefined && !keys.includes(k));
    if (removed.length > 0 && added.length > 0) return replace();
    for (const m of node.members) {
      if (next[m.key] === undefined) void edits.push(removal(text, m.keyStart, m.value.end));
      else diff(text, m.value, old[m.key], next[m.key], style, edits);
    }
    if (added.length > 0) {
      const indent = node.members[0] ? lineIndent(text, node.members[0].keyStart) : lineIndent(text, node.start) + style.unit;
      const key = (k: string) => (style.bareKeys && IDENTIFIER.test(k) ? k : quoteString(k, style.quote));
      const items = added.map((k) => `${key(k)}: ${serialize(next[k], indent, style)}`);
      edits.push(append(text, node, node.members.at(-1)?.value, items, node.members[0]?.keyStart, style));
    }
    return;
  }

  if (node.kind === 'array' && Array.isArray(old) && Array.isArray(next) && old.length === node.elements.length) {
    // In place when the new list is the old one's kept elements, in their order, then new ones.
    const oldIds = old.map(identity);
    const nextIds = next.map(identity);
    if (new Set(oldIds).size !== oldIds.length || new Set(nextIds).size !== nextIds.length) return replace();
    const kept = oldIds.filter((id) => nextIds.includes(id));
    if (!isDeepStrictEqual(kept, nextIds.slice(0, kept.length))) return replace();
    const added = next.slice(kept.length);
    const keptAt = node.elements.map((_el, k) => nextIds.indexOf(oldIds[k]!));
    let lastKept = keptAt.length - 1;
    while (lastKept >= 0 && keptAt[lastKept]! < 0) lastKept--;
    // Removed elements after the last kept one are replaced by the added ones in one edit.
    const tailGoes = added.length > 0 && lastKept < node.elements.length - 1;
    node.elements.forEach((el, k) => {
      if (keptAt[k]! >= 0) diff(text, el, old[k], next[keptAt[k]!], style, edits);
      else if (!tailGoes || k < lastKept) edits.push(removal(text, el.start, el.end));
    });
    if (added.length === 0) return;
    const indent = node.elements[0] ? lineIndent(text, node.elements[0].start) : lineIndent(text, node.start) + style.unit;
    const items = added.map((v) => serialize(v, indent, style));
    if (!tailGoes) {
      edits.push(append(text, node, node.elements.at(-1), items, node.elements[0]?.start, style));
      return;
    }
    const last = node.elements.at(-1)!;
    let insertAt = node.end - 1;
    while (insertAt > node.start + 1 && /\s/.test(text[insertAt - 1]!)) insertAt--;
    const trailingComma = commaAfter(text, last.end) > 0;
    let from = node.start + 1;
    if (lastKept >= 0) {
      // Keep the last kept element's comma and the comment on its line.
      from = commaAfter(text, node.elements[lastKept]!.end);
      from += /^[ \t]*(?:\/\/[^\n]*)?/.exec(text.slice(from))![0].length;
    }
    const ownLine = /^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', node.elements[0]!.start - 1) + 1, node.elements[0]!.start));
    const at = ownLine ? lineIndent(text, node.elements[0]!.start) : lineIndent(text, node.start) + style.unit;
    edits.push({ start: from, end: insertAt, text: `\n${items.map((item) => at + item).join(',\n')}${trailingComma ? ',' : ''}` });
    return;
  }
  replace();
}

/**
 * Sets `path` (object keys) to `value` in the JSON5 `text` (whose parsed form is `parsed`), creating missing
 * objects on the way and editing an existing value member by member. Returns inPlace false when a value on
 * the path is not an object (nothing sensible to edit).
 */
export function setJson5Path(text: string, path: string[], value: unknown, parsed: unknown, style: Style = styleOf(text)): EditResult {
  const { root } = scanJson5(text);
  if (root?.kind !== 'object') return { text, inPlace: false };

  let object: ObjectNode = root;
  let old: unknown = parsed;
  for (let depth = 0; depth < path.length; depth++) {
    const key = path[depth]!;
    // The last occurrence wins in JSON5.parse, so that is the one to edit.
    const member = [...object.members].reverse().find((m) => m.key === key);
    const oldChild = isPlainObject(old) ? old[key] : undefined;
    if (member && depth === path.length - 1) {
      const edits: Edit[] = [];
      diff(text, member.value, oldChild, value, style, edits);
      return { text: applyEdits(text, edits), inPlace: true };
    }
    if (member) {
      if (member.value.kind !== 'object') return { text, inPlace: false };
      object = member.value;
      old = oldChild;
      continue;
    }
    // Insert the rest of the path here as one new member.
    let nested: unknown = value;
    for (let k = path.length - 1; k > depth; k--) nested = { [path[k]!]: nested };
    const indent = object.members[0] ? lineIndent(text, object.members[0].keyStart) : lineIndent(text, object.start) + style.unit;
    const keyText = style.bareKeys && IDENTIFIER.test(key) ? key : quoteString(key, style.quote);
    const edit = append(text, object, object.members.at(-1)?.value, [`${keyText}: ${serialize(nested, indent, style)}`], object.members[0]?.keyStart, style);
    return { text: applyEdits(text, [edit]), inPlace: true };
  }
  return { text, inPlace: false };
}

