// start / stop / delete on a real Docker engine with the gateway double (issue: gateway lifecycle).
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listFiles, runCli, tempDir } from '../helpers/cli.js';
import { goldenPath } from '../helpers/golden.js';
import { hostAddressForContainers, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { dockerFor, fetchWithTimeout, freePort, freePorts, loadTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
let upstream: MockUpstream;
let hostIp: string;
const created: string[] = [];

beforeAll(async () => {
  bed = loadTestBed();
  upstream = await startMockUpstream();
  hostIp = await hostAddressForContainers(bed);
});

afterAll(async () => {
  const docker = dockerFor(bed);
  for (const name of created) await docker.getContainer(name).remove({ force: true }).catch(() => {});
  await upstream?.close();
});

async function ports() {
  const [http, https, console] = await freePorts(3);
  return { http: http!, https: https!, console: console! };
}

interface Deployment {
  name: string;
  data: string;
  ports: { http: number; https: number; console: number };
}

async function newDeployment(): Promise<Deployment> {
  const name = `gag-e2e-${Math.random().toString(36).slice(2, 8)}`;
  created.push(name);
  return { name, data: join(tempDir(), 'data'), ports: await ports() };
}

const env = () => ({ DOCKER_HOST: bed.dockerHost });

function startArgs(d: Deployment, extra: string[] = []): string[] {
  return [
    'start', '--non-interactive', '--container-name', d.name, '--data-folder', d.data,
    '--image-repo', bed.imageRepo, '--image-tag', bed.imageTag,
    '--http-port', String(d.ports.http), '--https-port', String(d.ports.https), '--console-port', String(d.ports.console),
    ...extra,
  ];
}

const chat = (port: number, model: string, content = 'hello') =>
  fetchWithTimeout(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });

describe('start on a real engine', () => {
  let d: Deployment;
  let first: { exitCode: number; stdout: string; stderr: string };

  beforeAll(async () => {
    d = await newDeployment();
    // Pull through the Engine API: the image must not be present yet.
    await dockerFor(bed).getImage(`${bed.imageRepo}:${bed.imageTag}`).remove({ force: true }).catch(() => {});
    first = await runCli(startArgs(d, ['--ollama-host', hostIp, '--ollama-port', String(upstream.port), '--ollama-key', 'ollama-secret-0001']), { env: env() });
  });

  test('pulls with plain progress lines (no TTY), waits until ready and prints the welcome', () => {
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toContain(`Pulling ${bed.imageRepo}:${bed.imageTag}`);
    expect(first.stderr).toMatch(/Pulled .* in \d+s/);
    expect(first.stderr).not.toMatch(/\u001b\[/);
    expect(first.stderr).toMatch(/Gateway ready in [\d.]+ s/);
    expect(first.stdout).toContain(`http://127.0.0.1:${d.ports.http}/v1/chat/completions`);
    expect(first.stdout).toContain('llama3.2'); // an example model of the provider configured, not a fixed one
    expect(first.stdout).toMatch(/Stop it with: .*get-ai-gateway(\.js)? stop/);
    expect(first.stdout + first.stderr).not.toContain('ollama-secret-0001');
  });

  test('the container is exactly the contract: ports on loopback, restart always, mounts, env without keys, labels', async () => {
    const info = await dockerFor(bed).getContainer(d.name).inspect();
    for (const port of Object.values(d.ports)) {
      expect(info.HostConfig.PortBindings[`${port}/tcp`]).toEqual([{ HostIp: '127.0.0.1', HostPort: String(port) }]);
    }
    expect(info.HostConfig.RestartPolicy?.Name).toBe('always');
    const mounts = Object.fromEntries(info.Mounts.map((m) => [m.Destination, m.Source]));
    expect(mounts).toEqual({ '/data': d.data, '/var/log/proxy': join(d.data, 'logs') });
    expect(info.Config.Env).toEqual(
      expect.arrayContaining(['MODE=full', `GATEWAY_HTTP_PORT=${d.ports.http}`, `GATEWAY_HTTPS_PORT=${d.ports.https}`, `CONSOLE_PORT=${d.ports.console}`]),
    );
    expect(info.Config.Env.some((e) => e.startsWith('PLUGIN_REGISTRY='))).toBe(true);
    expect(JSON.stringify(info)).not.toContain('ollama-secret-0001');
    expect(info.Config.Labels).toMatchObject({ 'io.higress.get-ai-gateway.managed': 'true', 'io.higress.get-ai-gateway.data-folder': d.data });
    expect(info.Config.Labels['io.higress.get-ai-gateway.version']).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('the data folder holds the marker and 0600 files, no keys in default.cfg', () => {
    expect(existsSync(join(d.data, '.ai-gateway-configured'))).toBe(true);
    expect(statSync(join(d.data, 'wasmplugins/ai-proxy.internal.yaml')).mode & 0o777).toBe(0o600);
    expect(statSync(d.data).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(d.data, 'default.cfg'), 'utf8')).not.toContain('ollama-secret-0001');
  });

  test('a chat request through the gateway reaches the upstream with the configured key', async () => {
    upstream.clear();
    const res = await chat(d.ports.http, 'llama3.2');
    expect(res.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.headers.authorization).toBe('Bearer ollama-secret-0001');
    expect(upstream.requests[0]!.body.model).toBe('llama3.2');
  });

  test('re-running start is idempotent: same container, not restarted', async () => {
    const before = await dockerFor(bed).getContainer(d.name).inspect();
    const again = await runCli(startArgs(d), { env: env() });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('already running');
    const after = await dockerFor(bed).getContainer(d.name).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
  });

  test('start with new provider flags on a running gateway applies them by hot reload, no restart', async () => {
    const before = await dockerFor(bed).getContainer(d.name).inspect();
    const res = await runCli(startArgs(d, ['--deepseek-key', 'sk-ds-live']), { env: env() });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toContain('provider deepseek configured');
    expect(res.stdout).toMatch(/hot-reloaded in \d+ ms/);
    const after = await dockerFor(bed).getContainer(d.name).inspect();
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
  });

  test('a different port is a warning naming --recreate (the container keeps its port); --recreate keeps the data', async () => {
    const moved = { ...d, ports: { ...d.ports, http: await freePort() } };
    const warned = await runCli(startArgs(moved), { env: env() });
    expect(warned.exitCode, warned.stderr).toBe(0);
    expect(warned.stderr).toMatch(/warning: .*differs.*http port/);
    expect(warned.stderr).toContain('--recreate');
    expect(warned.stdout).toContain(`http://127.0.0.1:${d.ports.http}/v1/chat/completions`);
    const recreated = await runCli(startArgs(moved, ['--recreate']), { env: env() });
    expect(recreated.exitCode, recreated.stderr).toBe(0);
    expect(recreated.stdout).toContain('recreated');
    d = moved;
    upstream.clear();
    expect((await chat(d.ports.http, 'llama3.2')).status).toBe(200);
    expect(upstream.requests[0]!.headers.authorization).toBe('Bearer ollama-secret-0001');
  });

  test('stop, stop again, start again, delete with and without --force', async () => {
    const stop = await runCli(['stop', '--container-name', d.name], { env: env() });
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(stop.stdout).toContain(`Stopped ${d.name}`);
    const again = await runCli(['stop', '--container-name', d.name, '--json'], { env: env() });
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ container: d.name, action: 'already-stopped' });

    const restarted = await runCli(startArgs(d), { env: env() });
    expect(restarted.exitCode, restarted.stderr).toBe(0);
    expect(restarted.stdout).toContain('started again');
    expect((await chat(d.ports.http, 'llama3.2')).status).toBe(200);

    const refused = await runCli(['delete', '--container-name', d.name], { env: env() });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('--force');
    const deleted = await runCli(['delete', '--container-name', d.name, '--force'], { env: env() });
    expect(deleted.exitCode, deleted.stderr).toBe(0);
    expect(existsSync(join(d.data, 'wasmplugins/ai-proxy.internal.yaml'))).toBe(true);
    const missing = await runCli(['delete', '--container-name', d.name, '--json'], { env: env() });
    expect(missing.exitCode).toBe(0);
    expect(JSON.parse(missing.stdout)).toMatchObject({ action: 'not-found' });
    const stopMissing = await runCli(['stop', '--container-name', d.name], { env: env() });
    expect(stopMissing.exitCode).toBe(1);
    expect(stopMissing.stderr).toContain('not found');
  });
});

describe('refusals before anything is created', () => {
  test('a busy host port fails naming the port and the flag; no container is created', async () => {
    const d = await newDeployment();
    const blocker = net.createServer().listen(d.ports.console, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    try {
      const res = await runCli(startArgs(d, ['--openai-key', 'sk-x']), { env: env() });
      expect(res.exitCode).toBe(1);
      expect(res.stderr).toContain(String(d.ports.console));
      expect(res.stderr).toContain('--console-port');
      await expect(dockerFor(bed).getContainer(d.name).inspect()).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      blocker.close();
    }
  });

  test('a container of that name not made by get-ai-gateway is never touched', async () => {
    const d = await newDeployment();
    const docker = dockerFor(bed);
    const upstreamData = tempDir();
    const foreign = await docker.createContainer({
      name: d.name, Image: `${bed.imageRepo}:${bed.imageTag}`, Cmd: ['/bin/sleep', '300'], HostConfig: { Binds: [`${upstreamData}:/data`] },
    });
    const before = await foreign.inspect();
    for (const args of [startArgs(d, ['--openai-key', 'sk-x']), ['stop', '--container-name', d.name], ['delete', '--container-name', d.name, '--force']]) {
      const res = await runCli(args, { env: env() });
      expect(res.exitCode, args.join(' ')).toBe(1);
      expect(res.stderr).toContain('not created by get-ai-gateway');
    }
    const start = await runCli(startArgs(d, ['--openai-key', 'sk-x']), { env: env() });
    expect(start.stderr).toMatch(new RegExp(`get-ai-gateway(\\.js)? start --data-folder ${upstreamData}`));
    const after = await foreign.inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.Status).toBe(before.State.Status);
  });

  test('an unreachable engine is one clear error, exit 1', async () => {
    const d = await newDeployment();
    const res = await runCli(startArgs(d, ['--openai-key', 'sk-x']), { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('Docker engine not reachable');
    expect(res.stderr).toContain('DOCKER_HOST=unix:///nonexistent/docker.sock');
    expect(res.stderr.split('\n').filter((line) => line.startsWith('error:'))).toHaveLength(1);
  });

  test('a gateway that never serves times out with its last log lines, exit 1', async () => {
    const d = await newDeployment();
    const docker = dockerFor(bed);
    const base = await docker.createContainer({ Image: `${bed.imageRepo}:${bed.imageTag}`, Cmd: ['/bin/true'] });
    const tag = `stuck-${Date.now()}`;
    await base.commit({ repo: 'gag-e2e/stuck', tag, changes: ['CMD ["/bin/sh","-c","echo gateway stuck on purpose; exec /bin/sleep 600"]'] });
    await base.remove({ force: true });
    const res = await runCli(
      ['start', '--non-interactive', '--container-name', d.name, '--data-folder', d.data, '--image-repo', 'gag-e2e/stuck', '--image-tag', tag,
        '--http-port', String(d.ports.http), '--https-port', String(d.ports.https), '--console-port', String(d.ports.console),
        '--openai-key', 'sk-x', '--timeout', '3'],
      { env: env() },
    );
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('not ready after 3 s');
    expect(res.stderr).toContain('gateway stuck on purpose');
    await docker.getImage(`gag-e2e/stuck:${tag}`).remove({ force: true }).catch(() => {});
  });

  test('start --dashscope-key gives a ready gateway (welcome as JSON); delete --purge --yes removes the data folder too', async () => {
    const d = await newDeployment();
    const started = await runCli(startArgs(d, ['--dashscope-key', 'sk-dash-e2e-000001', '--json']), { env: env() });
    expect(started.exitCode, started.stderr).toBe(0);
    const welcome = JSON.parse(started.stdout);
    expect(welcome).toMatchObject({
      action: 'created',
      container: d.name,
      endpoints: { chatCompletions: `http://127.0.0.1:${d.ports.http}/v1/chat/completions`, console: `http://127.0.0.1:${d.ports.console}` },
      providers: [{ id: 'aliyun', models: 'qwen*', exampleModel: 'qwen-turbo' }],
      autoRouting: { enabled: false },
    });
    expect(welcome.examples[0]).toContain('"model":"qwen-turbo"');
    expect(['ready', 'starting']).toContain(welcome.console);
    expect(started.stdout).not.toContain('sk-dash-e2e-000001');
    const noConfirm = await runCli(['delete', '--container-name', d.name, '--force', '--purge'], { env: env() });
    expect(noConfirm.exitCode).toBe(2);
    expect(noConfirm.stderr).toContain('--yes');
    expect(existsSync(d.data)).toBe(true);
    const purged = await runCli(['delete', '--container-name', d.name, '--force', '--purge', '--yes'], { env: env() });
    expect(purged.exitCode, purged.stderr).toBe(0);
    expect(existsSync(d.data)).toBe(false);
  });
});

describe('taking over a get-ai-gateway.sh deployment', () => {
  test('start on its data folder serves its configured providers and drops the keys from default.cfg', async () => {
    const d = await newDeployment();
    cpSync(goldenPath('02-multi-provider', 'data'), d.data, { recursive: true });
    cpSync(goldenPath('02-multi-provider', 'default.cfg'), join(d.data, 'default.cfg'));
    for (const path of [d.data, ...listFiles(d.data).map((f) => join(d.data, f))]) chmodSync(path, statSync(path).isDirectory() ? 0o700 : 0o600);
    for (const dir of readdirSync(d.data, { withFileTypes: true }).filter((e) => e.isDirectory())) chmodSync(join(d.data, dir.name), 0o700);
    const res = await runCli(startArgs(d, ['--json']), { env: env() });
    expect(res.exitCode, res.stderr).toBe(0);
    const welcome = JSON.parse(res.stdout);
    expect(welcome.providers.map((p: { id: string }) => p.id)).toEqual(['deepseek', 'moonshot', 'zhipuai', 'openai', 'claude']);
    const settings = readFileSync(join(d.data, 'default.cfg'), 'utf8');
    expect(settings).not.toMatch(/_API_KEY=/);
    expect(settings).not.toContain('sk-oa-0001');
  });
});
