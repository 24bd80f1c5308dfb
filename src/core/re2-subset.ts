/**
 * Whole-value tests of RE2 patterns (Envoy's safe_regex on the model header) without RE2JS where JavaScript's
 * engine means the same: loading RE2JS costs a command about 10 ms, and its matcher runs cold at several µs a
 * test (checking 1000 routing rules took 15 ms). Our routes' patterns (`(?:qwen|dashscope)/.*`, `gpt-4o|o1-.*`)
 * use only literals, `.`, groups, `|` and a quantifier on a single character; for those the two engines match
 * the same values when JavaScript runs with the u flag (code points, as RE2) and `.` is written `[^\n]` (RE2's
 * dot; JavaScript's also refuses \r, U+2028 and U+2029). Anything else (classes, counted repetition, anchors,
 * flags, `\d`, a quantified group) is left to RE2JS: undefined.
 */
const SYNTAX = new Set('^$\\.*+?()[]{}|/');
const UNSUPPORTED = new Set('[]{}^$');

export function subsetRegExp(pattern: string): RegExp | undefined {
  let source = '';
  let depth = 0;
  // Whether the previous token is a single character a quantifier may follow.
  let quantifiable = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined || !SYNTAX.has(next)) return undefined;
      source += `\\${next}`;
      i++;
      quantifiable = true;
    } else if (c === '(') {
      if (pattern[i + 1] === '?') {
        if (pattern[i + 2] !== ':') return undefined;
        i += 2;
      }
      source += '(?:';
      depth++;
      quantifiable = false;
    } else if (c === ')') {
      if (--depth < 0) return undefined;
      source += ')';
      // A quantified group can backtrack exponentially in JavaScript (RE2 never does): left to RE2JS.
      quantifiable = false;
    } else if (c === '*' || c === '+' || c === '?') {
      if (!quantifiable) return undefined;
      source += c;
      quantifiable = false;
    } else if (c === '|') {
      source += '|';
      quantifiable = false;
    } else if (c === '.') {
      source += '[^\\n]';
      quantifiable = true;
    } else if (UNSUPPORTED.has(c)) {
      return undefined;
    } else {
      // A literal; in a pattern, `/` and `-` are plain characters for both engines.
      source += c === '/' ? '\\/' : c;
      quantifiable = true;
    }
  }
  if (depth !== 0) return undefined;
  try {
    return new RegExp(`^(?:${source})$`, 'u');
  } catch {
    return undefined;
  }
}
