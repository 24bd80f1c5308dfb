// The access-key core: reading the key-auth resource, writing it, the start-beyond-loopback rule, doctor's finding.
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { accessControlState, accessForExposure, accessStateOf, checkKeyValue, generateKey, isLoopback, writeAccess } from '../../src/core/access.js';
import { UsageError } from '../../src/core/errors.js';
import { FILES, GatewayFiles } from '../../src/core/gateway-files.js';
import { exposureFinding } from '../../src/core/ops/data-health.js';

const written = (files: GatewayFiles, path: string) => parse(files.changes().find((c) => c.path === path)!.content!);

describe('reading key-auth', () => {
  test('no file: off, no keys; consumers grouped by name with the bare key', () => {
    expect(accessStateOf(undefined)).toEqual({ present: false, enabled: false, keys: [] });
    const state = accessStateOf({
      spec: {
        defaultConfig: { global_auth: true, consumers: [{ name: 'a', credential: 'Bearer k1', created: '2026-01-01T00:00:00Z' }, { name: 'a', credential: 'k1' }, { name: 'b', credential: 'k2' }, { name: '', credential: 'x' }] },
      },
    });
    expect(state).toEqual({ present: true, enabled: true, keys: [{ name: 'a', key: 'k1', created: '2026-01-01T00:00:00Z' }, { name: 'b', key: 'k2', created: undefined }] });
  });

  test('off when disabled, when global_auth is false, or with no consumers; global when unset and no rules (main.go:249-302)', () => {
    const consumers = [{ name: 'a', credential: 'k' }];
    expect(accessStateOf({ spec: { defaultConfigDisable: true, defaultConfig: { global_auth: true, consumers } } }).enabled).toBe(false);
    expect(accessStateOf({ spec: { defaultConfig: { global_auth: false, consumers } } }).enabled).toBe(false);
    expect(accessStateOf({ spec: { defaultConfig: { global_auth: true, consumers: [] } } }).enabled).toBe(false);
    expect(accessStateOf({ spec: { defaultConfig: { consumers } } }).enabled).toBe(true);
    expect(accessStateOf({ spec: { defaultConfig: { consumers }, matchRules: [{ ingress: ['r'], config: { allow: ['a'] } }] } }).enabled).toBe(false);
  });
});

describe('writing key-auth', () => {
  test('refuses what the plugin rejects: a repeated key, access on with no key', async () => {
    const files = await GatewayFiles.empty();
    await expect(writeAccess(files, { enabled: false, keys: [{ name: 'a', key: 'same-key-0123456789' }, { name: 'b', key: 'same-key-0123456789' }] })).rejects.toThrow(UsageError);
    await expect(writeAccess(files, { enabled: true, keys: [] })).rejects.toThrow('at least one key');
  });

  test('turning access on makes ai-statistics log the consumer once, keeping its other settings', async () => {
    const files = await GatewayFiles.empty();
    await writeAccess(files, { enabled: true, keys: [{ name: 'a', key: 'key-a-0123456789' }] });
    await writeAccess(files, { enabled: true, keys: [{ name: 'a', key: 'key-a-0123456789' }, { name: 'b', key: 'key-b-0123456789' }] });
    const stats = written(files, FILES.aiStatistics).spec;
    expect(stats.defaultConfig.attributes.filter((a: { key: string }) => a.key === 'consumer')).toHaveLength(1);
    expect(stats.failStrategy).toBe('FAIL_OPEN');
    expect(written(files, FILES.keyAuth).spec.defaultConfig.consumers).toHaveLength(4);
  });
});

describe('start beyond loopback', () => {
  test('loopback and --allow-open change nothing; 0.0.0.0 turns access on with a first key; already on keeps the keys', async () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopback(address), address).toBe(true);
    for (const address of ['0.0.0.0', '::', '192.168.1.5', '10.0.0.1', '::ffff:10.0.0.1']) expect(isLoopback(address), address).toBe(false);
    const loop = await GatewayFiles.empty();
    const loopback = await accessForExposure(loop, '127.0.0.1', false);
    expect(loopback.created).toBeUndefined();
    expect(loopback.state.enabled).toBe(false);
    expect(loop.changes().some((c) => c.path === FILES.keyAuth)).toBe(false);
    const open = await GatewayFiles.empty();
    expect((await accessForExposure(open, '0.0.0.0', true)).created).toBeUndefined();
    expect(open.changes().some((c) => c.path === FILES.keyAuth)).toBe(false);

    const exposed = await GatewayFiles.empty();
    const { created } = await accessForExposure(exposed, '0.0.0.0', false);
    expect(created).toMatchObject({ name: 'default', key: expect.stringMatching(/^gag_/) });
    expect(await accessControlState(exposed)).toMatchObject({ enabled: true, keys: [{ name: 'default', key: created!.key }] });
    expect((await accessForExposure(exposed, '0.0.0.0', false)).created).toBeUndefined();
  });
});

describe('keys', () => {
  test('generated keys are 256-bit, header-safe and different', () => {
    const a = generateKey();
    expect(a).toMatch(/^gag_[A-Za-z0-9_-]{43}$/);
    expect(generateKey()).not.toBe(a);
  });

  test('a brought key: 16-512 printable characters, no white space', () => {
    expect(checkKeyValue('0123456789abcdef', '--key-env K')).toBe('0123456789abcdef');
    expect(() => checkKeyValue('short', '--key-env K')).toThrow('16 to 512');
    expect(() => checkKeyValue('with space 0123456789', '--key-env K')).toThrow('white space');
    expect(() => checkKeyValue('ключ-0123456789abcdef', '--key-env K')).toThrow('printable ASCII');
  });
});

describe("doctor's access finding", () => {
  const on = { spec: { defaultConfig: { global_auth: true, consumers: [{ name: 'a', credential: 'k' }] } } };
  test('warns only when published beyond loopback without keys', () => {
    expect(exposureFinding('127.0.0.1', undefined).status).toBe('ok');
    expect(exposureFinding('0.0.0.0', on).status).toBe('ok');
    expect(exposureFinding('0.0.0.0', undefined)).toMatchObject({ status: 'warn', fix: expect.stringMatching(/get-ai-gateway access enable$/) });
  });
});
