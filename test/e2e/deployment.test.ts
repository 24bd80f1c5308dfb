// Issue 12: one deployment, found the same way by every command. A gateway started with a custom name (and
// IMAGE_REPO from the environment) in a folder; every command then runs from that folder with no flags.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, runCli, tempDir } from '../helpers/cli.js';
import { dockerFor, freePorts, loadTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
const name = `gag-e2e-nc-${Math.random().toString(36).slice(2, 8)}`;
const cwd = tempDir('gag-nc-');
const data = join(cwd, 'higress');
// npm_command is cleared so the hints name `node <path to bin>` whatever launched the tests.
const env = (extra: Record<string, string> = {}) => ({ DOCKER_HOST: bed.dockerHost, GET_AI_GATEWAY_DOCTOR_MIRRORS: 'none', npm_command: '', ...extra });
/** Every command as a user runs it in the folder of the deployment: no flags. */
const here = (args: string[], extra: Record<string, string> = {}) => runCli(args, { cwd, env: env(extra) });
const invocation = `node ${relative(cwd, BIN).startsWith('..') ? BIN : relative(cwd, BIN)}`;
let ports: number[] = [];

beforeAll(async () => {
  bed = loadTestBed();
  ports = await freePorts(3);
  const started = await here(
    [
      'start', '--non-interactive', '--container-name', name, '--image-tag', bed.imageTag,
      '--http-port', String(ports[0]), '--https-port', String(ports[1]), '--console-port', String(ports[2]),
      '--deepseek-key', 'sk-first-0001',
    ],
    { IMAGE_REPO: bed.imageRepo },
  );
  if (started.exitCode !== 0) throw new Error(`start failed (${started.exitCode}): ${started.stderr}`);
});

afterAll(async () => {
  await dockerFor(bed).getContainer(name).remove({ force: true }).catch(() => {});
});

describe('a custom-named deployment, driven from its folder without flags', () => {
  test('default.cfg remembers the name, the ports and IMAGE_REPO from the environment', () => {
    const cfg = readFileSync(join(data, 'default.cfg'), 'utf8');
    expect(cfg).toContain(`CONTAINER_NAME=${name}`);
    expect(cfg).toContain(`IMAGE_REPO=${bed.imageRepo}`);
    expect(cfg).toContain(`IMAGE_TAG=${bed.imageTag}`);
    expect(cfg).toContain(`GATEWAY_HTTP_PORT=${ports[0]}`);
  });

  test('status finds it and says where the name and folder came from', async () => {
    const res = await here(['status', '--json']);
    expect(res.exitCode, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report).toMatchObject({ containerName: name, containerNameSource: 'default.cfg', dataFolder: data, dataFolderSource: './higress', ok: true, drift: [] });
  });

  test('config add on the running gateway confirms the hot reload; the same edit again changes nothing', async () => {
    const added = await here(['config', 'add', '--provider', 'kimi', '--key', 'sk-kimi-0001']);
    expect(added.exitCode, added.stderr).toBe(0);
    expect(added.stdout).toContain('Added Moonshot (Kimi) (moonshot)');
    expect(added.stdout).toMatch(/Hot-reloaded in \d+ ms/);
    const again = await here(['config', 'add', '--provider', 'moonshot', '--key', 'sk-kimi-0001']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing changed');
    expect(again.stdout).not.toContain('did not confirm');
  });

  test('config list, route add/list/test/remove, models and openclaw work on it', async () => {
    const list = JSON.parse((await here(['config', 'list', '--json'])).stdout);
    expect(list.dataFolder).toBe(data);
    expect(list.providers.map((p: { id: string }) => p.id).sort()).toEqual(['deepseek', 'moonshot']);
    const route = await here(['route', 'add', '--model', 'deepseek-reasoner', '--trigger', 'prove|derive', '--default-model', 'deepseek-chat']);
    expect(route.exitCode, route.stderr).toBe(0);
    expect(route.stdout).toMatch(/Hot-reloaded in \d+ ms/);
    expect(JSON.parse((await here(['route', 'list', '--json'])).stdout).rules).toHaveLength(1);
    expect(JSON.parse((await here(['route', 'test', 'prove it', '--json'])).stdout).model).toBe('deepseek-reasoner');
    const removed = await here(['route', 'remove', '--rule-id', '0']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    const models = JSON.parse((await here(['models', '--json'])).stdout);
    expect(models.baseUrl).toBe(`http://127.0.0.1:${ports[0]}/v1`);
    const openclawConfig = join(tempDir(), 'openclaw.json');
    writeFileSync(openclawConfig, '{}\n');
    const claw = await here(['openclaw', '--config', openclawConfig, '--dry-run']);
    expect(claw.exitCode, claw.stderr).toBe(0);
    expect(claw.stdout).toContain(`127.0.0.1:${ports[0]}`);
  });

  test('logs and usage read this container', async () => {
    const logs = await here(['logs', '--component', 'apiserver', '--tail', '50', '--json']);
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(JSON.parse(logs.stdout)).toMatchObject({ container: name, component: 'apiserver' });
    expect(JSON.parse(logs.stdout).lines.some((line: string) => line.includes('event'))).toBe(true);
    const usage = await here(['usage', '--json']);
    expect(usage.exitCode, usage.stderr).toBe(0);
  });

  test('doctor knows our own gateway holds the ports', async () => {
    const res = await here(['doctor', '--json']);
    const report = JSON.parse(res.stdout);
    expect(report.containerName).toBe(name);
    const portFindings = report.findings.filter((f: { check: string }) => f.check === 'ports');
    expect(portFindings).toHaveLength(3);
    for (const f of portFindings) expect(f).toMatchObject({ status: 'ok', message: expect.stringContaining('used by our gateway') });
  });

  test('stop hints the command the user has, without flags they do not need; start (no IMAGE_REPO now) starts it again', async () => {
    const stopped = await here(['stop']);
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    expect(stopped.stdout).toBe(`Stopped ${name}. Start it again with: ${invocation} start`);
    const before = await dockerFor(bed).getContainer(name).inspect();

    const started = await here(['start', '--non-interactive']);
    expect(started.exitCode, started.stderr).toBe(0);
    expect(started.stdout).toContain('started again');
    expect(started.stderr).toContain(`Image:    ${bed.imageRepo}:${bed.imageTag}: from default.cfg`);
    expect(started.stderr).not.toContain('differs');
    expect(started.stdout).toContain(`Stop it with: ${invocation} stop`);
    const after = await dockerFor(bed).getContainer(name).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.Running).toBe(true);
  });

  test('a changed port is a warning naming --recreate, not an error; the container keeps serving as it is', async () => {
    const [other] = await freePorts(1);
    const res = await here(['start', '--non-interactive', '--http-port', String(other)]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/warning: the container .* differs/);
    expect(res.stderr).toContain(`apply it with: ${invocation} start --recreate`);
    expect(res.stdout).toContain(`http://127.0.0.1:${ports[0]}/v1/chat/completions`);
    // The choice is remembered: status reports the drift against default.cfg.
    expect(readFileSync(join(data, 'default.cfg'), 'utf8')).toContain(`GATEWAY_HTTP_PORT=${other}`);
    const status = JSON.parse((await here(['status', '--json'])).stdout);
    expect(status.drift.length).toBeGreaterThan(0);
    // --recreate applies the remembered choices, pulling from the remembered registry (no IMAGE_REPO now).
    const recreated = await here(['start', '--non-interactive', '--recreate']);
    expect(recreated.exitCode, recreated.stderr).toBe(0);
    expect(recreated.stdout).toContain('recreated');
    const info = await dockerFor(bed).getContainer(name).inspect();
    expect(info.Config.Image).toBe(`${bed.imageRepo}:${bed.imageTag}`);
    expect(Object.keys(info.HostConfig.PortBindings ?? {})).toContain(`${other}/tcp`);
    const again = await here(['start', '--non-interactive']);
    expect(again.stderr).not.toContain('differs');
  });

  test('the implicit ./higress and the same folder named explicitly give the same deployment', async () => {
    const implicit = JSON.parse((await here(['status', '--json'])).stdout);
    const explicit = JSON.parse((await here(['status', '--json', '--data-folder', 'higress'])).stdout);
    expect(explicit.containerName).toBe(implicit.containerName);
    expect(explicit.dataFolder).toBe(implicit.dataFolder);
    expect(explicit.ok).toBe(true);
  });

  test('delete --force removes it; the data folder is kept', async () => {
    const res = await here(['delete', '--force']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toContain(`Deleted container ${name}.`);
    expect(existsSync(join(data, 'default.cfg'))).toBe(true);
    expect(await dockerFor(bed).getContainer(name).inspect().catch(() => null)).toBeNull();
  });
});
