// `--trigger` patterns are built without RE2JS (routing.ts): they must be exactly what RE2JS.quote would build,
// and always compile and match their words as RE2 does.
import { RE2JS } from 're2js';
import { describe, expect, test } from 'vitest';
import { quoteMeta, triggerToPattern } from '../../src/core/routing.js';

const TRICKY = ['c++', 'why?', 'a.b', '(x)', '[y]', '{2}', '^start', 'end$', 'back\\slash', 'pipe|less', 'star*', 'plus+', '深入思考', 'emoji \u{1F600}', 'tab\there', '-dash-', '#hash', ''];

describe('route triggers', () => {
  test.each(TRICKY)('quoteMeta(%j) is RE2JS.quote', (text) => {
    expect(quoteMeta(text)).toBe(RE2JS.quote(text));
  });

  test('a trigger pattern compiles in RE2 and matches its words, case-insensitively, at the start of the message', () => {
    for (const word of TRICKY.filter((w) => w && !w.includes('|'))) {
      const pattern = triggerToPattern(`${word}|other`);
      expect(pattern).toBe(`(?i)^(${RE2JS.quote(word)}|other)`);
      const re = RE2JS.compile(pattern);
      expect([word, re.matcher(`${word.toUpperCase()} and more`).find()]).toEqual([word, true]);
      expect([word, re.matcher(`not ${word}`).find()]).toEqual([word, false]);
    }
  });
});
