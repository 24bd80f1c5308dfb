// The published package as a user gets it (issue 11): `npm pack`, `npm install --omit=dev` of the tarball into an
// empty project (offline: nothing but the tarball is needed), then the installed command on a real engine.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { hostAddressForContainers, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { installTarball, packRepository, type Installed, type Packed } from '../helpers/packed-install.mjs';
import { dockerFor, fetchWithTimeout, freePorts, loadTestBed, REPO_ROOT, type TestBed } from '../helpers/test-bed.js';

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
let packed: Packed;
let installed: Installed;
let bed: TestBed;
let upstream: MockUpstream;
const containerName = `gag-e2e-pkg-${Math.random().toString(36).slice(2, 8)}`;

/** Runs the installed command from the user's project, away from this repository. */
const run = (args: string[], env: Record<string, string> = {}) =>
  execa(installed.bin, args, { cwd: installed.project, reject: false, stdin: 'ignore', env: { CI: 'true', NO_COLOR: '1', ...env } });

beforeAll(async () => {
  bed = loadTestBed();
  upstream = await startMockUpstream();
  packed = packRepository();
  installed = installTarball(packed.tarball);
});

afterAll(async () => {
  await dockerFor(bed).getContainer(containerName).remove({ force: true }).catch(() => {});
  await upstream?.close();
});

describe('the packed package', () => {
  test('holds the bundle, the templates and the bin, and nothing of the sources or tests', () => {
    expect(packed.files).toContain('bin/get-ai-gateway.js');
    expect(packed.files).toContain('dist/cli.js');
    expect(packed.files).toContain('templates/wasmplugins/ai-proxy.internal.yaml');
    expect(packed.files.filter((f) => /^(src|test|scripts)\//.test(f) || f.endsWith('.ts') || f.endsWith('.map'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(installed.project, 'node_modules/get-ai-gateway/package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
  });

  test('installs into an empty project as at most 5 packages and 5 MB, with no install script or native build', () => {
    expect(installed.packages.length, installed.packages.join(', ')).toBeLessThanOrEqual(5);
    expect(installed.bytes).toBeLessThanOrEqual(5 * 1024 * 1024);
    expect(installed.withInstallScripts).toEqual([]);
    expect(installed.output).not.toMatch(/install-scripts|gyp|node-pre-gyp|prebuild/i);
  });

  test('the bundle imports only Node built-ins and its own files', () => {
    const dist = join(installed.project, 'node_modules/get-ai-gateway/dist');
    const specifiers = new Set<string>();
    for (const file of readdirSync(dist).filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(join(dist, file), 'utf8');
      // dist/ is CommonJS: every module is a require("...") (esbuild writes double quotes); no import() is left.
      for (const m of text.matchAll(/\brequire\("([^"]+)"\)/g)) specifiers.add(m[1]!);
      expect(text, file).not.toMatch(/\bimport\("/);
      // bin/ reads dist/ as latin1: a non-ASCII byte would come out garbled.
      expect(/^[\x00-\x7f]*$/.test(text), `${file} is ASCII`).toBe(true);
    }
    expect(specifiers.size).toBeGreaterThan(10);
    const builtin = (s: string) => s.startsWith('node:') || builtinModules.includes(s);
    expect([...specifiers].filter((s) => !builtin(s) && !s.startsWith('./'))).toEqual([]);
    // The files beside it are the vendor bundles, all in the package.
    for (const own of [...specifiers].filter((s) => s.startsWith('./'))) expect(existsSync(join(dist, own)), own).toBe(true);
  });

  test('--version, and npx finds the command', async () => {
    const direct = await run(['--version']);
    expect(direct.exitCode, direct.stderr).toBe(0);
    expect(direct.stdout.trim()).toBe(VERSION);
    const npx = await execa('npx', ['--offline', '--no-install', 'get-ai-gateway', '--version'], { cwd: installed.project, reject: false, stdin: 'ignore' });
    expect(npx.exitCode, npx.stderr).toBe(0);
    expect(npx.stdout.trim()).toBe(VERSION);
  });

  test('start --dry-run renders a plan from the installed templates', async () => {
    const data = join(tempDir(), 'data');
    const plan = await run(['start', '--dry-run', '--non-interactive', '--json', '--openai-key', 'sk-packed-0001', '--data-folder', data]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const parsed = JSON.parse(plan.stdout);
    expect(JSON.stringify(parsed)).toContain('wasmplugins/ai-proxy.internal.yaml');
    expect(plan.stdout).not.toContain('sk-packed-0001');
  });

  test('start on the double, then config list and a chat request that reaches the upstream', async () => {
    const [http, https, consolePort] = await freePorts(3);
    const data = join(tempDir(), 'data');
    const started = await run(
      ['start', '--non-interactive', '--container-name', containerName, '--data-folder', data, '--image-repo', bed.imageRepo, '--image-tag', bed.imageTag,
        '--http-port', String(http), '--https-port', String(https), '--console-port', String(consolePort),
        '--ollama-host', await hostAddressForContainers(bed), '--ollama-port', String(upstream.port), '--ollama-key', 'ollama-packed-0001'],
      { DOCKER_HOST: bed.dockerHost },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    expect(started.stdout).toContain(`http://127.0.0.1:${http}/v1/chat/completions`);

    const list = await run(['config', 'list', '--json', '--container-name', containerName], { DOCKER_HOST: bed.dockerHost });
    expect(list.exitCode, list.stderr).toBe(0);
    const listed = JSON.parse(list.stdout);
    expect(listed.dataFolder).toBe(data);
    expect(listed.providers.map((p: { id: string }) => p.id)).toEqual(['ollama']);
    expect(list.stdout).not.toContain('ollama-packed-0001');

    upstream.clear();
    const res = await fetchWithTimeout(`http://127.0.0.1:${http}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(upstream.requests.map((r) => r.headers.authorization)).toEqual(['Bearer ollama-packed-0001']);
  });
});
