import { RE2JS } from 're2js';
import { describe, expect, test } from 'vitest';
import { globMatches, legacyGlobs, normalizeModelList, parseModelList, patternMatch, validateModelPatterns } from '../../src/core/model-patterns.js';

// Exact names are exact, `*` is the only wildcard, every other character is literal.
const table: [string, { kind: 'exact' | 'prefix' | 'regex'; value: string }][] = [
  ['gpt-4', { kind: 'exact', value: 'gpt-4' }],
  ['qwen-*', { kind: 'prefix', value: 'qwen-' }],
  ['qwen*', { kind: 'prefix', value: 'qwen' }],
  ['*', { kind: 'regex', value: '.*' }],
  ['**', { kind: 'regex', value: '.*' }],
  ['c++', { kind: 'exact', value: 'c++' }],
  ['c++*', { kind: 'prefix', value: 'c++' }],
  ['*-instruct', { kind: 'regex', value: '.*-instruct' }],
  ['llama3.2*:7b', { kind: 'regex', value: 'llama3\\.2.*:7b' }],
  ['a(b)|c?*', { kind: 'prefix', value: 'a(b)|c?' }],
  ['[x]*{y}^$', { kind: 'regex', value: '\\[x\\].*\\{y\\}\\^\\$' }],
];

describe('model patterns', () => {
  test.each(table)('%j', (input, match) => {
    const [pattern] = parseModelList(input);
    expect(patternMatch(pattern!)).toEqual(match);
    // Every regex we write compiles with RE2 (the gateway's engine).
    if (match.kind === 'regex') expect(() => RE2JS.compile(match.value)).not.toThrow();
  });

  test('a regex glob matches what the glob means under RE2 full match, and nothing else', () => {
    const cases: [string, string, boolean][] = [
      ['llama3.2*:7b', 'llama3.2-q4:7b', true],
      ['llama3.2*:7b', 'llama3x2-q4:7b', false], // `.` is literal
      ['*-instruct', 'llama-3-instruct', true],
      ['*-instruct', 'llama-3-instruct-v2', false],
      ['[x]*{y}^$', '[x]abc{y}^$', true],
    ];
    for (const [glob, model, expected] of cases) {
      const [pattern] = parseModelList(glob);
      const match = patternMatch(pattern!);
      expect(RE2JS.compile(match.value).matches(model), `${glob} ~ ${model}`).toBe(expected);
      expect(globMatches(pattern!, model), `${glob} glob ${model}`).toBe(expected);
    }
  });

  test('one exact name matches only itself (upstream made it a prefix)', () => {
    const [pattern] = parseModelList('gpt-4o');
    expect(globMatches(pattern!, 'gpt-4o')).toBe(true);
    expect(globMatches(pattern!, 'gpt-4o-mini')).toBe(false);
  });

  test.each([
    ['', 'is empty'],
    [',,', 'is empty'],
    [' , ', 'is empty'],
    ['gpt-4o,,o3-*', 'empty item'],
    ['gpt 4o', 'white space'],
    ['gpt-4o,o3 mini', 'white space'],
    ['gpt\u00014o', 'control character'],
  ])('%j is refused', (input, message) => {
    expect(validateModelPatterns(input)).toContain(message);
  });

  test('lists are stored trimmed, stars collapsed, duplicates dropped', () => {
    expect(validateModelPatterns(' claude-3-5-sonnet-* , claude-opus-4-20250514 ')).toBeUndefined();
    expect(normalizeModelList(' claude-3-5-sonnet-** , claude-opus-4-20250514 ,claude-opus-4-20250514')).toBe('claude-3-5-sonnet-*,claude-opus-4-20250514');
  });

  test("a previous version's match reads back as the list it was written from", () => {
    expect(legacyGlobs({ kind: 'prefix', value: 'qwen-' })).toBe('qwen-*');
    expect(legacyGlobs({ kind: 'regex', value: 'gpt-.*|o1-.*' })).toBe('gpt-*,o1-*');
    expect(legacyGlobs({ kind: 'regex', value: '.*' })).toBe('*');
  });
});
