// Reliability promises that need the real engine: a failed start leaves no container and the previous
// settings; `delete --purge` removes only the gateway's files.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { renderDataFolder } from '../helpers/data-folder.js';
import { dockerFor, freePorts, loadTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
const containers: string[] = [];
const images: string[] = [];

beforeAll(() => {
  bed = loadTestBed();
});

afterAll(async () => {
  const docker = dockerFor(bed);
  for (const name of containers) await docker.getContainer(name).remove({ force: true }).catch(() => {});
  for (const image of images) await docker.getImage(image).remove({ force: true }).catch(() => {});
});

const env = () => ({ DOCKER_HOST: bed.dockerHost });

async function deployment() {
  const name = `gag-rel-${Math.random().toString(36).slice(2, 8)}`;
  containers.push(name);
  const [http, https, console] = await freePorts(3);
  return { name, data: join(tempDir(), 'data'), ports: ['--http-port', String(http), '--https-port', String(https), '--console-port', String(console)] };
}

describe('a start that fails after creating the container', () => {
  test('removes the container and puts the previous default.cfg back', async () => {
    const docker = dockerFor(bed);
    // An image that runs but never serves: the start times out after creating the container.
    const baseContainer = await docker.createContainer({ Image: `${bed.imageRepo}:${bed.imageTag}`, Cmd: ['/bin/true'] });
    const tag = `stuck-${Date.now()}`;
    await baseContainer.commit({ repo: 'gag-e2e/rel-stuck', tag, changes: ['CMD ["/bin/sh","-c","exec /bin/sleep 600"]'] });
    await baseContainer.remove({ force: true });
    images.push(`gag-e2e/rel-stuck:${tag}`);

    const d = await deployment();
    await renderDataFolder(d.data, ['--openai-key', 'sk-before-0001', '--container-name', d.name]);
    writeFileSync(join(d.data, 'default.cfg'), `# my note\n${readFileSync(join(d.data, 'default.cfg'), 'utf8')}`, { mode: 0o600 });
    const settingsBefore = readFileSync(join(d.data, 'default.cfg'), 'utf8');

    const res = await runCli(['start', '--non-interactive', '--container-name', d.name, '--data-folder', d.data, '--image-repo', 'gag-e2e/rel-stuck', '--image-tag', tag, ...d.ports, '--timeout', '2'], { env: env() });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('not ready after 2 s');
    expect(res.stderr).toMatch(new RegExp(`Start failed: removed the container ${d.name} and restored the previous default\\.cfg`));
    const left = await docker.listContainers({ all: true, filters: { name: [d.name] } });
    expect(left.filter((c) => c.Names.includes(`/${d.name}`))).toEqual([]);
    expect(readFileSync(join(d.data, 'default.cfg'), 'utf8')).toBe(settingsBefore);
  });
});

describe('delete --purge', () => {
  test('removes the gateway files of a real deployment and keeps the files a person put there', async () => {
    const d = await deployment();
    const started = await runCli(['start', '--non-interactive', '--container-name', d.name, '--data-folder', d.data, '--image-repo', bed.imageRepo, '--image-tag', bed.imageTag, ...d.ports, '--openai-key', 'sk-purge-0001'], { env: env() });
    expect(started.exitCode, started.stderr).toBe(0);
    writeFileSync(join(d.data, 'notes.txt'), 'mine\n');
    mkdirSync(join(d.data, 'backups'));
    writeFileSync(join(d.data, 'backups', 'keys-2024.txt'), 'mine too\n');
    writeFileSync(join(d.data, 'wasmplugins', 'README.md'), 'my notes on plugins\n');

    const purged = await runCli(['delete', '--container-name', d.name, '--force', '--purge', '--yes'], { env: env() });
    expect(purged.exitCode, purged.stderr).toBe(0);
    expect(purged.stdout).toContain(`kept what is not ours: backups, notes.txt, wasmplugins`);
    expect(readFileSync(join(d.data, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(readFileSync(join(d.data, 'backups', 'keys-2024.txt'), 'utf8')).toBe('mine too\n');
    expect(readFileSync(join(d.data, 'wasmplugins', 'README.md'), 'utf8')).toBe('my notes on plugins\n');
    for (const gone of ['default.cfg', '.ai-gateway-configured', 'logs', 'wasmplugins/ai-proxy.internal.yaml', 'mcpbridges', 'configmaps']) {
      expect(existsSync(join(d.data, gone)), gone).toBe(false);
    }
  });
});
