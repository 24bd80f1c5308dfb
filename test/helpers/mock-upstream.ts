// A tiny OpenAI-compatible LLM provider for the e2e tests (test equipment). It listens on 0.0.0.0 so the
// gateway container can reach it through the host's docker bridge address (hostAddressForContainers()).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { dockerFor, loadTestBed, type TestBed } from './test-bed.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** parsed JSON body, or the raw text when it is not JSON, or undefined when empty */
  body: any;
  at: number;
}

export interface MockUpstream {
  port: number;
  requests: RecordedRequest[];
  /** forget the recorded requests */
  clear(): void;
  close(): Promise<void>;
}

export interface MockUpstreamOptions {
  /** answer a request yourself; return undefined to fall back to the default behaviour */
  respond?: (req: RecordedRequest) => { status: number; body: unknown; headers?: Record<string, string>; delayMs?: number } | undefined;
}

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

function messageText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  return messages
    .map((m) =>
      typeof m?.content === 'string'
        ? m.content
        : Array.isArray(m?.content)
          ? m.content.map((c: any) => (c?.type === 'text' ? String(c.text ?? '') : '')).join(' ')
          : '',
    )
    .join(' ');
}

export function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: any;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, at: Date.now() };
      requests.push(rec);

      const custom = options.respond?.(rec);
      if (custom) {
        const answer = () => {
          if (res.destroyed) return;
          res.writeHead(custom.status, { 'content-type': 'application/json', ...custom.headers });
          res.end(typeof custom.body === 'string' ? custom.body : JSON.stringify(custom.body));
        };
        if (custom.delayMs) setTimeout(answer, custom.delayMs).unref();
        else answer();
        return;
      }
      const pathname = rec.path.split('?')[0];
      if (req.method === 'POST' && pathname.endsWith('/chat/completions')) {
        const model = typeof body?.model === 'string' ? body.model : 'unknown';
        const content = `mock reply from ${model}`;
        const usage = {
          prompt_tokens: Math.max(1, words(messageText(body?.messages))),
          completion_tokens: words(content),
          total_tokens: 0,
        };
        usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
        const id = `chatcmpl-mock-${requests.length}`;
        const created = Math.floor(Date.now() / 1000);
        if (body?.stream === true) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const chunk = (delta: object, extra: object = {}) =>
            `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
          res.write(chunk({ role: 'assistant', content }));
          res.write(chunk({}, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage }));
          res.end('data: [DONE]\n\n');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id,
            object: 'chat.completion',
            created,
            model,
            choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
            usage,
          }),
        );
        return;
      }
      if (req.method === 'GET' && pathname.endsWith('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'mock-model', object: 'model', owned_by: 'mock' }] }));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `mock upstream: no handler for ${req.method} ${pathname}` } }));
    });
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        requests,
        clear: () => {
          requests.length = 0;
        },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * The IPv4 address at which containers on the default bridge reach this host (the bridge network's
 * gateway, usually 172.17.0.1): from the engine's `bridge` network, else from `ip -4 addr show docker0`.
 */
export async function hostAddressForContainers(bed: TestBed = loadTestBed()): Promise<string> {
  try {
    const info = await dockerFor(bed).getNetwork('bridge').inspect();
    const gateway = (info?.IPAM?.Config ?? []).map((c: { Gateway?: string }) => c.Gateway).find((g: unknown) =>
      typeof g === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(g),
    );
    if (gateway) return gateway;
    // Some engines (e.g. Debian's 20.10) report only the subnet: the bridge gateway is its first address,
    // which docker0 confirms below.
  } catch {
    /* fall back to the interface */
  }
  try {
    const out = execFileSync('ip', ['-4', 'addr', 'show', 'docker0'], { encoding: 'utf8' });
    const m = /inet (\d+\.\d+\.\d+\.\d+)/.exec(out);
    if (m) return m[1];
  } catch {
    /* reported below */
  }
  throw new Error('cannot find the docker bridge gateway address (no "bridge" network IPAM gateway, no docker0)');
}
