/** One bounded HTTP request: does anything answer at this URL, and how fast? */
import http from 'node:http';
import https from 'node:https';

export type ProbeResult = { ok: true; status: number; ms: number } | { ok: false; error: string; ms: number };

/** Any HTTP answer (401 included) is ok; DNS, connect, TLS and the first byte together are bounded by `timeoutMs`. */
export function probeUrl(url: string, timeoutMs: number, method: 'GET' | 'HEAD' = 'GET'): Promise<ProbeResult> {
  const started = Date.now();
  const ms = () => Date.now() - started;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request?.destroy();
      resolve(result);
    };
    let request: http.ClientRequest | undefined;
    const timer = setTimeout(() => finish({ ok: false, error: `no answer within ${timeoutMs / 1000} s`, ms: ms() }), timeoutMs);
    try {
      const send = url.startsWith('https:') ? https.request : http.request;
      request = send(url, { method, timeout: timeoutMs, agent: false }, (response) => {
        response.resume();
        finish({ ok: true, status: response.statusCode ?? 0, ms: ms() });
      });
      request.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, error: error.code ?? error.message, ms: ms() }));
      request.end();
    } catch (error) {
      finish({ ok: false, error: (error as Error).message, ms: ms() });
    }
  });
}

/** `https://<registry>/v2/` (plain HTTP for loopback registries, which the engine also talks HTTP to). */
export function registryApiUrl(registry: string): string {
  if (/^https?:\/\//.test(registry)) return registry;
  const host = registry.split('/')[0]!;
  const scheme = /^(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$/.test(host) ? 'http' : 'https';
  return `${scheme}://${host}/v2/`;
}
