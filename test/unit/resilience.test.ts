import { describe, expect, test } from 'vitest';
import { mapModel } from '../../src/core/model-resolve.js';
import { modelMappingFor, parseModelMap, statusPatterns, statusText } from '../../src/core/resilience.js';

describe('resilience settings (ai-proxy provider.go, util/string.go)', () => {
  test('status lists become anchored regexes and read back as written', () => {
    expect(statusPatterns('429, 5*,50x', '--x')).toEqual(['^429$', '^5.*$', '^50\\d$']);
    expect(statusText(['^429$', '^5.*$', '^50\\d$'])).toBe('429,5*,50x');
    expect(() => statusPatterns('600', '--x')).toThrow('is not a status');
  });

  test('a regex with {m,n} keeps its comma; the map merges with the <id>/ entry', () => {
    const user = parseModelMap('~^a{1,2}-(.*)$=b-${1},gpt-4=gpt-4o');
    expect(user).toEqual({ '~^a{1,2}-(.*)$': 'b-${1}', 'gpt-4': 'gpt-4o' });
    expect(modelMappingFor(['kimi', 'moonshot'], user)).toEqual({ ...user, '~^(?:kimi|moonshot)/(.*)$': '$1' });
    expect(() => modelMappingFor(['kimi', 'moonshot'], { 'moon*': 'x' })).toThrow('moonshot/');
  });

  test("the resolver expands ${1} as Go's ReplaceAllString does", () => {
    expect(mapModel({ '~^small-(.*)$': 'qwen-${1}' }, 'small-7b')).toBe('qwen-7b');
    expect(mapModel({ '~^small-(.*)$': 'qwen-$1' }, 'small-7b')).toBe('qwen-7b');
  });
});
