/** Upstream's normalisation of `--<provider>-models` into the Ingress header match and console predicates. */

export interface HeaderMatch {
  kind: 'prefix' | 'regex';
  value: string;
}

export interface ModelPredicate {
  matchType: 'PRE';
  matchValue: string;
}

export function splitModelPatterns(patterns: string): string[] {
  return patterns
    .replace(/\s+/g, '')
    .split(',')
    .filter((item) => item.length > 0);
}

export function headerMatch(patterns: string): HeaderMatch {
  const items = splitModelPatterns(patterns);
  if (items.length === 0) return { kind: 'regex', value: '.*' };
  if (items.length === 1) {
    const [item] = items as [string];
    if (item.endsWith('-*') && !item.endsWith('.*') && !item.slice(0, -1).includes('*')) {
      return { kind: 'prefix', value: item.slice(0, -1) };
    }
    if (!item.includes('*')) return { kind: 'prefix', value: item };
  }
  return { kind: 'regex', value: items.map((item) => item.replaceAll('*', '.*')).join('|') };
}

export function modelPredicates(match: HeaderMatch): ModelPredicate[] {
  const values = match.kind === 'prefix' ? [match.value] : match.value.split('|').map((v) => v.replace(/\.\*$/, ''));
  return values.map((matchValue) => ({ matchType: 'PRE', matchValue }));
}

/** Does a model name match the provider's header match (as the gateway would)? */
export function modelMatches(match: HeaderMatch, model: string): boolean {
  return match.kind === 'prefix' ? model.startsWith(match.value) : new RegExp(`^(?:${match.value})$`).test(model);
}

/** Invalid characters make a pattern that neither upstream nor the gateway can use. */
export function validateModelPatterns(patterns: string): string | undefined {
  for (const item of splitModelPatterns(patterns)) {
    if (!/^[A-Za-z0-9._:/*@+-]+$/.test(item)) return `"${item}" is not a model name or glob (letters, digits, . _ : / @ + - and *)`;
  }
  return undefined;
}
