import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OperationalError } from '../../../src/core/errors.js';
import { findBusyPorts, isPortFree } from '../../../src/docker/ports.js';
import { connectHost, probeHttp, waitUntil, WaitTimeoutError } from '../../../src/docker/wait.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  while (closers.length) await closers.pop()!();
});

function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, host, () => {
      closers.push(() => new Promise((done) => server.close(() => done())));
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  await new Promise((done) => server.close(done));
  return port;
}

describe('waitUntil', () => {
  it('returns the first defined value', async () => {
    let calls = 0;
    const ticks: number[] = [];
    const value = await waitUntil(async () => (++calls === 3 ? 'ready' : undefined), {
      timeoutMs: 1000,
      intervalMs: 1,
      describe: 'x',
      onTick: (ms) => ticks.push(ms),
    });
    expect(value).toBe('ready');
    expect(ticks).toHaveLength(2);
  });

  it('states the limit when it gives up', async () => {
    vi.useFakeTimers();
    const waiting = waitUntil(async () => undefined, {
      timeoutMs: 120_000,
      intervalMs: 1000,
      describe: 'the gateway on 127.0.0.1:8080',
      hint: 'see the logs',
    }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(121_000);
    const error = await waiting;
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toBeInstanceOf(OperationalError);
    expect((error as OperationalError).message).toBe('the gateway on 127.0.0.1:8080 not ready after 120 s');
    expect((error as OperationalError).hint).toBe('see the logs');
  });

  it('stops at once when the probe throws', async () => {
    await expect(
      waitUntil(async () => Promise.reject(new Error('container exited')), { timeoutMs: 10_000, intervalMs: 1, describe: 'x' }),
    ).rejects.toThrow('container exited');
  });
});

describe('probeHttp', () => {
  it('is true for any HTTP answer, 404 included', async () => {
    const server = http.createServer((_req, res) => {
      res.statusCode = 404;
      res.end('no route');
    });
    const port = await listen(server);
    expect(await probeHttp('127.0.0.1', port, 2000)).toBe(true);
    expect(await probeHttp('0.0.0.0', port, 2000)).toBe(true);
  });

  it('is false on a closed port', async () => {
    expect(await probeHttp('127.0.0.1', await closedPort(), 2000)).toBe(false);
  });

  it('is false when the connection is accepted but nothing answers in time', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    const port = await listen(server);
    closers.push(async () => sockets.forEach((s) => s.destroy()));
    const started = Date.now();
    expect(await probeHttp('127.0.0.1', port, 200)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reaches a wildcard bind address through loopback', () => {
    expect(connectHost('0.0.0.0')).toBe('127.0.0.1');
    expect(connectHost('::')).toBe('::1');
    expect(connectHost('192.168.1.5')).toBe('192.168.1.5');
  });
});

describe('ports', () => {
  it('sees a port something listens on as busy', async () => {
    const port = await listen(net.createServer());
    expect(await isPortFree('127.0.0.1', port)).toBe(false);
    expect(await isPortFree('0.0.0.0', port)).toBe(false);
  });

  it('sees a loopback bind clash with a wildcard listener', async () => {
    const port = await listen(net.createServer(), '0.0.0.0');
    expect(await isPortFree('127.0.0.1', port)).toBe(false);
  });

  it('lists only the busy ports', async () => {
    const busy = await listen(net.createServer());
    const free = await closedPort();
    expect(await isPortFree('127.0.0.1', free)).toBe(true);
    expect(await findBusyPorts('127.0.0.1', [free, busy, busy])).toEqual([busy]);
  });
});
