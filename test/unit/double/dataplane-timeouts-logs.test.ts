// The double's data path on its own (test/double/dataplane.mjs, keypool.mjs, proxy-log.mjs): first-byte timeout
// as ai-proxy sets it (provider.go:1147-1154), `timeout` left to ai-proxy's side calls (provider.go:315-317), and
// ai-proxy's failover log lines at the levels failover.go writes them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDataPlane } from '../../double/dataplane.mjs';
import { passes, wasmLogLine } from '../../double/proxy-log.mjs';
import { createKeyPool } from '../../double/keypool.mjs';
import { Store } from '../../double/store.mjs';
import { renderDataFolder } from '../../helpers/data-folder.js';

let upstream: http.Server;
let upstreamPort = 0;
let delayMs = 0;
const seenHeaders: http.IncomingHttpHeaders[] = [];

async function gatewayOn(startArgs: string[]) {
  const data = mkdtempSync(join(tmpdir(), 'gag-double-'));
  await renderDataFolder(data, ['--ollama-host', '10.99.0.1', '--ollama-port', String(upstreamPort), '--ollama-key', 'key-1,key-2', ...startArgs]);
  // Our CLI refuses loopback for ollama (the container cannot reach it); the double runs in-process here.
  const bridge = join(data, 'mcpbridges/default.yaml');
  writeFileSync(bridge, readFileSync(bridge, 'utf8').replace('10.99.0.1', '127.0.0.1'));
  const store = new Store({ dataDir: data, apiserverLog: join(data, 'apiserver.log') });
  store.loadAll();
  const access: any[] = [];
  const logged: any[] = [];
  const server = http.createServer(createDataPlane({ store, writeAccessLog: (e: any) => access.push({ ...e }), writeGatewayLog: (l: any) => logged.push(l) }) as any);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const chat = async (stream: boolean) => {
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3.2', stream, messages: [{ role: 'user', content: 'hi' }] }),
    });
    return { status: res.status, text: await res.text() };
  };
  return { chat, access, logged, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    seenHeaders.push(req.headers);
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        if (String(req.headers.authorization).endsWith('key-2')) {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end('{"error":"down"}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}');
      }, delayMs),
    );
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  upstreamPort = (upstream.address() as AddressInfo).port;
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

describe('double: timeouts (ai-proxy provider.go)', () => {
  test('firstByteTimeout ends a streaming request whose upstream is silent with 504 UT; a non-streaming one waits', async () => {
    const gw = await gatewayOn(['--ollama-first-byte-timeout-ms', '300', '--ollama-models', '*']);
    delayMs = 900;
    try {
      const started = Date.now();
      const slowStream = await gw.chat(true);
      expect(slowStream.status).toBe(504);
      expect(slowStream.text).toBe('upstream request timeout');
      expect(Date.now() - started).toBeLessThan(850);
      expect(gw.access.at(-1)).toMatchObject({ response_code: 504, response_flags: 'UT', upstream_cluster: expect.stringMatching(/\|llm-ollama\.internal\.static$/) });
      // isStreamingAPI is false without stream: true, so the header is not set and nothing times out.
      expect((await gw.chat(false)).status).not.toBe(504);
      delayMs = 0;
      expect([200, 503]).toContain((await gw.chat(true)).status);
      expect(seenHeaders.some((h) => 'x-envoy-upstream-rq-first-byte-timeout-ms' in h)).toBe(false);
    } finally {
      delayMs = 0;
      await gw.close();
    }
  }, 20_000);

  test('`timeout` does not bound the forwarded request (provider.go:316: only ai-proxy\'s context calls)', async () => {
    const gw = await gatewayOn(['--ollama-timeout-ms', '200', '--ollama-models', '*']);
    delayMs = 600;
    try {
      expect((await gw.chat(false)).status).not.toBe(504);
    } finally {
      delayMs = 0;
      await gw.close();
    }
  }, 20_000);
});

describe('double: ai-proxy failover log lines (failover.go)', () => {
  test('warn on every failed answer with a failover status, info when taken out and when back; full tokens, as written', () => {
    const lines: [string, string][] = [];
    const pool = createKeyPool({ apiTokens: ['a', 'b'], failover: { enabled: true, healthCheckModel: 'm', failureThreshold: 2, failoverOnStatus: ['^5.*$'] } }, Math.random, (level, message) => lines.push([level, message]));
    pool.record('b', 400); // not a failover status: no line (failover.go:582)
    pool.record('b', 503);
    pool.record('b', 503);
    pool.record('b', 503); // already out: still warned (:583 comes before the availability check :349)
    pool.recordHealthCheck('b', 200);
    expect(lines).toEqual([
      ['warn', 'apiToken:b need failover, error status:503'],
      ['warn', 'apiToken:b need failover, error status:503'],
      ['info', 'failover: apiToken b is unavailable now, remove it from apiTokens list'],
      ['warn', 'apiToken:b need failover, error status:503'],
      ['info', 'healthcheck after failover: apiToken b is available now, add it back to the apiTokens list'],
    ]);
  });

  test('Envoy drops plugin lines below GATEWAY_LOG_LEVEL (default warning, start-gateway.sh:30)', () => {
    expect(passes('warn')).toBe(true);
    expect(passes('info')).toBe(false);
    expect(passes('info', 'info')).toBe(true);
    expect(passes('warn', 'error')).toBe(false);
    expect(wasmLogLine({ time: new Date(0), level: 'warn', plugin: 'ai-proxy', requestId: 'r1', message: 'm' })).toBe(
      '1970-01-01T00:00:00.000Z\twarning\tenvoy wasm\twasm log ai-proxy: [ai-proxy] [] [r1] m',
    );
  });

  test('the data path logs with the request id, and a health check without one', async () => {
    const gw = await gatewayOn(['--ollama-failover', '--ollama-health-check-model', 'llama3.2', '--ollama-failure-threshold', '1', '--ollama-models', '*']);
    try {
      for (let i = 0; i < 40 && !gw.logged.some((l) => l.level === 'info'); i++) await gw.chat(false);
      const warn = gw.logged.find((l) => l.level === 'warn');
      expect(warn).toMatchObject({ plugin: 'ai-proxy', message: 'apiToken:key-2 need failover, error status:503' });
      expect(warn.requestId).toMatch(/[0-9a-f-]{36}/);
      expect(gw.logged.find((l) => l.level === 'info')).toMatchObject({ message: 'failover: apiToken key-2 is unavailable now, remove it from apiTokens list' });
    } finally {
      await gw.close();
    }
  }, 20_000);
});
