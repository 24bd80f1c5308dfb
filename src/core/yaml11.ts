/**
 * YAML 1.1 as the gateway reads our files. The all-in-one apiserver decodes them with sigs.k8s.io/yaml over
 * go-yaml v2 (higress-standalone src/apiserver/pkg/codec/flat_codec.go:87-96), so an unquoted `on` is a
 * boolean, `0777` an octal number and `2024-01-01` a timestamp there. This module resolves plain scalars by
 * go-yaml v2.4.0's rules (resolve.go `resolve`, `resolveMapList`, `parseTimestamp`) for both of our parsers:
 * the fast reader (js-yaml) and the editing one (`yaml`), whose writer then quotes every string that would
 * otherwise not stay a string.
 */
import { FAILSAFE_SCHEMA, Type, type Schema } from 'js-yaml';
import type { ScalarTag } from 'yaml';

type ScalarKind = 'str' | 'null' | 'bool' | 'int' | 'float' | 'timestamp';

interface Resolved {
  kind: ScalarKind;
  value: unknown;
}

// resolve.go resolveMapList: the exact spellings go-yaml v2 maps to a value.
const SPECIAL = new Map<string, Resolved>();
const special = (kind: ScalarKind, value: unknown, words: string[]) => words.forEach((w) => SPECIAL.set(w, { kind, value }));
special('bool', true, ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
special('bool', false, ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
special('null', null, ['', '~', 'null', 'Null', 'NULL']);
special('float', Number.NaN, ['.nan', '.NaN', '.NAN']);
special('float', Number.POSITIVE_INFINITY, ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']);
special('float', Number.NEGATIVE_INFINITY, ['-.inf', '-.Inf', '-.INF']);

// resolve.go resolveTable: the first character decides what a plain scalar can be. 'M': only the map above;
// '.': a float; 'D'/'S': a timestamp, int or float; anything else is a string without further look-up.
const HINT: string[] = [];
for (const c of 'yYnNtTfFoO~') HINT[c.charCodeAt(0)] = 'M';
for (const c of '0123456789') HINT[c.charCodeAt(0)] = 'D';
HINT['+'.charCodeAt(0)] = HINT['-'.charCodeAt(0)] = 'S';
HINT['.'.charCodeAt(0)] = '.';
// strconv.ParseInt(s, 0, 64) after `_` is removed: sign, then 0b/0o/0x, a leading 0 (octal) or decimal.
const GO_INT = /^([-+]?)(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/;
// resolve.go yamlStyleFloat
const GO_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
// strconv.ParseFloat for a scalar starting with '.' (no underscores without a base prefix).
const DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;
// resolve.go allowedTimestampFormats: 2006-1-2T15:4:5.999999999Z07:00 (T or t), 2006-1-2 15:4:5.999999999, 2006-1-2.
const TIMESTAMP = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:([Tt])|( ))(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?(Z|[-+]\d{2}:\d{2})?)?$/;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const STR = (value: string): Resolved => ({ kind: 'str', value });

function goInt(plain: string): Resolved | undefined {
  const m = GO_INT.exec(plain);
  if (!m) return undefined;
  const [, sign, digits] = m as unknown as [string, string, string];
  const lower = digits.toLowerCase();
  const body = lower.length > 1 && lower[0] === '0' && !'box'.includes(lower[1]!) ? `0o${lower.slice(1)}` : lower;
  const big = BigInt(body) * (sign === '-' ? -1n : 1n);
  // ParseInt, else ParseUint (no sign allowed), else the value falls through to the float rule.
  if (big >= INT64_MIN && big <= INT64_MAX) return { kind: 'int', value: Number(big) };
  if (sign === '' && big <= UINT64_MAX) return { kind: 'int', value: Number(big) };
  return undefined;
}

/** Go's time.Parse with the formats above (ranges checked), as encoding/json writes the time (RFC 3339). */
function goTimestamp(text: string): Resolved | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, t, space, h, mi, s, frac, zone] = m;
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  const pad = (n: string | undefined, width = 2) => (n ?? '0').padStart(width, '0');
  const date = `${y}-${pad(mo)}-${pad(d)}`;
  if (h === undefined) return { kind: 'timestamp', value: `${date}T00:00:00Z` };
  if ((t !== undefined && zone === undefined) || (space !== undefined && zone !== undefined)) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const nanos = (frac ?? '').slice(0, 9).replace(/0+$/, '');
  const offset = zone === undefined || zone === 'Z' || zone === '+00:00' || zone === '-00:00' ? 'Z' : zone;
  return { kind: 'timestamp', value: `${date}T${pad(h)}:${pad(mi)}:${pad(s)}${nanos ? `.${nanos}` : ''}${offset}` };
}

function resolveUncached(text: string): Resolved {
  const hint = text === '' ? 'M' : HINT[text.charCodeAt(0)];
  if (hint === undefined) return STR(text);
  const known = SPECIAL.get(text);
  if (known) return known;
  if (hint === 'M') return STR(text);
  if (hint === '.') return DOT_FLOAT.test(text) ? { kind: 'float', value: Number(text) } : STR(text);
  const timestamp = goTimestamp(text);
  if (timestamp) return timestamp;
  const plain = text.replaceAll('_', '');
  const int = goInt(plain);
  if (int) return int;
  if (GO_FLOAT.test(plain)) {
    const value = Number(plain);
    if (Number.isFinite(value)) return { kind: 'float', value }; // ParseFloat fails on overflow
  }
  return STR(text);
}

// Both parsers ask about the same scalar several times in a row (once per candidate type).
let lastText: string | undefined;
let lastResolved: Resolved = STR('');
/** What go-yaml v2 makes of an unquoted scalar. */
export function resolvePlainScalar(text: string): Resolved {
  if (text !== lastText) {
    lastResolved = resolveUncached(text);
    lastText = text;
  }
  return lastResolved;
}

const KINDS: readonly Exclude<ScalarKind, 'str'>[] = ['null', 'bool', 'int', 'float', 'timestamp'];

const typedTag = (kind: ScalarKind) =>
  new Type(`tag:yaml.org,2002:${kind}`, {
    kind: 'scalar',
    resolve: (data: unknown) => typeof data === 'string' && resolvePlainScalar(data).kind === kind,
    construct: (data: string) => resolvePlainScalar(data).value,
  });

/**
 * js-yaml schema for the fast reader: failsafe (strings, maps, lists) plus the go-yaml v2 implicit types. One
 * implicit type stands for all of them (js-yaml asks each implicit type in turn; one question is cheaper).
 */
export const YAML11_READ_SCHEMA: Schema = FAILSAFE_SCHEMA.extend({
  implicit: [
    new Type('tag:get-ai-gateway,yaml-1.1-plain', {
      kind: 'scalar',
      resolve: (data: unknown) => typeof data === 'string' && resolvePlainScalar(data).kind !== 'str',
      construct: (data: string) => resolvePlainScalar(data).value,
    }),
  ],
  explicit: KINDS.map(typedTag),
});

/** A `test` that asks the go-yaml v2 rules instead of a pattern (the `yaml` package only calls `.test()`). */
class KindTest extends RegExp {
  constructor(private readonly kind: ScalarKind) {
    super('(?!)');
  }
  override test(text: string): boolean {
    return resolvePlainScalar(text).kind === this.kind;
  }
}

const keepSource = (kind: ScalarKind, value: unknown, source: string | undefined) =>
  typeof source === 'string' && resolvePlainScalar(source).kind === kind && Object.is(resolvePlainScalar(source).value, value);

const goFloat = (value: number): string =>
  Number.isNaN(value) ? '.nan' : value === Infinity ? '.inf' : value === -Infinity ? '-.inf' : Number.isInteger(value) ? `${value}.0` : String(value);

/**
 * Tags for the `yaml` package (with `schema: 'failsafe'`): plain scalars resolve as go-yaml v2 resolves them,
 * and a string whose plain form would resolve to anything else is written quoted.
 */
const YAML11_TAGS: ScalarTag[] = [
  {
    tag: 'tag:yaml.org,2002:null',
    default: true,
    test: new KindTest('null'),
    identify: (value) => value === null || value === undefined,
    resolve: () => null,
    stringify: ({ source }) => (keepSource('null', null, source as string | undefined) ? String(source) : 'null'),
  },
  {
    tag: 'tag:yaml.org,2002:bool',
    default: true,
    test: new KindTest('bool'),
    identify: (value) => typeof value === 'boolean',
    resolve: (text) => resolvePlainScalar(text).value,
    stringify: ({ value, source }) => (keepSource('bool', value, source as string | undefined) ? String(source) : String(value)),
  },
  {
    tag: 'tag:yaml.org,2002:int',
    default: true,
    test: new KindTest('int'),
    identify: (value) => typeof value === 'number' && Number.isInteger(value),
    resolve: (text) => resolvePlainScalar(text).value,
    stringify: ({ value, source }) => (keepSource('int', value, source as string | undefined) ? String(source) : String(value)),
  },
  {
    tag: 'tag:yaml.org,2002:float',
    default: true,
    test: new KindTest('float'),
    identify: (value) => typeof value === 'number',
    resolve: (text) => resolvePlainScalar(text).value,
    stringify: ({ value, source }) => (keepSource('float', value, source as string | undefined) ? String(source) : goFloat(Number(value))),
  },
  {
    // Read as the text encoding/json writes for the time.Time go-yaml produces; never chosen for writing.
    tag: 'tag:yaml.org,2002:timestamp',
    default: true,
    test: new KindTest('timestamp'),
    resolve: (text) => resolvePlainScalar(text).value,
  },
];

/** Options for the `yaml` package's parseDocument: read and write by the rules above. */
export const YAML11_PARSE_OPTIONS = { schema: 'failsafe', customTags: YAML11_TAGS } as const;
