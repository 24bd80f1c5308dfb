// The one resolver (flags → ./higress settings → the one labelled container → defaults), the flags hints
// carry, and the invocation hints name.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { invocation } from '../../src/core/command-line.js';
import { deploymentFlags, resolveDeployment, type LabelledContainer } from '../../src/core/deployment.js';
import { formatSettings, parseSettings, DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { tempDir } from '../helpers/cli.js';

function folderWith(settings: string | undefined): { cwd: string; data: string } {
  const cwd = tempDir();
  const data = join(cwd, 'higress');
  if (settings !== undefined) {
    mkdirSync(data);
    writeFileSync(join(data, 'default.cfg'), settings);
  }
  return { cwd, data };
}

const deps = (cwd: string, labelled: LabelledContainer[] | undefined = []) => ({ cwd, labelled: async () => labelled });

describe('resolveDeployment', () => {
  test('./higress settings name the container; the implicit folder equals the explicit one', async () => {
    const { cwd, data } = folderWith('CONTAINER_NAME=nc-w\n');
    const implicit = await resolveDeployment({}, deps(cwd));
    expect(implicit).toEqual({ dataFolder: data, containerName: 'nc-w', source: './higress', nameSource: 'default.cfg' });
    const explicit = await resolveDeployment({ dataFolder: 'higress' }, deps(cwd));
    expect(explicit).toMatchObject({ dataFolder: data, containerName: 'nc-w', nameSource: 'default.cfg' });
  });

  test('explicit flags win over everything', async () => {
    const { cwd } = folderWith('CONTAINER_NAME=nc-w\n');
    const other = join(tempDir(), 'x');
    expect(await resolveDeployment({ dataFolder: other, containerName: 'gw2' }, deps(cwd, [{ name: 'nc-w', dataFolder: '/elsewhere' }]))).toEqual({
      dataFolder: other, containerName: 'gw2', source: '--data-folder', nameSource: '--container-name',
    });
  });

  test('no ./higress: the one container carrying our labels', async () => {
    const { cwd } = folderWith(undefined);
    expect(await resolveDeployment({}, deps(cwd, [{ name: 'solo', dataFolder: '/srv/solo' }]))).toEqual({
      dataFolder: '/srv/solo', containerName: 'solo', source: 'container label', nameSource: 'container label',
    });
  });

  test('several labelled containers: the default-named one, else the defaults', async () => {
    const { cwd, data } = folderWith(undefined);
    const two = [{ name: 'a', dataFolder: '/a' }, { name: 'b', dataFolder: '/b' }];
    expect(await resolveDeployment({}, deps(cwd, two))).toEqual({ dataFolder: data, containerName: 'higress-ai-gateway', source: 'default', nameSource: 'default' });
    const withDefault = [...two, { name: 'higress-ai-gateway', dataFolder: '/d' }];
    expect(await resolveDeployment({}, deps(cwd, withDefault))).toMatchObject({ dataFolder: '/d', containerName: 'higress-ai-gateway' });
    expect(await resolveDeployment({}, deps(cwd, undefined))).toMatchObject({ dataFolder: data, source: 'default' });
  });

  test('--container-name alone: that container\'s folder from its label, else ./higress', async () => {
    const { cwd, data } = folderWith(undefined);
    expect(await resolveDeployment({ containerName: 'b' }, deps(cwd, [{ name: 'b', dataFolder: '/b' }]))).toMatchObject({ dataFolder: '/b', source: 'container label', nameSource: '--container-name' });
    expect(await resolveDeployment({ containerName: 'new' }, deps(cwd))).toMatchObject({ dataFolder: data, containerName: 'new', source: 'default' });
  });

  test('--data-folder without settings: the container created on it names itself', async () => {
    const { cwd } = folderWith(undefined);
    const data = join(tempDir(), 'data');
    expect(await resolveDeployment({ dataFolder: data }, deps(cwd, [{ name: 'on-it', dataFolder: data }]))).toMatchObject({ containerName: 'on-it', nameSource: 'container label' });
  });
});

describe('hints', () => {
  test('flags only where the resolver from this directory would not find the deployment by itself', () => {
    const { cwd, data } = folderWith('CONTAINER_NAME=nc-w\n');
    expect(deploymentFlags({ dataFolder: data, containerName: 'nc-w' }, cwd)).toEqual([]);
    expect(deploymentFlags({ dataFolder: data, containerName: 'other' }, cwd)).toEqual(['--container-name', 'other']);
    expect(deploymentFlags({ dataFolder: data, containerName: 'nc-w' }, tempDir())).toEqual(['--data-folder', data]);
    expect(deploymentFlags({ dataFolder: '/my data', containerName: 'higress-ai-gateway' }, cwd)).toEqual(['--data-folder', "'/my data'"]);
  });

  test('the invocation the user has: npx, a bin on PATH, a project bin, or node with the script', () => {
    expect(invocation({ npm_command: 'exec' }, ['node', '/home/u/.npm/_npx/1/node_modules/get-ai-gateway/bin/get-ai-gateway.js'], '/w')).toBe('npx get-ai-gateway');
    expect(invocation({}, ['node', '/usr/local/bin/get-ai-gateway'], '/w')).toBe('get-ai-gateway');
    expect(invocation({}, ['node', '/w/proj/node_modules/.bin/get-ai-gateway'], '/w/proj')).toBe('npx get-ai-gateway');
    expect(invocation({}, ['node', '/w/repo/bin/get-ai-gateway.js'], '/w/repo')).toBe('node bin/get-ai-gateway.js');
    expect(invocation({ npm_lifecycle_event: 'start' }, ['node', '/w/repo/bin/get-ai-gateway.js'], '/w/repo')).toBe('node bin/get-ai-gateway.js');
    expect(invocation({}, ['node', '/w/repo/bin/get-ai-gateway.js'], '/tmp/x')).toBe('node /w/repo/bin/get-ai-gateway.js');
  });
});

describe('default.cfg rewrite', () => {
  test('comments, blank lines and foreign lines stay; our keys update in place; unset keys go; secrets are dropped', () => {
    const before = '# mine\nMODE=full\n\nFOO=bar\nIMAGE_REPO=old/repo\nGATEWAY_HTTP_PORT=8080\nOPENAI_API_KEY=sk-x\nHUNYUAN_AUTH_KEY=k\n';
    const settings = { ...parseSettings(before), httpPort: 9090, imageRepo: undefined, imageTag: 'v2' };
    const after = formatSettings(settings, before);
    expect(after.startsWith('# mine\nMODE=full\n\nFOO=bar\nGATEWAY_HTTP_PORT=9090\n')).toBe(true);
    expect(after).not.toContain('IMAGE_REPO');
    expect(after).toContain('IMAGE_TAG=v2\n');
    expect(after).not.toContain('sk-x');
    expect(after).not.toContain('HUNYUAN_AUTH_KEY');
    expect(parseSettings(after)).toEqual(settings);
    expect(formatSettings(settings, after)).toBe(after);
  });

  test('a fresh file has our header and every set key', () => {
    const text = formatSettings({ ...DEFAULT_SETTINGS, models: { openai: 'gpt-*' } });
    expect(text).toMatch(/^# get-ai-gateway settings/);
    expect(text).toContain('OPENAI_MODELS=gpt-*\n');
  });
});

describe('planStart remembers the registry the user chose', () => {
  test('IMAGE_REPO and PLUGIN_REGISTRY from the environment go to default.cfg; a timezone pick does not', async () => {
    const { planStart } = await import('../../src/core/start-plan.js');
    const timezone = { timezone: 'Asia/Shanghai', source: 'TZ' as const };
    const plan = (env: NodeJS.ProcessEnv) => planStart({ options: { openaiKey: ['sk-o'] }, env, timezone, cwd: tempDir() }).settings;
    expect(plan({ IMAGE_REPO: 'reg.example/aio' })).toMatchObject({ imageRepo: 'reg.example/aio' });
    expect(plan({ PLUGIN_REGISTRY: 'mirror.example' })).toMatchObject({ imageRepo: 'mirror.example/higress/all-in-one', pluginRegistry: 'mirror.example' });
    expect(plan({}).imageRepo).toBeUndefined();
  });
});
