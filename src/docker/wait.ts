import { get as httpGet } from 'node:http';
import { OperationalError } from '../core/errors.js';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs: number;
  onTick?(elapsedMs: number): void;
  /** What is awaited, for the timeout message: "<describe> not ready after 120 s". */
  describe: string;
  hint?: string;
}

/** Thrown by waitUntil when the limit passes, so callers can clean up by type. */
export class WaitTimeoutError extends OperationalError {}

/**
 * Polls `probe` until it returns a value other than undefined. A probe that throws ends the wait at once
 * (e.g. the container exited); a probe that is merely not ready yet returns undefined.
 */
export async function waitUntil<T>(probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const started = Date.now();
  for (;;) {
    const result = await probe();
    if (result !== undefined) return result;
    const elapsed = Date.now() - started;
    options.onTick?.(elapsed);
    const remaining = options.timeoutMs - elapsed;
    if (remaining <= 0) {
      const limit = options.timeoutMs >= 1000 ? `${Math.round(options.timeoutMs / 1000)} s` : `${options.timeoutMs} ms`;
      throw new WaitTimeoutError(`${options.describe} not ready after ${limit}`, { hint: options.hint });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.intervalMs, remaining)));
  }
}

/** True when anything answers HTTP on host:port (any status, 404 included); false on refusal, reset or timeout. */
export function probeHttp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(answer);
    };
    const request = httpGet({ host: connectHost(host), port, path: '/', agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      finish(true);
    });
    request.on('error', () => finish(false));
    request.on('timeout', () => finish(false));
    // `timeout` above only covers idle sockets; this bounds the whole attempt.
    const timer = setTimeout(() => finish(false), timeoutMs);
  });
}

/** A wildcard bind address is reachable through loopback. */
export function connectHost(bindAddress: string): string {
  if (bindAddress === '0.0.0.0' || bindAddress === '') return '127.0.0.1';
  if (bindAddress === '::' || bindAddress === '[::]') return '::1';
  return bindAddress.replace(/^\[(.*)\]$/, '$1');
}
