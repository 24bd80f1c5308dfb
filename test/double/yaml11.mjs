// Gateway double (TEST EQUIPMENT, not product): how the all-in-one apiserver decodes a resource file.
// higress-standalone src/apiserver/pkg/codec/flat_codec.go:87-96 decodes with sigs.k8s.io/yaml (v1.4.0)
// YAMLToJSON, i.e. go-yaml v2 then JSON, then json-decodes into the typed Kubernetes object. So:
//   - plain scalars resolve by go-yaml v2.4.0 resolve.go (YAML 1.1): y/yes/on/true... are booleans, 0b101,
//     0777 (octal), 0x1F, 1_000 numbers, 08 and 1e3 floats, ~/null null, .inf/.nan floats, 2024-01-02 a
//     timestamp (encoding/json writes it as RFC 3339); sexagesimal 1:20 is NOT resolved (resolve.go says so);
//     quoted and block scalars, and `!!str`, are strings;
//   - map keys become strings as sigs.k8s.io/yaml yaml.go convertToJSONableObject does (true -> "true",
//     1000 -> "1000"); a null key is an error;
//   - a .inf/.nan value cannot be written as JSON (json.Marshal fails): the file does not decode;
//   - ObjectMeta labels/annotations and ConfigMap data are map[string]string, name/namespace/resourceVersion
//     strings: any other JSON type there fails the typed decode of the whole resource.
// Written from those rules, independent of the installer's own reader (src/core/yaml11.ts).
import YAML from 'yaml';

const SPECIAL = new Map();
const special = (value, words) => words.forEach((w) => SPECIAL.set(w, value));
special(true, ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
special(false, ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
special(null, ['', '~', 'null', 'Null', 'NULL']);
special(NaN, ['.nan', '.NaN', '.NAN']);
special(Infinity, ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']);
special(-Infinity, ['-.inf', '-.Inf', '-.INF']);

const TIME = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:([Tt ])(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?(Z|[+-]\d{2}:\d{2})?)?$/;

/** resolve.go parseTimestamp with allowedTimestampFormats; returns the encoding/json text of the time. */
function timestamp(s) {
  const m = TIME.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, sep, h, mi, sec, frac, zone] = m;
  const days = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > days) return undefined;
  const two = (v) => String(v).padStart(2, '0');
  if (sep === undefined) return `${y}-${two(mo)}-${two(d)}T00:00:00Z`;
  // "T"/"t" layouts carry Z07:00 (required); the space layout has no zone.
  if ((sep === ' ') === (zone !== undefined)) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return undefined;
  const ns = (frac ?? '').slice(0, 9).replace(/0+$/, '');
  const tz = !zone || /^(Z|[+-]00:00)$/.test(zone) ? 'Z' : zone;
  return `${y}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(sec)}${ns ? `.${ns}` : ''}${tz}`;
}

/** strconv.ParseInt(s, 0, 64), else ParseUint(s, 0, 64); undefined when neither accepts s. */
function goParseInt(s) {
  const m = /^([+-]?)(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  let digits = m[2].toLowerCase();
  if (digits.length > 1 && digits[0] === '0' && !'box'.includes(digits[1])) digits = `0o${digits.slice(1)}`;
  const n = BigInt(digits) * (m[1] === '-' ? -1n : 1n);
  if (n >= -(2n ** 63n) && n < 2n ** 63n) return Number(n);
  if (m[1] === '' && n < 2n ** 64n) return Number(n);
  return undefined;
}

/** go-yaml v2 resolve() for an untagged plain scalar. */
export function resolvePlain(s) {
  const c = s[0];
  const hint = s === '' || 'yYnNtTfFoO~'.includes(c) ? 'M' : c === '.' ? '.' : /[0-9]/.test(c) ? 'D' : c === '+' || c === '-' ? 'S' : '';
  if (!hint) return s;
  if (SPECIAL.has(s)) return SPECIAL.get(s);
  if (hint === 'M') return s;
  if (hint === '.') return /^\.[0-9]+([eE][+-]?[0-9]+)?$/.test(s) ? Number(s) : s;
  const t = timestamp(s);
  if (t !== undefined) return t;
  const plain = s.replaceAll('_', '');
  const int = goParseInt(plain);
  if (int !== undefined) return int;
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain) && Number.isFinite(Number(plain))) return Number(plain);
  return s;
}

const STR_TAGS = new Set(['tag:yaml.org,2002:str', '!!str', '!']);

function scalar(node) {
  if (node.tag && STR_TAGS.has(node.tag)) return String(node.value ?? '');
  if (node.type === 'PLAIN' || node.type === undefined) return resolvePlain(String(node.source ?? node.value ?? ''));
  return String(node.value);
}

/** sigs.k8s.io/yaml: a map key as a JSON object key. */
function keyString(key) {
  if (key === null) throw new Error('unsupported map key of type: <nil>');
  if (typeof key === 'number') {
    if (Number.isNaN(key)) return '.nan';
    if (key === Infinity) return '.inf';
    if (key === -Infinity) return '-.inf';
  }
  return String(key);
}

function toJson(node, doc) {
  if (node === null || node === undefined) return null;
  if (YAML.isAlias(node)) return toJson(node.resolve(doc), doc);
  if (YAML.isMap(node)) {
    const out = {};
    for (const pair of node.items) {
      const key = YAML.isScalar(pair.key) ? scalar(pair.key) : toJson(pair.key, doc);
      if (key === '<<' && YAML.isScalar(pair.key) && pair.key.type === 'PLAIN') {
        // go-yaml v2 decode.go merge: the merged map(s) fill in keys
        const merged = toJson(pair.value, doc);
        for (const m of Array.isArray(merged) ? merged : [merged]) Object.assign(out, m);
        continue;
      }
      if (typeof key === 'object' && key !== null) throw new Error('unsupported map key of type: map');
      out[keyString(key)] = toJson(pair.value, doc);
    }
    return out;
  }
  if (YAML.isSeq(node)) return node.items.map((item) => toJson(item, doc));
  if (YAML.isScalar(node)) {
    const value = scalar(node);
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`json: unsupported value: ${value}`);
    return value;
  }
  throw new Error('unsupported YAML node');
}

function requireStringMap(obj, path) {
  const map = path.reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), obj);
  if (map === undefined || map === null) return;
  if (typeof map !== 'object' || Array.isArray(map)) throw new Error(`json: cannot unmarshal into Go struct field ${path.join('.')} of type map[string]string`);
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== 'string') throw new Error(`json: cannot unmarshal ${v === null ? 'null' : typeof v} into Go struct field ${path.join('.')}[${k}] of type string`);
  }
}

/**
 * Decodes one resource file the way the apiserver does; throws where the real decode fails.
 * @param {string} text
 * @param {string} kind the folder name (ingresses, configmaps, ...)
 */
export function decodeResource(text, kind) {
  const doc = YAML.parseDocument(text, { schema: 'failsafe', uniqueKeys: false });
  const error = doc.errors[0];
  if (error) throw error;
  const obj = toJson(doc.contents, doc);
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('not a YAML mapping');
  for (const field of ['name', 'namespace', 'resourceVersion']) {
    const v = obj.metadata?.[field];
    if (v !== undefined && v !== null && typeof v !== 'string') throw new Error(`json: cannot unmarshal ${typeof v} into Go struct field ObjectMeta.metadata.${field} of type string`);
  }
  requireStringMap(obj, ['metadata', 'labels']);
  requireStringMap(obj, ['metadata', 'annotations']);
  if (kind === 'configmaps') requireStringMap(obj, ['data']);
  return obj;
}
