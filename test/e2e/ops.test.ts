// status, logs, usage and doctor against the gateway double on the real engine: a gateway started with the
// built CLI, chat requests through it, then the operating commands; stop; status again.
import { truncateSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, runCli, tempDir } from '../helpers/cli.js';
import { hostAddressForContainers, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { dockerFor, fetchWithTimeout, freePorts, loadTestBed, waitFor, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
let upstream: MockUpstream;
const name = `gag-e2e-ops-${Math.random().toString(36).slice(2, 8)}`;
const data = join(tempDir(), 'data');
const ports = { http: 0, https: 0, console: 0 };
const env = () => ({ DOCKER_HOST: bed.dockerHost, GET_AI_GATEWAY_DOCTOR_MIRRORS: 'none' });
const cli = (args: string[]) => runCli([...args, '--data-folder', data], { env: env() });

const chat = (model: string, content: string) =>
  fetchWithTimeout(`http://127.0.0.1:${ports.http}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });

beforeAll(async () => {
  bed = loadTestBed();
  // `llama-boom` (routed to Ollama by its llama* pattern) fails upstream, to be counted as an error.
  upstream = await startMockUpstream({ respond: (req) => (req.body?.model === 'llama-boom' ? { status: 500, body: { error: { message: 'mock failure' } } } : undefined) });
  const hostIp = await hostAddressForContainers(bed);
  const [http, https, console] = await freePorts(3);
  Object.assign(ports, { http, https, console });
  const started = await runCli(
    [
      'start', '--non-interactive', '--container-name', name, '--data-folder', data,
      '--image-repo', bed.imageRepo, '--image-tag', bed.imageTag,
      '--http-port', String(ports.http), '--https-port', String(ports.https), '--console-port', String(ports.console),
      '--ollama-host', hostIp, '--ollama-port', String(upstream.port),
    ],
    { env: env() },
  );
  if (started.exitCode !== 0) throw new Error(`start failed (${started.exitCode}): ${started.stderr}`);
  for (const [model, content] of [
    ['llama3.2', 'one two three'],
    ['llama3.2', 'four five'],
    ['llama-boom', 'this fails'],
  ] as const) {
    const res = await chat(model, content);
    await res.text();
  }
});

afterAll(async () => {
  await dockerFor(bed).getContainer(name).remove({ force: true }).catch(() => {});
  await upstream?.close();
});

describe('on a running gateway', () => {
  test('status: running and ready, exit 0, with image digest, ports, restart policy, providers and no drift', async () => {
    const { exitCode, stdout, stderr } = await cli(['status']);
    expect(exitCode, stderr + stdout).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Gateway ${name}: running for \\d+s`));
    expect(stdout).toContain(`image:    ${bed.imageRepo}:${bed.imageTag}`);
    expect(stdout).toMatch(new RegExp(`${bed.imageRepo.replace(/[.]/g, '\\.')}@sha256:[0-9a-f]{64}`));
    expect(stdout).toContain(`http 127.0.0.1:${ports.http}`);
    expect(stdout).toContain('restart:  always');
    expect(stdout).toContain(`gateway:  ready (http://127.0.0.1:${ports.http})`);
    expect(stdout).toContain(`data:     ${data}`);
    expect(stdout).toMatch(/Ollama \(ollama\)/);
    expect(stdout).toContain('Settings: the container matches default.cfg');

    // The console comes up last; status sees it once it answers.
    const report = await waitFor('the console to answer', async () => {
      const r = await cli(['status', '--json']);
      const parsed = JSON.parse(r.stdout);
      return parsed.ready.console ? parsed : undefined;
    });
    expect(report).toMatchObject({ ok: true, drift: [], container: { state: 'running', restartPolicy: 'always', managed: true } });
    expect(report.container.uptimeMs).toBeGreaterThan(0);
  });

  test('logs --component apiserver: the log file inside the container', async () => {
    const { exitCode, stdout, stderr } = await cli(['logs', '--component', 'apiserver', '--tail', '500']);
    expect(exitCode, stderr).toBe(0);
    expect(stdout).toContain('double: apiserver starting');
  });

  test("logs: the container's own output through the Engine API (demultiplexed)", async () => {
    const { exitCode, stdout, stderr } = await cli(['logs', '--tail', '200']);
    expect(exitCode, stderr).toBe(0);
    expect(stdout).toContain('double: gateway listening');
    expect(stdout).not.toMatch(/[\u0000-\u0002]\u0000\u0000\u0000/); // no frame headers
  });

  test('logs -f --component gateway follows new lines until stopped', async () => {
    const child = execa('node', [BIN, 'logs', '-f', '--component', 'gateway', '--tail', '0', '--data-folder', data], {
      env: { ...env(), NO_COLOR: '1', CI: 'true' },
      reject: false,
    });
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    try {
      await waitFor('the follower to attach and a new access line', async () => {
        const res = await chat('llama3.2', 'followed request');
        await res.text();
        return seen.includes('"upstream_cluster":"outbound|80||llm-ollama.internal.static"') || undefined;
      }, { timeoutMs: 20_000, intervalMs: 300 });
    } finally {
      child.kill('SIGINT');
      await child;
    }
  });

  test('logs -f follows the container output (Engine API stream)', async () => {
    const child = execa('node', [BIN, 'logs', '-f', '--tail', '0', '--data-folder', data], { env: { ...env(), NO_COLOR: '1', CI: 'true' }, reject: false });
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    try {
      await waitFor('a new access line on the container output', async () => {
        const res = await chat('llama3.2', 'followed on stdout');
        await res.text();
        // llama3.2 matches ollama's glob llama*: its own route (src/core/model-routes.ts).
        return /"route_name":"model-2-\d{3}-ollama-[0-9a-f]{8}\.internal"/.test(seen) || undefined;
      }, { timeoutMs: 20_000, intervalMs: 300 });
      expect(seen).not.toMatch(/[\u0000-\u0002]\u0000\u0000\u0000/);
    } finally {
      child.kill('SIGINT');
      await child;
    }
  });

  test('status of a container that does not exist: exit 1, says how to start it', async () => {
    const { exitCode, stdout } = await runCli(['status', '--container-name', `${name}-missing`, '--data-folder', join(tempDir(), 'other')], { env: env() });
    expect(exitCode).toBe(1);
    expect(stdout).toContain(`Gateway ${name}-missing: not created`);
    expect(stdout).toContain(`--container-name ${name}-missing`);
  });

  test('usage: from <data>/logs/access.log, which the gateway writes (no O11Y), by model and by provider', async () => {
    const { exitCode, stdout, stderr } = await cli(['usage', '--json']);
    expect(exitCode, stderr).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.source).toBe(join(data, 'logs', 'access.log'));
    const byKey = Object.fromEntries(report.rows.map((r: { key: string }) => [r.key, r]));
    // The mock upstream counts prompt words: "one two three" = 3, "four five" = 2, "followed request" = 2 each.
    expect(byKey['llama3.2'].requests).toBeGreaterThanOrEqual(2);
    expect(byKey['llama3.2'].inputTokens).toBeGreaterThanOrEqual(5);
    expect(byKey['llama3.2'].outputTokens).toBeGreaterThan(0);
    expect(byKey['llama3.2'].errors).toBe(0);
    expect(byKey['llama3.2'].p50Ms).toBeGreaterThanOrEqual(0);
    expect(byKey['llama-boom']).toMatchObject({ requests: 1, errors: 1 });
    // The file holds access-log lines only.
    expect(report.lines.other).toBe(0);
    expect(report.lines.malformed).toBe(0);
    // start's and status's readiness probes (GET /) are in the log, but are no LLM requests.
    expect(report.lines.notLlm).toBeGreaterThan(0);

    const byProvider = await cli(['usage', '--by', 'provider']);
    expect(byProvider.exitCode, byProvider.stderr).toBe(0);
    expect(byProvider.stdout).toMatch(/\nollama\s+\d+\s+\d+\s+\d+\s+1\s+\d+\s+\d+\n/);
  });

  test('doctor: engine, socket, ports (ours), container and drift are fine', async () => {
    const { stdout, stderr } = await cli(['doctor', '--json']);
    const report = JSON.parse(stdout);
    const status = (check: string) => report.findings.filter((f: { check: string }) => f.check === check).map((f: { status: string }) => f.status);
    expect(status('engine'), stderr).toEqual(['ok']);
    expect(status('socket')).toEqual(['ok']);
    expect(status('ports')).toEqual(['ok', 'ok', 'ok']);
    expect(report.findings.filter((f: { check: string }) => f.check === 'ports').every((f: { message: string }) => f.message.endsWith('is used by our gateway'))).toBe(true);
    expect(status('container')).toEqual(['ok']);
    expect(status('drift')).toEqual(['ok']);
    expect(status('log')).toEqual(['ok']);
    expect(status('providers')).toEqual(['ok']);
    expect(status('mirror')).toEqual([]);
  });
});

describe('after stop', () => {
  beforeAll(async () => {
    const stopped = await runCli(['stop', '--container-name', name], { env: env() });
    if (stopped.exitCode !== 0) throw new Error(`stop failed: ${stopped.stderr}`);
  });

  test('status: exit 1, says it is stopped and how to start it', async () => {
    const { exitCode, stdout } = await cli(['status']);
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(new RegExp(`^Gateway ${name}: exited`));
    // --data-folder alone reaches it: that folder's default.cfg names the container.
    expect(stdout).toMatch(new RegExp(`start: +.*get-ai-gateway(\\.js)? start --data-folder ${data}$`, 'm'));
    const json = JSON.parse((await cli(['status', '--json'])).stdout);
    expect(json).toMatchObject({ ok: false, container: { state: 'exited' }, ready: { gateway: false } });
  });

  test("usage and component logs still read the stopped container's files", async () => {
    expect(JSON.parse((await cli(['usage', '--json'])).stdout).source).toBe(join(data, 'logs', 'access.log'));
    // An empty file (what the image creates; a deployment older than the access-log EnvoyFilter stays so):
    // usage reads the gateway's own log.
    truncateSync(join(data, 'logs', 'access.log'));
    const usage = await cli(['usage', '--json']);
    expect(usage.exitCode, usage.stderr).toBe(0);
    const report = JSON.parse(usage.stdout);
    expect(report.source).toBe(`${name}:/var/log/higress/gateway.log (container exited)`);
    expect(report.rows.find((r: { key: string }) => r.key === 'llama-boom')).toMatchObject({ requests: 1, errors: 1 });

    const logs = await cli(['logs', '--component', 'apiserver', '--tail', '5']);
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(logs.stdout.trim().split('\n').length).toBeLessThanOrEqual(5);
    expect(logs.stderr).toContain('container exited');
  });
});
