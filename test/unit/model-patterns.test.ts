import { describe, expect, test } from 'vitest';
import { headerMatch, modelMatches, modelPredicates } from '../../src/core/model-patterns.js';

// The contract's table (section 2, "Model patterns").
const table: [string, { kind: 'prefix' | 'regex'; value: string }, string[]][] = [
  ['', { kind: 'regex', value: '.*' }, ['']],
  ['qwen-*', { kind: 'prefix', value: 'qwen-' }, ['qwen-']],
  ['qwen*', { kind: 'regex', value: 'qwen.*' }, ['qwen']],
  ['*', { kind: 'regex', value: '.*' }, ['']],
  ['gpt-4', { kind: 'prefix', value: 'gpt-4' }, ['gpt-4']],
  ['gpt-4-turbo,gpt-4o', { kind: 'regex', value: 'gpt-4-turbo|gpt-4o' }, ['gpt-4-turbo', 'gpt-4o']],
  ['gpt-*,o1-*,o3-*', { kind: 'regex', value: 'gpt-.*|o1-.*|o3-.*' }, ['gpt-', 'o1-', 'o3-']],
  [' claude-3-5-sonnet-* , claude-opus-4-20250514 ', { kind: 'regex', value: 'claude-3-5-sonnet-.*|claude-opus-4-20250514' }, ['claude-3-5-sonnet-', 'claude-opus-4-20250514']],
];

describe('model patterns', () => {
  test.each(table)('%j', (input, match, predicates) => {
    expect(headerMatch(input)).toEqual(match);
    expect(modelPredicates(headerMatch(input)).map((p) => p.matchValue)).toEqual(predicates);
  });

  test('a single exact name is a prefix match, as upstream does it', () => {
    expect(modelMatches(headerMatch('gpt-4'), 'gpt-4o')).toBe(true);
    expect(modelMatches(headerMatch('gpt-4-turbo,gpt-4o'), 'gpt-4o-mini')).toBe(false);
    expect(modelMatches(headerMatch('qwen*'), 'qwen-max')).toBe(true);
  });
});
