// The wizard's provider search: names, aliases, model families and key flags all find a provider.
import { describe, expect, it } from 'vitest';
import { PROVIDERS, providerById } from '../../../src/core/catalog.js';
import { providerSearchRank } from '../../../src/wizard/flow.js';

const found = (term: string) =>
  PROVIDERS.filter((p) => providerSearchRank(p, term) < 3)
    .sort((a, b) => providerSearchRank(a, term) - providerSearchRank(b, term))
    .map((p) => p.id);

describe('provider search in the wizard', () => {
  it('an alias is an exact hit: kimi finds Moonshot, qwen finds Aliyun, together finds Together AI', () => {
    expect(providerSearchRank(providerById('moonshot'), 'kimi')).toBe(0);
    expect(found('qwen')[0]).toBe('aliyun');
    expect(found('together')[0]).toBe('togetherai');
  });
  it('a model family finds its provider: glm → Zhipu AI, ernie → Baidu, gpt → OpenAI and Azure', () => {
    expect(found('glm')).toEqual(['zhipuai']);
    expect(found('ernie')).toEqual(['baidu']);
    expect(found('gpt')).toEqual(expect.arrayContaining(['openai', 'azure']));
  });
  it('the Claude Code key is found by "code"', () => {
    expect(found('code')).toContain('claude');
  });
  it('names rank before families; an unknown term finds nothing; a catch-all "*" matches no term', () => {
    expect(providerSearchRank(providerById('deepseek'), 'deeps')).toBe(1);
    expect(found('no-such-provider-xyz')).toEqual([]);
    expect(providerSearchRank(providerById('groq'), 'x')).toBe(3);
  });
});
