import { describe, expect, test } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chooseImage, detectTimezone, MIRRORS_ENV, orderByLatency, registryForTimezone, REGISTRIES } from '../../src/core/mirror.js';

describe('registry by timezone (contract table)', () => {
  test.each([
    ['Asia/Shanghai', REGISTRIES.hangzhou],
    ['Asia/Hong_Kong', REGISTRIES.hangzhou],
    ['Asia/Urumqi', REGISTRIES.hangzhou],
    ['Asia/Singapore', REGISTRIES.singapore],
    ['Asia/Jakarta', REGISTRIES.singapore],
    ['Asia/Ho_Chi_Minh', REGISTRIES.singapore],
    ['America/Los_Angeles', REGISTRIES.northAmerica],
    ['US/Pacific', REGISTRIES.northAmerica],
    ['Canada/Eastern', REGISTRIES.northAmerica],
    ['Europe/Berlin', undefined],
    ['UTC', undefined],
  ])('%s → %s', (zone, registry) => expect(registryForTimezone(zone)).toBe(registry));
});

const noFiles = {
  intl: () => 'UTC',
  readLink: () => Promise.reject(new Error('ENOENT')),
  readText: () => Promise.reject(new Error('ENOENT')),
  timedatectl: () => Promise.reject(new Error('ENOENT')),
};

describe('timezone detection', () => {
  test('macOS-style TZ alone (no timedatectl, no /etc/timezone) picks the right mirror', async () => {
    const tz = await detectTimezone({ ...noFiles, env: { TZ: 'America/New_York' } });
    expect(tz).toEqual({ timezone: 'America/New_York', source: 'TZ' });
    expect(chooseImage({ timezone: tz, env: {} }).repo).toBe(`${REGISTRIES.northAmerica}/higress/all-in-one`);
  });

  test('Intl answers on a Mac even without TZ', async () => {
    const tz = await detectTimezone({ ...noFiles, env: {}, intl: () => 'Asia/Singapore' });
    expect(tz.source).toBe('Intl');
    expect(registryForTimezone(tz.timezone)).toBe(REGISTRIES.singapore);
  });

  test('falls back to /etc/localtime, then /etc/timezone, then timedatectl', async () => {
    expect(await detectTimezone({ ...noFiles, env: {}, readLink: async () => '/usr/share/zoneinfo/Asia/Bangkok' })).toEqual({ timezone: 'Asia/Bangkok', source: '/etc/localtime' });
    expect(await detectTimezone({ ...noFiles, env: {}, readText: async () => 'Asia/Taipei\n' })).toEqual({ timezone: 'Asia/Taipei', source: '/etc/timezone' });
    expect(await detectTimezone({ ...noFiles, env: {}, timedatectl: async () => 'US/Central' })).toEqual({ timezone: 'US/Central', source: 'timedatectl' });
  });
});

describe('image overrides', () => {
  const tz = { timezone: 'America/Chicago', source: 'TZ' as const };
  test('timezone choice falls back to the other mirrors', () => {
    const choice = chooseImage({ timezone: tz, env: {} });
    expect(choice.fallbackRepos).toEqual([`${REGISTRIES.hangzhou}/higress/all-in-one`, `${REGISTRIES.singapore}/higress/all-in-one`]);
    expect(choice.pluginRegistry).toBe(REGISTRIES.northAmerica);
  });
  test('--image-repo beats IMAGE_REPO and never falls back', () => {
    const choice = chooseImage({ timezone: tz, imageRepo: 'r.example/x', imageTag: 'v2', env: { IMAGE_REPO: 'other/y' } });
    expect(choice).toMatchObject({ repo: 'r.example/x', tag: 'v2', fallbackRepos: [] });
    expect(chooseImage({ timezone: tz, env: { IMAGE_REPO: 'other/y' } })).toMatchObject({ repo: 'other/y', fallbackRepos: [] });
  });
  test('PLUGIN_REGISTRY sets the registry for plugins and image', () => {
    const choice = chooseImage({ timezone: tz, env: { PLUGIN_REGISTRY: 'mirror.example' } });
    expect(choice).toMatchObject({ repo: 'mirror.example/higress/all-in-one', pluginRegistry: 'mirror.example', fallbackRepos: [] });
  });
  test('default.cfg remembers: its IMAGE_REPO and PLUGIN_REGISTRY are used unless the flag or the environment says otherwise', () => {
    const saved = { imageRepo: 'saved.example/aio', pluginRegistry: 'plugins.example' };
    expect(chooseImage({ timezone: tz, env: {}, saved })).toMatchObject({ repo: 'saved.example/aio', pluginRegistry: 'plugins.example', fallbackRepos: [], reason: 'from default.cfg' });
    expect(chooseImage({ timezone: tz, env: { IMAGE_REPO: 'env.example/aio', PLUGIN_REGISTRY: 'p2.example' }, saved })).toMatchObject({ repo: 'env.example/aio', pluginRegistry: 'p2.example', reason: 'from IMAGE_REPO' });
    expect(chooseImage({ timezone: tz, imageRepo: 'flag.example/aio', env: {}, saved })).toMatchObject({ repo: 'flag.example/aio', reason: 'from --image-repo' });
  });
  test('the reason says whether the timezone chose the mirror or the default applied', () => {
    expect(chooseImage({ timezone: tz, env: {} }).reason).toBe('North America mirror, nearest to timezone America/Chicago (from TZ)');
    expect(chooseImage({ timezone: { timezone: 'Europe/Berlin', source: 'TZ' }, env: {} }).reason).toBe('timezone Europe/Berlin maps to no mirror: the fastest to answer is used');
  });
});

describe('a timezone without a mirror', () => {
  test('all three mirrors are candidates to probe; plugins keep upstream\'s default', () => {
    const choice = chooseImage({ timezone: { timezone: 'Europe/Berlin', source: 'TZ' }, env: {} });
    expect(choice.probe).toBe(true);
    expect([choice.repo, ...choice.fallbackRepos].sort()).toEqual(Object.values(REGISTRIES).map((r) => `${r}/higress/all-in-one`).sort());
    expect(choice.reason).toBe('timezone Europe/Berlin maps to no mirror: the fastest to answer is used');
    expect(choice.pluginRegistry).toBe(REGISTRIES.hangzhou);
  });

  test(`${MIRRORS_ENV} replaces the mirrors, in its order, without probing`, () => {
    const choice = chooseImage({ timezone: { timezone: 'Asia/Shanghai', source: 'TZ' }, env: { [MIRRORS_ENV]: '127.0.0.1:5001/a, 127.0.0.1:5000/b/' } });
    expect(choice).toMatchObject({ repo: '127.0.0.1:5001/a/higress/all-in-one', fallbackRepos: ['127.0.0.1:5000/b/higress/all-in-one'], probe: false });
  });

  test('the probe asks every registry at once (HEAD /v2/) and puts the fastest first; the silent ones last', async () => {
    const seen: string[] = [];
    const server = (delayMs: number) =>
      new Promise<http.Server>((resolve) => {
        const s = http.createServer((req, res) => {
          seen.push(`${req.method} ${req.url}`);
          setTimeout(() => res.writeHead(401).end(), delayMs);
        });
        s.listen(0, '127.0.0.1', () => resolve(s));
      });
    const slow = await server(400);
    const fast = await server(0);
    const silent = await server(10_000);
    const repo = (s: http.Server) => `127.0.0.1:${(s.address() as AddressInfo).port}/higress/all-in-one`;
    try {
      const started = Date.now();
      const { order, probes } = await orderByLatency([repo(silent), repo(slow), repo(fast)], undefined, 1000);
      expect(Date.now() - started).toBeLessThan(2500);
      expect(order).toEqual([repo(fast), repo(slow), repo(silent)]);
      expect(probes.find((p) => p.repo === repo(silent))).toMatchObject({ error: 'no answer within 1 s' });
      expect(seen.every((line) => line === 'HEAD /v2/')).toBe(true);
    } finally {
      for (const s of [slow, fast, silent]) s.closeAllConnections(), s.close();
    }
  });
});
