import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { OperationalError } from '../../../src/core/errors.js';
import { dockerConfigAuth, registryHost } from '../../../src/docker/auth.js';
import { ensureImage, stallMsFromEnv } from '../../../src/docker/pull.js';
import type { PullReporter } from '../../../src/docker/pull-progress.js';

type PullScript = { lines?: object[]; dialError?: Record<string, unknown>; stall?: boolean };

/** An engine double: `local` images exist; a pull replays its script and then "has" the image, errors or not. */
function fakeEngine(local: string[], scripts: Record<string, PullScript>) {
  const present = new Set(local);
  const pulls: Array<{ ref: string; options: unknown }> = [];
  const realModem = new Dockerode({ socketPath: '/nonexistent.sock' }).modem;
  const docker = {
    modem: realModem,
    getImage: (ref: string) => ({
      inspect: async () => {
        if (!present.has(ref)) throw Object.assign(new Error('no such image'), { statusCode: 404 });
        return { Id: `sha256:${ref}` };
      },
    }),
    pull: async (ref: string, options: unknown) => {
      pulls.push({ ref, options });
      const script = scripts[ref] ?? {};
      if (script.dialError) throw Object.assign(new Error('(HTTP code 500) server error'), script.dialError);
      const text = (script.lines ?? []).map((line) => `${JSON.stringify(line)}\r\n`);
      if (script.stall) {
        // Sends its lines and then nothing, never ending (a registry that stopped sending bytes).
        const stream = new Readable({ read() {} });
        for (const line of text) stream.push(line);
        return stream;
      }
      present.add(ref);
      return Readable.from(text);
    },
  } as unknown as Dockerode;
  return { docker, pulls };
}

function recordingReporter() {
  const log: string[] = [];
  const reporter: PullReporter = {
    start: (ref) => log.push(`start ${ref}`),
    progress: () => {},
    done: (ref) => log.push(`done ${ref}`),
    failed: (ref, reason, next) => void (next && log.push(`pull from ${ref} failed: ${reason}; trying ${next}`)),
  };
  return { log, reporter };
}

const noAuth = () => undefined;
const ok = [{ status: 'Pulling from higress/all-in-one', id: 'latest' }, { status: 'Pull complete', id: 'aaa' }, { status: 'Status: Downloaded newer image' }];
const denied = [{ status: 'Pulling from higress/all-in-one', id: 'latest' }, { errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' }];

describe('ensureImage', () => {
  it('uses the first candidate when it is already present and the policy is "missing"', async () => {
    const engine = fakeEngine(['a/gw:1'], {});
    const ref = await ensureImage(engine.docker, { candidates: ['a/gw:1', 'b/gw:1'], policy: 'missing', authConfigFor: noAuth });
    expect(ref).toBe('a/gw:1');
    expect(engine.pulls).toEqual([]);
  });

  it('pulls anyway when the policy is "always"', async () => {
    const engine = fakeEngine(['a/gw:1'], { 'a/gw:1': { lines: ok } });
    expect(await ensureImage(engine.docker, { candidates: ['a/gw:1'], policy: 'always', authConfigFor: noAuth })).toBe('a/gw:1');
    expect(engine.pulls.map((p) => p.ref)).toEqual(['a/gw:1']);
  });

  it('treats an {"error"} line as a failed pull even though the stream ends normally', async () => {
    const engine = fakeEngine([], { 'a/gw:1': { lines: denied }, 'b/gw:1': { lines: ok } });
    const { log, reporter } = recordingReporter();
    const ref = await ensureImage(engine.docker, { candidates: ['a/gw:1', 'b/gw:1'], policy: 'missing', reporter, authConfigFor: noAuth });
    expect(ref).toBe('b/gw:1');
    expect(log).toEqual(['start a/gw:1', 'pull from a/gw:1 failed: a/gw:1 does not exist (manifest unknown); trying b/gw:1', 'start b/gw:1', 'done b/gw:1']);
  });

  it('tries the mirrors in order and names them all when every pull fails', async () => {
    const engine = fakeEngine([], {
      'a/gw:1': { lines: denied },
      'b/gw:1': { dialError: { statusCode: 500, json: { message: 'Get "https://b/v2/": dial tcp: i/o timeout' } } },
      'c/gw:1': { lines: [{ error: 'unauthorized: access denied' }] },
    });
    const { log, reporter } = recordingReporter();
    const error = await ensureImage(engine.docker, {
      candidates: ['a/gw:1', 'b/gw:1', 'c/gw:1'],
      policy: 'missing',
      reporter,
      authConfigFor: noAuth,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationalError);
    // One message naming each candidate's failure in words; the fix of the preferred one; doctor.
    expect((error as OperationalError).message).toBe(
      'could not pull the gateway image: a/gw:1 does not exist (manifest unknown); docker.io does not answer: offline, firewall or proxy; ' +
        'docker.io refused c/gw without a login (unauthorized)',
    );
    expect((error as OperationalError).hint).toBe('check --image-tag (IMAGE_TAG); leave it out for latest; get-ai-gateway doctor checks this machine');
    expect(engine.pulls.map((p) => p.ref)).toEqual(['a/gw:1', 'b/gw:1', 'c/gw:1']);
    expect(log).toContain('pull from b/gw:1 failed: docker.io does not answer: offline, firewall or proxy; trying c/gw:1');
    // The last failure is the error itself, not a line before it.
    expect(log.filter((l) => l.startsWith('pull from c/gw:1'))).toEqual([]);
  });

  it('shows the engine\'s reason without docker-modem\'s "(HTTP code N)" prefix', async () => {
    const engine = fakeEngine([], { 'a/gw:1': { dialError: { statusCode: 404, message: '(HTTP code 404) unexpected - manifest unknown ' } } });
    const error = await ensureImage(engine.docker, { candidates: ['a/gw:1'], policy: 'missing', authConfigFor: noAuth }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('could not pull the gateway image: a/gw:1 does not exist (manifest unknown)');
  });

  it('the same known failure on every mirror is one message naming them all, with its fix first-class', async () => {
    const dns = (host: string) => ({ dialError: { statusCode: 500, json: { message: `Get "https://${host}/v2/": dial tcp: lookup ${host} on 127.0.0.53:53: no such host` } } });
    const engine = fakeEngine([], { 'r1.example/gw:1': dns('r1.example'), 'r2.example/gw:1': dns('r2.example'), 'r3.example/gw:1': dns('r3.example') });
    const { log, reporter } = recordingReporter();
    const error = (await ensureImage(engine.docker, {
      candidates: ['r1.example/gw:1', 'r2.example/gw:1', 'r3.example/gw:1'],
      policy: 'missing',
      reporter,
      authConfigFor: noAuth,
    }).catch((e: unknown) => e)) as OperationalError;
    expect(error.message).toBe('could not pull the gateway image: this machine cannot resolve r1.example, r2.example, r3.example: offline, DNS or proxy');
    expect(error.hint).toMatch(/^check the network and DNS .*--image-repo .*; get-ai-gateway doctor checks this machine$/);
    expect(log.filter((l) => l.includes('no such host'))).toEqual([]);
  });

  it('a pull that sends nothing for the stall time moves on to the next candidate', async () => {
    const engine = fakeEngine([], {
      'a/gw:1': { lines: [{ status: 'Downloading', id: 'l1', progressDetail: { current: 1, total: 10 } }], stall: true },
      'b/gw:1': { lines: ok },
    });
    const { log, reporter } = recordingReporter();
    const started = Date.now();
    const ref = await ensureImage(engine.docker, { candidates: ['a/gw:1', 'b/gw:1'], policy: 'missing', reporter, authConfigFor: noAuth, stallMs: 300 });
    expect(ref).toBe('b/gw:1');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(log).toContain('pull from a/gw:1 failed: no bytes for 0.3 s (stalled); trying b/gw:1');
  });

  it('the stall time comes from GET_AI_GATEWAY_PULL_STALL_SECONDS, else 30 s', () => {
    expect(stallMsFromEnv({ GET_AI_GATEWAY_PULL_STALL_SECONDS: '5' })).toBe(5000);
    expect(stallMsFromEnv({ GET_AI_GATEWAY_PULL_STALL_SECONDS: 'x' })).toBe(30_000);
    expect(stallMsFromEnv({})).toBe(30_000);
  });

  it('sends the credentials found for the registry', async () => {
    const engine = fakeEngine([], { 'reg.example.com/gw:1': { lines: ok } });
    const auth = { username: 'u', password: 'p', serveraddress: 'reg.example.com' };
    await ensureImage(engine.docker, {
      candidates: ['reg.example.com/gw:1'],
      policy: 'missing',
      authConfigFor: (ref) => (registryHost(ref) === 'reg.example.com' ? auth : undefined),
    });
    expect(engine.pulls[0].options).toEqual({ authconfig: auth });
  });
});

describe('registry auth from the docker config', () => {
  it('finds the registry of a reference', () => {
    expect(registryHost('higress-registry.cn-hangzhou.cr.aliyuncs.com/higress/all-in-one:latest')).toBe(
      'higress-registry.cn-hangzhou.cr.aliyuncs.com',
    );
    expect(registryHost('127.0.0.1:5000/higress/all-in-one:x')).toBe('127.0.0.1:5000');
    expect(registryHost('localhost/x')).toBe('localhost');
    expect(registryHost('higress/all-in-one')).toBe('docker.io');
    expect(registryHost('nginx')).toBe('docker.io');
  });

  it('reads inline auths (base64 user:pass, or username/password) and ignores credential helpers', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gag-auth-'));
    try {
      await writeFile(
        path.join(dir, 'config.json'),
        JSON.stringify({
          credsStore: 'desktop',
          auths: {
            'https://index.docker.io/v1/': { auth: Buffer.from('hub:secret:with:colons').toString('base64') },
            'mirror.example.com': { username: 'm', password: 'pw' },
            'helper.example.com': {},
          },
        }),
      );
      const authFor = dockerConfigAuth({ env: { DOCKER_CONFIG: dir } });
      expect(await authFor('nginx:latest')).toEqual({ username: 'hub', password: 'secret:with:colons', serveraddress: 'https://index.docker.io/v1/' });
      expect(await authFor('mirror.example.com/higress/all-in-one:1')).toEqual({ username: 'm', password: 'pw', serveraddress: 'mirror.example.com' });
      expect(await authFor('helper.example.com/x:1')).toBeUndefined();
      expect(await authFor('other.example.com/x:1')).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
