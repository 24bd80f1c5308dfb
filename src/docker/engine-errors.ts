import { OperationalError } from '../core/errors.js';

/** HTTP status of an Engine API error (docker-modem sets statusCode); decisions use this, never the message. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The engine's own message for display: its JSON body when there is one. */
export function reasonOf(error: unknown): string {
  const e = error as { json?: { message?: unknown }; message?: unknown; code?: unknown } | null;
  if (e && typeof e.json?.message === 'string') return e.json.message.trim();
  if (e && typeof e.message === 'string' && e.message) {
    // docker-modem prefixes "(HTTP code 404) unexpected - "; the status is already in statusCode.
    return e.message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
  }
  if (e && typeof e.code === 'string') return e.code;
  return String(error);
}

export function engineFailure(what: string, error: unknown, hint?: string): OperationalError {
  return new OperationalError(`${what}: ${reasonOf(error)}`, { hint, cause: error, code: 'engine.failed' });
}
