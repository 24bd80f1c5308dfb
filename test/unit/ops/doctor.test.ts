import { cpSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkDataFolder } from '../../../src/core/ops/data-health.js';
import {
  checkDisk,
  checkInotify,
  mirrorUrls,
  MIRRORS_ENV,
  realDeps,
  registryOf,
  runDoctorChecks,
  type DoctorDeps,
  type DoctorInput,
  type Finding,
} from '../../../src/core/ops/doctor.js';
import { DEFAULT_SETTINGS, type Settings } from '../../../src/core/settings.js';
import { tempDir } from '../../helpers/cli.js';
import { renderDataFolder } from '../../helpers/data-folder.js';
import { GOLDEN_DIR } from '../../helpers/golden.js';

const settings: Settings = { ...DEFAULT_SETTINGS, httpPort: 18080, httpsPort: 18443, consolePort: 18001, imageRepo: 'reg.example:5000/higress/all-in-one', imageTag: '2.1.0' };
const input: DoctorInput = { dataFolder: '/data', containerName: 'gw', settings, startCommand: 'get-ai-gateway start --data-folder /data' };

/** A healthy machine; each test breaks one thing. */
function deps(over: Partial<DoctorDeps> = {}): DoctorDeps {
  return {
    env: { [MIRRORS_ENV]: 'mirror-a.example,mirror-b.example' },
    platform: 'linux',
    engine: async () => ({ ok: true, version: '26.1.5', apiVersion: '1.45', endpoint: 'unix:///var/run/docker.sock', isDockerDesktop: false, rootDir: '/var/lib/docker' }),
    container: async () => ({
      name: 'gw',
      state: 'running',
      managed: true,
      image: 'reg.example:5000/higress/all-in-one:2.1.0',
      ports: [18080, 18443, 18001].map((p) => ({ containerPort: p, hostIp: '127.0.0.1', hostPort: p })),
      bindLabel: '127.0.0.1',
    }),
    socketCandidates: async () => ['/var/run/docker.sock'],
    socketAccess: async () => 'ok',
    isPortFree: async () => false, // busy: ours
    readText: async () => '8192\n',
    freeBytes: async () => 50 * 1024 ** 3,
    probe: async () => ({ ok: true, status: 401, ms: 42 }),
    dataFolder: async () => [{ check: 'resource files', status: 'ok', message: '9 resource files parse' }],
    imagePresent: async () => false,
    containerLog: async () => 'double: gateway listening on :8080\n',
    ...over,
  };
}

const find = (findings: Finding[], check: string) => findings.filter((f) => f.check === check);
const statuses = (findings: Finding[]) => new Set(findings.map((f) => f.status));

describe('doctor checks with injected probes', () => {
  test('a healthy machine and deployment: everything ok', async () => {
    const findings = await runDoctorChecks(input, deps());
    expect(findings.filter((f) => f.status !== 'ok')).toEqual([]);
    expect(find(findings, 'engine')[0]!.message).toContain('Docker 26.1.5 (API 1.45)');
    expect(find(findings, 'ports').map((f) => f.message)).toEqual([
      'http port 127.0.0.1:18080 is used by our gateway',
      'https port 127.0.0.1:18443 is used by our gateway',
      'console port 127.0.0.1:18001 is used by our gateway',
    ]);
    expect(find(findings, 'mirror').map((f) => f.message)).toEqual(['mirror-a.example answers (HTTP 401) in 42 ms', 'mirror-b.example answers (HTTP 401) in 42 ms']);
    expect(find(findings, 'drift')[0]!.status).toBe('ok');
  });

  test('the gateway logs are read with the same table start uses: a known failure is a failure with its fix', async () => {
    const findings = await runDoctorChecks(input, deps({ containerLog: async () => 'ok\nE0501 watcher: too many open files\n' }));
    expect(find(findings, 'log')).toEqual([
      {
        check: 'log',
        status: 'fail',
        message: 'the gateway cannot watch its files: "too many open files" (the inotify instance limit is too low); the log says: E0501 watcher: too many open files',
        fix: expect.stringContaining('sudo sysctl -w fs.inotify.max_user_instances=8192'),
      },
    ]);
    expect(find(await runDoctorChecks(input, deps()), 'log')[0]).toMatchObject({ status: 'ok' });
  });

  test('no engine: a failure with the hint, socket looked for, still checks files, ports and mirrors', async () => {
    const findings = await runDoctorChecks(
      input,
      deps({ engine: async () => ({ ok: false, message: 'Docker engine not reachable (tried x)', hint: 'Start Docker' }), socketAccess: async () => 'missing', isPortFree: async () => true }),
    );
    expect(find(findings, 'engine')[0]).toEqual({ check: 'engine', status: 'fail', message: 'Docker engine not reachable (tried x)', fix: 'Start Docker' });
    expect(find(findings, 'socket')[0]).toMatchObject({ status: 'warn', message: expect.stringContaining('/var/run/docker.sock') });
    expect(find(findings, 'ports').every((f) => f.status === 'ok')).toBe(true);
    expect(find(findings, 'resource files')).toHaveLength(1);
    expect(find(findings, 'container')).toEqual([]);
  });

  test('a socket without permission fails with the docker-group fix', async () => {
    const findings = await runDoctorChecks(input, deps({ engine: async () => ({ ok: false, message: 'denied' }), socketAccess: async () => 'denied' }));
    expect(find(findings, 'socket')[0]).toMatchObject({ status: 'fail', message: 'permission denied on /var/run/docker.sock', fix: expect.stringContaining('usermod -aG docker') });
  });

  test('a port taken by another program fails and names the flag', async () => {
    const findings = await runDoctorChecks(
      input,
      deps({ container: async () => null, isPortFree: async (_host, port) => port !== 18443 }),
    );
    const ports = find(findings, 'ports');
    expect(ports.map((f) => f.status)).toEqual(['ok', 'fail', 'ok']);
    expect(ports[1]).toMatchObject({ message: 'https port 127.0.0.1:18443 is in use by another program', fix: expect.stringContaining('--https-port') });
    expect(find(findings, 'container')[0]).toMatchObject({ status: 'warn', fix: 'get-ai-gateway start --data-folder /data' });
  });

  test('a stopped container does not own its ports any more', async () => {
    const findings = await runDoctorChecks(input, deps({ container: async () => ({ ...(await deps().container('gw'))!, state: 'exited' }) }));
    expect(statuses(find(findings, 'ports'))).toEqual(new Set(['fail']));
    expect(find(findings, 'container')[0]).toMatchObject({ status: 'warn', message: 'container gw is exited' });
  });

  test('inotify below 8192 warns with the sysctl command; not Linux is fine', () => {
    expect(checkInotify('128\n', 'linux')).toMatchObject({ status: 'warn', fix: expect.stringContaining('sudo sysctl -w fs.inotify.max_user_instances=8192') });
    expect(checkInotify('8192', 'linux').status).toBe('ok');
    expect(checkInotify(undefined, 'linux').status).toBe('warn');
    expect(checkInotify(undefined, 'darwin').status).toBe('ok');
  });

  test('low disk warns; disk is measured on the Docker root, else the data folder', async () => {
    expect(checkDisk(1024 ** 3, '/var/lib/docker')).toMatchObject({ status: 'warn', message: expect.stringContaining('only 1.0 GB free') });
    expect(checkDisk(undefined, '/x').status).toBe('warn');
    const asked: string[] = [];
    const freeBytes = async (path: string) => {
      asked.push(path);
      return path === '/var/lib/docker' ? undefined : 10 * 1024 ** 3; // the root dir lives in a VM
    };
    const findings = await runDoctorChecks(input, deps({ freeBytes }));
    expect(find(findings, 'disk')[0]).toMatchObject({ status: 'ok', message: '10.0 GB free at /data' });
  });

  test('unreachable mirrors are warnings with the measured failure, never a crash', async () => {
    const findings = await runDoctorChecks(input, deps({ probe: async (url) => ({ ok: false, error: url.includes('-a') ? 'ENOTFOUND' : 'no answer within 3 s', ms: url.includes('-a') ? 12 : 3001 }) }));
    expect(find(findings, 'mirror')).toEqual([
      expect.objectContaining({ status: 'warn', message: 'mirror-a.example unreachable: ENOTFOUND after 12 ms' }),
      expect.objectContaining({ status: 'warn', message: 'mirror-b.example unreachable: no answer within 3 s after 3001 ms' }),
    ]);
    expect(statuses(findings).has('fail')).toBe(false);
  });

  test('a deployment on its own registry whose image is present: no mirror is probed, nothing warns', async () => {
    const probed: string[] = [];
    const present: string[] = [];
    const findings = await runDoctorChecks(input, deps({
      env: {},
      probe: async (url) => (probed.push(url), { ok: false, error: 'ENOTFOUND', ms: 5 }),
      imagePresent: async (ref) => (present.push(ref), true),
    }));
    expect(present).toEqual(['reg.example:5000/higress/all-in-one:2.1.0']);
    expect(probed).toEqual([]);
    expect(find(findings, 'mirror')).toEqual([expect.objectContaining({ status: 'ok', message: expect.stringContaining('is present in the engine') })]);
  });

  test('a deployment on its own registry without the image probes only that registry, not the public mirrors', async () => {
    const probed: string[] = [];
    const findings = await runDoctorChecks(input, deps({ env: {}, probe: async (url) => (probed.push(url), { ok: false, error: 'ECONNREFUSED', ms: 5 }) }));
    expect(probed).toEqual(['https://reg.example:5000/v2/']);
    expect(find(findings, 'mirror')).toHaveLength(1);
  });

  test('container vs settings drift warns with --recreate', async () => {
    const findings = await runDoctorChecks(input, deps({ container: async () => ({ ...(await deps().container('gw'))!, image: 'reg.example:5000/higress/all-in-one:2.0.0' }) }));
    expect(find(findings, 'drift')[0]).toMatchObject({ status: 'warn', message: expect.stringContaining('image tag: settings 2.1.0, container 2.0.0'), fix: expect.stringContaining('--recreate') });
  });

  test('mirror list: env override (hosts or URLs, "none" to skip), else the settings registry and the known mirrors', () => {
    expect(mirrorUrls({ [MIRRORS_ENV]: 'a.example, http://127.0.0.1:5000/v2/' }, undefined)).toEqual(['https://a.example/v2/', 'http://127.0.0.1:5000/v2/']);
    expect(mirrorUrls({ [MIRRORS_ENV]: 'none' }, undefined)).toEqual([]);
    const urls = mirrorUrls({}, settings);
    expect(urls[0]).toBe('https://reg.example:5000/v2/');
    expect(urls).toContain('https://higress-registry.cn-hangzhou.cr.aliyuncs.com/v2/');
    expect(urls).toHaveLength(4);
    expect(registryOf('higress/all-in-one')).toBeUndefined();
    expect(registryOf('localhost/x')).toBe('localhost');
  });
});

describe('the real mirror probe (local servers only)', () => {
  let server: http.Server;
  let silent: http.Server;
  let port = 0;
  let silentPort = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.writeHead(401).end());
    silent = http.createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    silentPort = (silent.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    silent.closeAllConnections();
    server.close();
    silent.close();
  });

  test('answers, refusals and silence are told apart, silence within the bound', async () => {
    const { probe } = await realDeps();
    expect(await probe(`http://127.0.0.1:${port}/v2/`, 3000)).toMatchObject({ ok: true, status: 401 });
    expect(await probe('http://127.0.0.1:1/v2/', 3000)).toMatchObject({ ok: false, error: 'ECONNREFUSED' });
    const started = Date.now();
    const quiet = await probe(`http://127.0.0.1:${silentPort}/v2/`, 300);
    expect(quiet).toMatchObject({ ok: false, error: 'no answer within 0.3 s' });
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe('data folder health', () => {
  test('a folder rendered by start is healthy', async () => {
    const dir = join(tempDir(), 'data');
    await renderDataFolder(dir, ['--openai-key', 'sk-test-1234567890', '--deepseek-key', 'sk-deep-123456789']);
    const findings = await checkDataFolder(dir);
    expect(findings.filter((f) => f.status !== 'ok')).toEqual([]);
    expect(findings.find((f) => f.check === 'providers')!.message).toBe('2 providers, each with a match rule, registry, ingress and console route');
  });

  test('a missing folder is a warning, not a crash', async () => {
    expect(await checkDataFolder(join(tempDir(), 'nope'))).toEqual([expect.objectContaining({ status: 'warn', message: expect.stringContaining('does not exist') })]);
  });

  test('broken YAML fails; stray .tmp files warn with the rm command', async () => {
    const dir = join(tempDir(), 'data');
    await renderDataFolder(dir, ['--openai-key', 'sk-test-1234567890']);
    writeFileSync(join(dir, 'ingresses', 'ai-route-openai.internal.yaml'), 'metadata: [unclosed\n');
    const stale = join(dir, 'wasmplugins', 'ai-proxy.internal.yaml.tmp');
    writeFileSync(stale, 'half');
    const old = new Date(Date.now() - 60_000);
    utimesSync(stale, old, old);
    const findings = await checkDataFolder(dir);
    expect(findings.find((f) => f.check === 'resource files')).toMatchObject({ status: 'fail', message: expect.stringContaining('ingresses/ai-route-openai.internal.yaml') });
    expect(findings.find((f) => f.check === 'temp files')).toMatchObject({ status: 'warn', fix: `rm ${stale}` });
    // The unparsable ingress cannot count as the provider's route.
    expect(findings.find((f) => f.check === 'providers' && f.status === 'fail')!.message).toContain('provider openai has no ingress');
  });

  test('an annotation the gateway decodes as a boolean (YAML 1.1) fails like broken YAML', async () => {
    const dir = join(tempDir(), 'data');
    await renderDataFolder(dir, ['--openai-key', 'sk-test-1234567890']);
    const path = join(dir, 'ingresses', 'ai-route-openai.internal.yaml');
    writeFileSync(path, readFileSync(path, 'utf8').replace('higress.io/ignore-path-case: "false"', 'higress.io/ignore-path-case: off'));
    const findings = await checkDataFolder(dir);
    expect(findings.find((f) => f.check === 'resource files')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('ingresses/ai-route-openai.internal.yaml: annotation higress.io/ignore-path-case is not a string under YAML 1.1'),
    });
    const proxy = join(dir, 'wasmplugins', 'ai-proxy.internal.yaml');
    writeFileSync(proxy, readFileSync(proxy, 'utf8').replace('priority: 100', 'priority: .inf'));
    expect((await checkDataFolder(dir)).find((f) => f.check === 'resource files')!.message).toContain(
      'wasmplugins/ai-proxy.internal.yaml: spec.priority is .inf or .nan',
    );
  });

  test("upstream's folder: placeholder providers warn", async () => {
    const dir = join(tempDir(), 'data');
    cpSync(join(GOLDEN_DIR, '01-one-key', 'data'), dir, { recursive: true });
    const findings = await checkDataFolder(dir);
    const placeholders = findings.find((f) => f.check === 'placeholders')!;
    expect(placeholders.status).toBe('warn');
    expect(placeholders.message).toContain('openai');
    // The fix reaches this folder from anywhere: it names --data-folder.
    expect(placeholders.fix).toContain(`get-ai-gateway config remove --data-folder ${dir} --provider openai`);
  });

  test("upstream's `config remove` leftovers (golden 07): match rule, ingress and route of a removed provider", async () => {
    const dir = join(tempDir(), 'data');
    cpSync(join(GOLDEN_DIR, '07-mutations', 'data'), dir, { recursive: true });
    const findings = (await checkDataFolder(dir)).filter((f) => f.check === 'providers');
    const deepseek = findings.filter((f) => f.message.includes('provider deepseek'));
    expect(deepseek.map((f) => [f.status, f.message.split(':')[0]])).toEqual(
      expect.arrayContaining([
        ['fail', 'a match rule for provider deepseek, which is not in ai-proxy'],
        ['fail', 'an ingress for provider deepseek, which is not in ai-proxy'],
        ['warn', 'a console route for provider deepseek, which is not in ai-proxy'],
      ]),
    );
    expect(deepseek.every((f) => f.fix!.endsWith(`get-ai-gateway config remove --data-folder ${dir} --provider deepseek`))).toBe(true);
  });

  test('a provider without registry or ingress fails (upstream defect 3)', async () => {
    const dir = join(tempDir(), 'data');
    await renderDataFolder(dir, ['--openai-key', 'sk-test-1234567890']);
    const bridge = join(dir, 'mcpbridges', 'default.yaml');
    writeFileSync(bridge, 'apiVersion: networking.higress.io/v1\nkind: McpBridge\nmetadata:\n  name: default\nspec:\n  registries: []\n');
    mkdirSync(join(dir, 'ingresses'), { recursive: true });
    const findings = await checkDataFolder(dir);
    expect(findings.find((f) => f.status === 'fail')).toMatchObject({ check: 'providers', message: expect.stringContaining('provider openai has no registry') });
  });
});
