// The gateway double's key-auth (test/double/keyauth.mjs) against the rules of the real plugin
// (alibaba/higress plugins/wasm-go/extensions/key-auth/main.go and its main_test.go cases).
import { describe, expect, test } from 'vitest';
// @ts-expect-error plain JavaScript module of the double
import { applyKeyAuth, parseKeyAuthConfig } from '../../double/keyauth.mjs';
// @ts-expect-error plain JavaScript module of the double
import { headerAttributes } from '../../double/dataplane.mjs';

const plugin = (spec: Record<string, unknown>, labels = { 'higress.io/wasm-plugin-name': 'key-auth' }) => ({
  name: 'key-auth.internal',
  obj: { metadata: { name: 'key-auth.internal', labels }, spec },
});
const storeWith = (...plugins: object[]) => ({ list: (kind: string) => (kind === 'wasmplugins' ? plugins : []) });
const config = (extra: Record<string, unknown> = {}) => ({
  global_auth: true,
  in_header: true,
  keys: ['authorization', 'x-api-key'],
  consumers: [
    { name: 'alice', credential: 'Bearer key-alice-0123456789' },
    { name: 'alice', credential: 'key-alice-0123456789' },
    { name: 'bob', credential: 'key-bob-0123456789' },
  ],
  ...extra,
});
const on = (extra: Record<string, unknown> = {}) => storeWith(plugin({ defaultConfig: config(extra), defaultConfigDisable: false, failStrategy: 'FAIL_CLOSE' }));

describe('double key-auth: requests (main.go:259-302)', () => {
  test('no key → 401 no_key with the realm header', () => {
    const denied = applyKeyAuth(on(), {}, '/v1/chat/completions');
    expect(denied).toMatchObject({ status: 401, detail: 'key-auth.no_key', headers: { 'www-authenticate': 'Key realm=MSE Gateway' } });
  });

  test('an unknown key → 403 unauthorized (main.go:288-292, :341-342; main_test.go:425-442)', () => {
    expect(applyKeyAuth(on(), { 'x-api-key': 'nope' }, '/')).toMatchObject({ status: 403, detail: 'key-auth.unauthorized' });
  });

  test('the value is compared as is: Bearer is not stripped', () => {
    expect(applyKeyAuth(on(), { authorization: 'key-bob-0123456789' }, '/')).toBeUndefined(); // bob's bare key in Authorization matches as is
    expect(applyKeyAuth(on(), { authorization: 'Bearer key-bob-0123456789' }, '/')).toMatchObject({ status: 403 });
    expect(applyKeyAuth(on(), { 'x-api-key': 'Bearer key-alice-0123456789' }, '/')).toBeUndefined();
  });

  test('two key headers in one request → 401 multi_key, even when both are right', () => {
    const headers = { authorization: 'Bearer key-alice-0123456789', 'x-api-key': 'key-alice-0123456789' };
    expect(applyKeyAuth(on(), headers, '/')).toMatchObject({ status: 401, detail: 'key-auth.multi_key' });
  });

  test('success adds X-Mse-Consumer, appended to one the client sent (AddHttpRequestHeader, main.go:294)', () => {
    const headers: Record<string, unknown> = { authorization: 'Bearer key-alice-0123456789' };
    expect(applyKeyAuth(on(), headers, '/')).toBeUndefined();
    expect(headers['x-mse-consumer']).toBe('alice');
    const spoofed: Record<string, unknown> = { 'x-api-key': 'key-bob-0123456789', 'x-mse-consumer': 'alice' };
    expect(applyKeyAuth(on(), spoofed, '/')).toBeUndefined();
    expect(spoofed['x-mse-consumer']).toEqual(['alice', 'bob']);
  });

  test('an empty header value counts as absent', () => {
    expect(applyKeyAuth(on(), { authorization: '', 'x-api-key': 'key-bob-0123456789' }, '/')).toBeUndefined();
  });

  test('in_query reads the query parameters when in_header is off', () => {
    const store = on({ in_header: false, in_query: true, keys: ['apikey'] });
    expect(applyKeyAuth(store, {}, '/v1/models?apikey=key-bob-0123456789')).toBeUndefined();
    expect(applyKeyAuth(store, { 'x-api-key': 'key-bob-0123456789' }, '/v1/models')).toMatchObject({ status: 401 });
  });

  test('global_auth false without rules checks nothing; unset without rules is global', () => {
    expect(applyKeyAuth(on({ global_auth: false }), {}, '/')).toBeUndefined();
    const { global_auth: _omit, ...unset } = config();
    expect(applyKeyAuth(storeWith(plugin({ defaultConfig: unset })), {}, '/')).toMatchObject({ status: 401 });
  });
});

describe('double key-auth: configuration (main.go:133-204, ingress_config.go:1141-1143)', () => {
  test('defaultConfigDisable true without match rules: the plugin is gone', () => {
    expect(applyKeyAuth(storeWith(plugin({ defaultConfig: config(), defaultConfigDisable: true })), {}, '/')).toBeUndefined();
  });

  test('found by the url too, without the label', () => {
    const store = storeWith(plugin({ defaultConfig: config(), url: 'http://localhost:8002/plugins/key-auth/1.0.0/plugin.wasm' }, {} as any));
    expect(applyKeyAuth(store, {}, '/')).toMatchObject({ status: 401 });
  });

  test.each([
    [{ keys: undefined }, 'keys is required'],
    [{ keys: [] }, 'keys cannot be empty'],
    [{ in_header: undefined }, 'must one of in_query/in_header required'],
    [{ consumers: undefined }, 'consumers is required'],
    [{ consumers: [] }, 'consumers cannot be empty'],
    [{ consumers: [{ credential: 'x' }] }, 'consumer name is required'],
    [{ consumers: [{ name: 'a' }] }, 'consumer credential is required'],
    [{ consumers: [{ name: 'a', credential: 'x' }, { name: 'b', credential: 'x' }] }, 'duplicate consumer credential: x'],
  ])('rejects %j', (extra, error) => {
    const cfg = { ...config(), ...extra } as Record<string, unknown>;
    for (const [k, v] of Object.entries(extra)) if (v === undefined) delete cfg[k];
    expect(parseKeyAuthConfig(cfg).error).toBe(error);
  });

  test('a config the plugin rejects fails closed (5xx) with FAIL_CLOSE and is skipped with FAIL_OPEN', () => {
    const bad = { ...config(), consumers: [] };
    expect(applyKeyAuth(storeWith(plugin({ defaultConfig: bad, failStrategy: 'FAIL_CLOSE' })), {}, '/')?.status).toBeGreaterThanOrEqual(500);
    expect(applyKeyAuth(storeWith(plugin({ defaultConfig: bad })), {}, '/')?.status).toBeGreaterThanOrEqual(500); // FAIL_CLOSE is 0, the default
    expect(applyKeyAuth(storeWith(plugin({ defaultConfig: bad, failStrategy: 'FAIL_OPEN' })), {}, '/')).toBeUndefined();
  });

  test('per-route allow lists are not implemented: the double refuses instead of guessing', () => {
    const store = storeWith(plugin({ defaultConfig: config(), matchRules: [{ ingress: ['r'], config: { allow: ['alice'] } }] }));
    expect(applyKeyAuth(store, { 'x-api-key': 'key-alice-0123456789' }, '/')).toMatchObject({ status: 500, detail: 'double' });
  });
});

describe('double ai-statistics: request_header attributes in ai_log (ai-statistics/main.go:546-577, :939-1015)', () => {
  const stats = (defaultConfig: Record<string, unknown>) => ({ obj: { spec: { defaultConfig } } });
  const attribute = { key: 'consumer', value_source: 'request_header', value: 'x-mse-consumer', apply_to_log: true };

  test('logs the header value, "" when absent, the first of several', () => {
    expect(headerAttributes(stats({ attributes: [attribute] }), { 'x-mse-consumer': 'alice' })).toEqual({ consumer: 'alice' });
    expect(headerAttributes(stats({ attributes: [attribute] }), {})).toEqual({ consumer: '' });
    expect(headerAttributes(stats({ attributes: [attribute] }), { 'x-mse-consumer': ['alice', 'bob'] })).toEqual({ consumer: 'alice' });
  });

  test('ignored while use_default_attributes is on, and without apply_to_log', () => {
    expect(headerAttributes(stats({ use_default_attributes: true, attributes: [attribute] }), { 'x-mse-consumer': 'a' })).toEqual({});
    expect(headerAttributes(stats({ attributes: [{ ...attribute, apply_to_log: false }] }), { 'x-mse-consumer': 'a' })).toEqual({});
  });
});
