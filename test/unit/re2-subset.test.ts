// subsetRegExp stands in for RE2JS on the patterns our routes use: wherever it takes a pattern, it must match
// exactly the values RE2 (full match) matches; everything else it must leave to RE2JS.
import { RE2JS } from 're2js';
import { describe, expect, test } from 'vitest';
import { subsetRegExp } from '../../src/core/re2-subset.js';

const re2 = (pattern: string) => {
  try {
    return RE2JS.compile(pattern);
  } catch {
    return null;
  }
};

const VALUES = [
  '', 'a', 'gpt-4o', 'gpt-4o-mini', 'qwen/qwen-max', 'dashscope/x', 'qwen-', 'o1-preview', 'GPT-4O', 'a.b', 'axb',
  'a\nb', 'a\rb', 'a\u2028b', 'a\u{1F600}b', '\u{1F600}', 'модель-1', 'deepseek/', 'x/y/z', 'a/b', 'aab', 'ab', 'b',
];

describe('subsetRegExp', () => {
  test.each([
    '(?:aliyun|dashscope|qwen)/.*',
    '(?:deepseek)/.*',
    'gpt-4o|o1-.*',
    'qwen-.*|qwq-32b|qwen2\\.5-.*',
    'a.b',
    'a?b+',
    '(a|b)c*',
    'gpt-4o',
    '',
    'a|',
    'x/.+/z',
    '.',
    '..',
    'модель-.*',
    '\\(x\\)|\\$',
  ])('takes %j and matches what RE2 matches', (pattern) => {
    const subset = subsetRegExp(pattern);
    expect(subset).toBeDefined();
    const real = re2(pattern)!;
    for (const value of [...VALUES, '(x)', '$']) expect([value, subset!.test(value)]).toEqual([value, real.matches(value)]);
  });

  test('agrees with RE2 on many generated patterns of the subset', () => {
    // A fixed sequence (no Math.random): the same patterns on every run.
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const pieces = ['a', 'b', '-', '/', '.', '\\.', 'x', '(?:', '(', ')', '|', '*', '+', '?'];
    let taken = 0;
    for (let k = 0; k < 3000; k++) {
      const pattern = Array.from({ length: 1 + next(8) }, () => pieces[next(pieces.length)]).join('');
      const subset = subsetRegExp(pattern);
      const real = re2(pattern);
      if (!subset) continue;
      taken++;
      expect(real, pattern).not.toBeNull();
      for (const value of ['', 'a', 'b', 'ab', 'ba', 'a-b', 'a/b', 'a.b', 'axb', 'aab', 'x', '-', '/', '.', 'a\nb']) {
        expect([pattern, value, subset.test(value)]).toEqual([pattern, value, real!.matches(value)]);
      }
    }
    expect(taken).toBeGreaterThan(300);
  });

  test.each(['[a-z]+', 'a{2}', '^a', 'a$', '(?i)gpt', '\\d+', 'a\\-b', '(ab)*', '(?:a|b)+', 'a**', '(a', 'a)', '(?P<n>a)', '\\w', 'a*?'])(
    'leaves %j to RE2JS',
    (pattern) => {
      expect(subsetRegExp(pattern)).toBeUndefined();
    },
  );
});
