/**
 * `--<provider>-models`: a comma-separated list of exact model names and `*` globs. `*` is the only wildcard;
 * every other character means itself (upstream wrote the list into a regex unescaped, so `.` matched anything
 * and `c++` did not compile, and one exact name became a prefix match).
 */

/** An Ingress header match (`higress.io/<kind>-match-header-<name>`, pkg/ingress/kube/annotations/match.go:141-192). */
export interface HeaderMatch {
  kind: 'exact' | 'prefix' | 'regex';
  value: string;
}

export interface ModelPattern {
  /** As written (stars collapsed). */
  text: string;
  /** `exact`: no star; `any`: only stars; `glob`: anything else. */
  kind: 'exact' | 'glob' | 'any';
}

/** Why the list cannot be used, or undefined when it is fine. */
export function validateModelPatterns(list: string): string | undefined {
  const items = list.split(',').map((item) => item.trim());
  if (items.every((item) => item === '')) return 'is empty: a provider needs at least one model name or glob';
  for (const item of items) {
    if (item === '') return `"${list}" has an empty item between commas`;
    if (/\s/.test(item)) return `"${item}" contains white space (model names have none)`;
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(item)) return `"${item}" contains a control character`;
  }
  return undefined;
}

/** The list as stored: items trimmed, runs of `*` collapsed, duplicates dropped. Assumes a valid list. */
export function normalizeModelList(list: string): string {
  return [...new Set(list.split(',').map((item) => item.trim().replace(/\*+/g, '*')).filter(Boolean))].join(',');
}

export function parseModelList(list: string): ModelPattern[] {
  return normalizeModelList(list)
    .split(',')
    .filter(Boolean)
    .map((text) => ({ text, kind: !text.includes('*') ? 'exact' : text === '*' ? 'any' : 'glob' }));
}

/** RE2 (and JavaScript) escape: a backslash before every punctuation character RE2 treats specially. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/**
 * The header match for one pattern: exact names as `exact`, `x*` as `prefix`, other globs as an escaped
 * regex. Envoy matches a header regex against the whole value (safe_regex is a full match).
 */
export function patternMatch(pattern: ModelPattern): HeaderMatch {
  if (pattern.kind === 'exact') return { kind: 'exact', value: pattern.text };
  if (pattern.kind === 'any') return { kind: 'regex', value: '.*' };
  const parts = pattern.text.split('*');
  if (parts.length === 2 && parts[1] === '') return { kind: 'prefix', value: parts[0]! };
  return { kind: 'regex', value: parts.map(escapeRegex).join('.*') };
}

/** Literal characters of a glob: the longer, the more specific (routes are ordered by it). */
export const literalLength = (pattern: ModelPattern): number => pattern.text.replaceAll('*', '').length;

/** Does a model name match one of our own patterns? (No regex engine needed: only `*` is special.) */
export function globMatches(pattern: ModelPattern, model: string): boolean {
  if (pattern.kind === 'exact') return model === pattern.text;
  const parts = pattern.text.split('*');
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!model.startsWith(first) || model.length < first.length + last.length || !model.endsWith(last)) return false;
  let at = first.length;
  const end = model.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = model.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** The user-facing list for a previous version's header match (one prefix or a `|` regex of `.*` globs). */
export function legacyGlobs(match: HeaderMatch): string {
  if (match.kind !== 'regex') return match.kind === 'prefix' && match.value.endsWith('-') ? `${match.value}*` : match.value;
  return match.value.split('|').map((v) => v.replaceAll('.*', '*')).join(',');
}
