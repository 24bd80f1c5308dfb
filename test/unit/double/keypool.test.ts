// The double's key pool follows ai-proxy's failover.go / retry.go / provider.go (test/double/keypool.mjs).
import { describe, expect, test } from 'vitest';
import { createKeyPool } from '../../double/keypool.mjs';

const seq = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('double key pool (ai-proxy failover.go, retry.go)', () => {
  test('without failover a token is drawn at random from apiTokens each request (provider.go:804-815)', () => {
    const pool = createKeyPool({ apiTokens: ['a', 'b', 'c'] }, seq(0, 0.4, 0.9));
    expect([pool.choose(), pool.choose(), pool.choose()]).toEqual(['a', 'b', 'c']);
    pool.record('a', 401);
    expect(pool.available()).toEqual(['a', 'b', 'c']);
  });

  test('a token failing failureThreshold times with a listed status is taken out and no longer chosen', () => {
    const pool = createKeyPool({ apiTokens: ['a', 'b', 'c'], failover: { enabled: true, healthCheckModel: 'm', failureThreshold: 2, failoverOnStatus: ['^401$'] } }, seq(0, 0.5, 0.99));
    pool.record('b', 400); // not listed
    pool.record('b', 401);
    expect(pool.available()).toEqual(['a', 'b', 'c']);
    pool.record('b', 401);
    expect(pool.available()).toEqual(['a', 'c']);
    expect(pool.unavailable()).toEqual(['b']);
    for (let i = 0; i < 20; i++) expect(pool.choose()).not.toBe('b');
  });

  test('a 200 resets the failure count (main.go:354)', () => {
    const pool = createKeyPool({ apiTokens: ['a', 'b'], failover: { enabled: true, healthCheckModel: 'm', failureThreshold: 2 } });
    pool.record('a', 503);
    pool.record('a', 200);
    pool.record('a', 503);
    expect(pool.available()).toEqual(['a', 'b']);
  });

  test('defaults: threshold 3, statuses 4.* and 5.* matched unanchored (failover.go:80-107)', () => {
    const pool = createKeyPool({ apiTokens: ['a', 'b'], failover: { enabled: true, healthCheckModel: 'm' } });
    expect(pool.failover).toMatchObject({ failureThreshold: 3, successThreshold: 1, healthCheckInterval: 5000, failoverOnStatus: ['4.*', '5.*'] });
    pool.record('a', 404);
    pool.record('a', 429);
    expect(pool.available()).toContain('a');
    pool.record('a', 500);
    expect(pool.available()).toEqual(['b']);
  });

  test('a health check 200 brings a token back after successThreshold successes', () => {
    const pool = createKeyPool({ apiTokens: ['a', 'b'], failover: { enabled: true, healthCheckModel: 'm', failureThreshold: 1, successThreshold: 2 } });
    pool.record('a', 401);
    expect(pool.unavailable()).toEqual(['a']);
    pool.recordHealthCheck('a', 401);
    pool.recordHealthCheck('a', 200);
    expect(pool.unavailable()).toEqual(['a']);
    pool.recordHealthCheck('a', 200);
    expect(pool.available()).toEqual(['b', 'a']);
  });

  test('all tokens out: a random unavailable one is used (failover.go:543-545)', () => {
    const pool = createKeyPool({ apiTokens: ['a'], failover: { enabled: true, healthCheckModel: 'm', failureThreshold: 1 } });
    pool.record('a', 500);
    expect(pool.available()).toEqual([]);
    expect(pool.choose()).toBe('a');
  });

  test('retry: listed status, non-streaming, another token, up to maxRetries (retry.go:80-160)', () => {
    const pool = createKeyPool({ apiTokens: ['a', 'b', 'c'], retryOnFailure: { enabled: true, maxRetries: 2, retryOnStatus: ['^503$'] } }, seq(0));
    expect(pool.retryToken(400, false, ['a'])).toBeUndefined();
    expect(pool.retryToken(503, true, ['a'])).toBeUndefined();
    expect(pool.retryToken(503, false, ['a'])).toBe('b');
    expect(pool.retryToken(500, false, ['a', 'b'])).toBe('c'); // a failed retry is retried on any non-200
    expect(pool.retryToken(503, false, ['a', 'b', 'c'])).toBeUndefined(); // maxRetries reached
    const single = createKeyPool({ apiTokens: ['a'], retryOnFailure: { enabled: true } });
    expect(single.retryToken(503, false, ['a'])).toBeUndefined(); // no other token (retry.go:120-123)
  });
});

describe("double modelMapping replacement is Go's ReplaceAllString (regexp.go Expand)", async () => {
  const { goReplaceAll, mapModel, re2 } = await import('../../double/routing.mjs');
  test.each([
    ['^small-(.*)$', 'small-7b', 'qwen-${1}', 'qwen-7b'],
    ['^small-(.*)$', 'small-7b', 'qwen-$1', 'qwen-7b'],
    ['^small-(.*)$', 'small-7b', 'q$1x', 'q'], // $1x is the group "1x": empty
    ['^small-(.*)$', 'small-7b', 'cost $$1', 'cost $1'],
    ['x*', 'abc', '-', '-a-b-c-'],
  ])('%s on %s with %s', (pattern, text, template, expected) => {
    expect(goReplaceAll(re2(pattern), text, template)).toBe(expected);
  });
  test('a ~regex key maps with ${1}', () => {
    expect(mapModel({ '~^small-(.*)$': 'qwen-${1}' }, 'small-7b')).toBe('qwen-7b');
  });
});
