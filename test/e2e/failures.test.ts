// Failures that explain themselves, on the real engine and registry: a crash-looping gateway, a tag the
// registry does not have, a registry nobody can resolve, and a mirror that stops sending in the middle of a blob.
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, listFiles, runCli, tempDir } from '../helpers/cli.js';
import { dockerFor, ensureImage, freePorts, loadTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
let docker: Docker;
const containers: string[] = [];
const images: string[] = [];
const suffix = Math.random().toString(36).slice(2, 8);

beforeAll(async () => {
  bed = loadTestBed();
  docker = dockerFor(bed);
  await ensureImage(docker, `${bed.imageRepo}:${bed.imageTag}`);
});

afterAll(async () => {
  for (const name of containers) await docker.getContainer(name).remove({ force: true }).catch(() => {});
  for (const ref of images) await docker.getImage(ref).remove({ force: true }).catch(() => {});
});

const env = (extra: Record<string, string> = {}) => ({ DOCKER_HOST: bed.dockerHost, ...extra });

async function startArgs(name: string, data: string, image: string[]): Promise<string[]> {
  const [http, https, console] = await freePorts(3);
  containers.push(name);
  return [
    'start', '--non-interactive', '--container-name', name, '--data-folder', data, ...image,
    '--http-port', String(http), '--https-port', String(https), '--console-port', String(console), '--openai-key', 'sk-failure-test-0001',
  ];
}

/** An image made from the double's with another command (test equipment, removed afterwards). */
async function imageFromDouble(repo: string, tag: string, cmd: string[], prepare?: string): Promise<string> {
  const base = await docker.createContainer({ Image: `${bed.imageRepo}:${bed.imageTag}`, Cmd: prepare ? ['/bin/sh', '-c', prepare] : ['/bin/true'] });
  if (prepare) {
    await base.start();
    await base.wait();
  }
  await base.commit({ repo, tag, changes: [`CMD ${JSON.stringify(cmd)}`] });
  await base.remove({ force: true });
  images.push(`${repo}:${tag}`);
  return `${repo}:${tag}`;
}

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error:'));

/**
 * Runs the built CLI like runCli and measures how long the failure took to be told once the wait for the
 * gateway began (pull, create and clean-up are the engine's time, slow on a busy machine, not detection).
 */
async function runDetecting(args: string[], extraEnv: Record<string, string> = {}) {
  const child = execa('node', [BIN, ...args], {
    reject: false,
    stdin: 'ignore',
    timeout: 180_000,
    env: { FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true', ...env(extraEnv) },
  });
  let stderr = '';
  let waitingAt: number | undefined;
  let errorAt: number | undefined;
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += String(chunk);
    waitingAt ??= stderr.includes('Waiting for the gateway') ? Date.now() : undefined;
    // The failure is told from its first line (the log line that explains it), before start cleans up.
    errorAt ??= /^(Log: |Last container log lines|error:)/m.test(stderr) ? Date.now() : undefined;
  });
  const result = await child;
  const detectSeconds = waitingAt !== undefined && errorAt !== undefined ? (errorAt - waitingAt) / 1000 : Infinity;
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr, detectSeconds };
}

describe('a gateway that crashes', () => {
  test('a crash loop with "too many open files" fails within 10 s with the inotify fix, once, and is stopped', async () => {
    const repo = `gag-e2e/crashloop-${suffix}`;
    await imageFromDouble(repo, 'x', ['/bin/sh', '-c', 'echo "apiserver: failed to create fsnotify watcher: too many open files"; exit 1']);
    const name = `gag-e2e-crash-${suffix}`;
    const res = await runDetecting(await startArgs(name, join(tempDir(), 'data'), ['--image-repo', repo, '--image-tag', 'x']));

    expect(res.exitCode, res.stderr).toBe(1);
    // The default --timeout is 120 s: the crash is told within seconds of the wait starting.
    expect(res.detectSeconds).toBeLessThan(10);
    expect(errorLines(res.stderr)).toHaveLength(1);
    expect(errorLines(res.stderr)[0]).toMatch(/^error: the gateway container (crashed|keeps crashing) before serving.*: the gateway cannot watch its files: "too many open files"/);
    expect(res.stderr).toContain('sudo sysctl -w fs.inotify.max_user_instances=8192');
    expect(res.stderr).toContain('get-ai-gateway doctor');
    // The log line once, not once per restart.
    expect(res.stderr.split('failed to create fsnotify watcher').length - 1).toBe(1);
    // Not left restarting forever (a failed first start removes its container).
    const state = await docker.getContainer(name).inspect().then((info) => info.State, () => undefined);
    expect(Boolean(state?.Running || state?.Restarting)).toBe(false);
  });

  test('a container that keeps running while a component logs "too many open files" (as the real image\'s supervisord does) fails in seconds', async () => {
    const repo = `gag-e2e/component-fails-${suffix}`;
    await imageFromDouble(repo, 'x', ['/bin/sh', '-c', 'mkdir -p /var/log/higress; echo "E0501 apiserver: too many open files" >> /var/log/higress/apiserver.log; exec sleep 600']);
    const res = await runDetecting(await startArgs(`gag-e2e-component-${suffix}`, join(tempDir(), 'data'), ['--image-repo', repo, '--image-tag', 'x']));
    expect(res.exitCode, res.stderr).toBe(1);
    expect(res.detectSeconds).toBeLessThan(15);
    expect(errorLines(res.stderr)).toEqual([expect.stringMatching(/^error: the gateway cannot start: the gateway cannot watch its files: "too many open files".*fs\.inotify\.max_user_instances=8192/)]);
    expect(res.stderr).toContain('Log: E0501 apiserver: too many open files');
  });

  test('doctor reads a stopped gateway container\'s log with the same table and names the fix', async () => {
    // A gateway of ours that crashed (made here directly: a failed first start leaves no container behind).
    const name = `gag-e2e-crashed-${suffix}`;
    containers.push(name);
    const crashed = await docker.createContainer({
      name,
      Image: `gag-e2e/crashloop-${suffix}:x`,
      Labels: { 'io.higress.get-ai-gateway.managed': 'true' },
    });
    await crashed.start();
    await crashed.wait();
    const res = await runCli(['doctor', '--json', '--container-name', name, '--data-folder', join(tempDir(), 'none')], { env: env({ GET_AI_GATEWAY_DOCTOR_MIRRORS: 'none' }) });
    const log = JSON.parse(res.stdout).findings.filter((f: { check: string }) => f.check === 'log');
    expect(log).toEqual([expect.objectContaining({ status: 'fail', fix: expect.stringContaining('fs.inotify.max_user_instances=8192') })]);
  });

  test('a crash with an unknown cause says so in seconds, with its distinct last lines', async () => {
    const repo = `gag-e2e/crashloop-plain-${suffix}`;
    await imageFromDouble(repo, 'x', ['/bin/sh', '-c', 'echo "something odd happened"; exit 3']);
    const res = await runDetecting(await startArgs(`gag-e2e-crash2-${suffix}`, join(tempDir(), 'data'), ['--image-repo', repo, '--image-tag', 'x']));
    expect(res.exitCode, res.stderr).toBe(1);
    expect(res.detectSeconds).toBeLessThan(10);
    expect(errorLines(res.stderr)).toEqual([expect.stringMatching(/^error: the gateway container (crashed|keeps crashing) before serving( \(.*\))? — see the log lines above/)]);
    expect(res.stderr).toContain('Last container log lines (repeats left out):');
    expect(res.stderr.split('something odd happened').length - 1).toBe(1);
  });
});

describe('an image that cannot be pulled', () => {
  test('a tag the registry does not have: one message naming the tag; the fresh data folder is not created', async () => {
    const data = join(tempDir(), 'data');
    const res = await runCli(await startArgs(`gag-e2e-notag-${suffix}`, data, ['--image-repo', bed.imageRepo, '--image-tag', `no-such-tag-${suffix}`]), { env: env() });
    expect(res.exitCode).toBe(1);
    expect(errorLines(res.stderr)).toEqual([
      `error: could not pull the gateway image: ${bed.imageRepo}:no-such-tag-${suffix} does not exist (manifest unknown) ` +
        '— check --image-tag (IMAGE_TAG); leave it out for latest; get-ai-gateway doctor checks this machine',
    ]);
    expect(res.stderr).not.toContain('trying');
    expect(existsSync(data)).toBe(false);
  });

  test('--recreate with a tag that cannot be pulled keeps the running container it would replace', async () => {
    const data = join(tempDir(), 'data');
    const name = `gag-e2e-keep-${suffix}`;
    const args = await startArgs(name, data, ['--image-repo', bed.imageRepo, '--image-tag', bed.imageTag]);
    const first = await runCli(args, { env: env() });
    expect(first.exitCode, first.stderr).toBe(0);
    const before = await docker.getContainer(name).inspect();
    const tagAt = args.indexOf('--image-tag') + 1;
    const res = await runCli([...args.slice(0, tagAt), `no-such-tag-${suffix}`, ...args.slice(tagAt + 1), '--recreate'], { env: env() });
    expect(res.exitCode).toBe(1);
    expect(errorLines(res.stderr)[0]).toContain('does not exist (manifest unknown)');
    const after = await docker.getContainer(name).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.Running).toBe(true);
  });

  test('a registry that does not resolve: "cannot resolve", the hint first-class, no raw errors; an empty folder stays empty', async () => {
    const data = join(tempDir(), 'data');
    mkdirSync(data);
    const res = await runCli(await startArgs(`gag-e2e-nodns-${suffix}`, data, ['--image-repo', 'no-such-registry.invalid/higress/all-in-one']), { env: env() });
    expect(res.exitCode).toBe(1);
    expect(errorLines(res.stderr)).toHaveLength(1);
    expect(errorLines(res.stderr)[0]).toMatch(
      /^error: could not pull the gateway image: this machine cannot resolve no-such-registry\.invalid: offline, DNS or proxy — check the network and DNS/,
    );
    expect(res.stderr).not.toContain('no such host');
    expect(listFiles(data)).toEqual([]);
  });
});

describe('a mirror that stops sending', () => {
  let proxy: http.Server;
  const stalledBlobs: string[] = [];

  beforeAll(async () => {
    // A registry in front of the bed's: blobs over 1 MB get their headers and 64 KB, then nothing.
    proxy = http.createServer((req, res) => {
      const upstream = http.request({ host: '127.0.0.1', port: Number(bed.registry.split(':')[1]), path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        const big = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '') && Number(answer.headers['content-length']) > 1_000_000;
        if (!big) return void answer.pipe(res);
        stalledBlobs.push(req.url!);
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          if (sent >= 65_536) return void answer.pause();
          res.write(chunk.subarray(0, 65_536 - sent));
          sent += Math.min(chunk.length, 65_536 - sent);
        });
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  });

  test('no bytes for GET_AI_GATEWAY_PULL_STALL_SECONDS moves to the next mirror, saying which and why; the gateway comes up', async () => {
    // An image with a layer of its own (3 MB of random bytes), only in the registry: the pull must download it.
    const path = `gag-stall-${suffix}`;
    const ref = await imageFromDouble(`${bed.registry}/${path}/higress/all-in-one`, 't', ['/usr/local/bin/node', '/double/server.mjs'], 'head -c 3000000 /dev/urandom > /stall.bin');
    await execa('docker', ['push', '-q', ref], { env: { DOCKER_HOST: bed.dockerHost } });
    await docker.getImage(ref).remove({ force: true });

    const port = (proxy.address() as AddressInfo).port;
    const stalledRepo = `127.0.0.1:${port}/${path}/higress/all-in-one`;
    const goodRepo = `${bed.registry}/${path}/higress/all-in-one`;
    images.push(`${stalledRepo}:t`, `${goodRepo}:t`);
    const name = `gag-e2e-stall-${suffix}`;
    const data = join(tempDir(), 'data');
    const res = await runCli(await startArgs(name, data, ['--image-tag', 't']), {
      env: env({ GET_AI_GATEWAY_MIRRORS: `127.0.0.1:${port}/${path},${bed.registry}/${path}`, GET_AI_GATEWAY_PULL_STALL_SECONDS: '2' }),
    });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(stalledBlobs.length).toBeGreaterThan(0);
    expect(res.stderr).toContain(`pull from ${stalledRepo}:t failed: no bytes for 2 s (stalled); trying ${goodRepo}:t`);
    expect(res.stderr).toContain(`Pulled ${goodRepo}:t`);
    expect((await docker.getContainer(name).inspect()).Config.Image).toBe(`${goodRepo}:t`);
    // The welcome points at the file the gateway writes, not at a folder that stays empty.
    expect(res.stdout).toContain(`Access log        ${join(data, 'logs', 'access.log')}`);
    expect(res.stdout).not.toMatch(/^ {2}Logs /m);
  });
});
