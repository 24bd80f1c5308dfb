/**
 * Setting one value inside a JSON5 document by editing its text, so comments, key order and formatting
 * everywhere else survive. The input must already be valid JSON5 (the caller parses it first).
 */

interface ValueNode {
  kind: 'object' | 'array' | 'scalar';
  start: number;
  /** Index just after the value. */
  end: number;
}

interface Member {
  key: string;
  keyStart: number;
  value: Node;
}

interface ObjectNode extends ValueNode {
  kind: 'object';
  members: Member[];
}

type Node = ObjectNode | ValueNode;

export interface DocumentInfo {
  root: Node | undefined;
  comments: number;
}

/** Scans a valid JSON5 text into value spans; counts comments on the way. */
export function scanJson5(text: string): DocumentInfo {
  let i = 0;
  let comments = 0;

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
        if (text[i] === '}') break;
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
      for (;;) {
        skip();
        if (text[i] === ']') break;
        value();
        skip();
        if (text[i] === ',') i++;
      }
      i++;
      return { kind: 'array', start, end: i };
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
  return { root, comments };
}

const isObject = (n: Node | undefined): n is ObjectNode => n?.kind === 'object';

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

/** JSON text of `value` at `indent`, with bare keys when the file uses them. */
export function serialize(value: unknown, indent: string, unit: string, bareKeys: boolean): string {
  const key = (k: string) => (bareKeys && IDENTIFIER.test(k) ? k : JSON.stringify(k));
  const walk = (v: unknown, at: string): string => {
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[\n${v.map((item) => at + unit + walk(item, at + unit)).join(',\n')}\n${at}]`;
    }
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      if (entries.length === 0) return '{}';
      // Small flat objects (a model entry) on one line.
      if (entries.every(([, x]) => x === null || typeof x !== 'object')) {
        const inline = `{ ${entries.map(([k, x]) => `${key(k)}: ${JSON.stringify(x)}`).join(', ')} }`;
        if (at.length + inline.length <= 100) return inline;
      }
      return `{\n${entries.map(([k, x]) => `${at + unit}${key(k)}: ${walk(x, at + unit)}`).join(',\n')}\n${at}}`;
    }
    return JSON.stringify(v) ?? 'null';
  };
  return walk(value, indent);
}

export interface EditResult {
  text: string;
  /** False when the text could not be edited in place (the caller rewrites the whole file). */
  inPlace: boolean;
}

/**
 * Sets `path` (object keys) to `value` in the JSON5 `text`, creating missing objects on the way.
 * Returns inPlace false when a value on the path is not an object (nothing sensible to edit).
 */
export function setJson5Path(text: string, path: string[], value: unknown): EditResult {
  const { root } = scanJson5(text);
  if (!isObject(root)) return { text, inPlace: false };
  const unit = indentUnit(text);
  const firstKey = root.members[0] ? text[root.members[0].keyStart] : '"';
  const bareKeys = firstKey !== undefined && firstKey !== '"' && firstKey !== "'";

  let object: ObjectNode = root;
  for (let depth = 0; depth < path.length; depth++) {
    const key = path[depth]!;
    // The last occurrence wins in JSON5.parse, so that is the one to edit.
    const member = [...object.members].reverse().find((m) => m.key === key);
    if (member && depth === path.length - 1) {
      const replacement = serialize(value, lineIndent(text, member.keyStart), unit, bareKeys);
      return { text: text.slice(0, member.value.start) + replacement + text.slice(member.value.end), inPlace: true };
    }
    if (member) {
      if (!isObject(member.value)) return { text, inPlace: false };
      object = member.value;
      continue;
    }
    // Insert the rest of the path here as one new member.
    let nested: unknown = value;
    for (let k = path.length - 1; k > depth; k--) nested = { [path[k]!]: nested };
    return { text: insertMember(text, object, key, nested, unit, bareKeys), inPlace: true };
  }
  return { text, inPlace: false };
}

function insertMember(text: string, object: ObjectNode, key: string, value: unknown, unit: string, bareKeys: boolean): string {
  const close = object.end - 1;
  const base = lineIndent(text, object.start);
  const first = object.members[0];
  const firstOnOwnLine = first && /^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', first.keyStart - 1) + 1, first.keyStart));
  const indent = firstOnOwnLine ? lineIndent(text, first.keyStart) : base + unit;
  const member = `${bareKeys && IDENTIFIER.test(key) ? key : JSON.stringify(key)}: ${serialize(value, indent, unit, bareKeys)}`;

  // Everything between the last member (or the brace) and `}`: a trailing comma, comments, white space.
  let insertAt = close;
  while (insertAt > object.start + 1 && /\s/.test(text[insertAt - 1]!)) insertAt--;
  const last = object.members[object.members.length - 1];
  let prefix = text.slice(0, insertAt);
  let trailingComma = false;
  if (last) {
    const between = text.slice(last.value.end, insertAt);
    const afterValue = between.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '').trim();
    trailingComma = afterValue.startsWith(',');
    if (!trailingComma) prefix = text.slice(0, last.value.end) + ',' + text.slice(last.value.end, insertAt);
  }
  return `${prefix}\n${indent}${member}${trailingComma ? ',' : ''}\n${base}${text.slice(close)}`;
}
