import { describe, expect, test } from 'vitest';
import { chooseImage, detectTimezone, registryForTimezone, REGISTRIES } from '../../src/core/mirror.js';

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
    ['Europe/Berlin', REGISTRIES.hangzhou],
    ['UTC', REGISTRIES.hangzhou],
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
    expect(chooseImage({ timezone: { timezone: 'Europe/Berlin', source: 'TZ' }, env: {} }).reason).toBe('Hangzhou mirror (default: timezone Europe/Berlin has no nearer mirror)');
  });
});
