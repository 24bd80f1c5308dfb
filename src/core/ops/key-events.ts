/**
 * What ai-proxy says in the gateway's own log (/var/log/higress/gateway.log) about the keys of a pool. It logs the
 * full key (failover.go), so lines are matched to the configured keys here and only ever shown masked:
 *   warn  "apiToken:<key> need failover, error status:<s>": every answer with a failover status (failover.go:581-584);
 *   info  "failover: apiToken <key> is unavailable now, remove it from apiTokens list": taken out (:354);
 *   info  "healthcheck after failover: apiToken <key> is available now, add it back to the apiTokens list": back (:323).
 * Envoy drops a plugin's line below its level (wasm-go wrapper/log_wrapper.go:73-82), which the image sets from
 * GATEWAY_LOG_LEVEL, default warning (start-gateway.sh:30): at that level only the failures are there.
 */

export type KeyEvent = { kind: 'failure'; key: string; status: string; time: number | null } | { kind: 'out' | 'back'; key: string; time: number | null };

const FAILURE = /\[ai-proxy\].*?apiToken:(\S+) need failover, error status:(\S+)/;
const OUT = /\[ai-proxy\].*?failover: apiToken (\S+) is unavailable now, remove it from apiTokens list/;
const BACK = /\[ai-proxy\].*?healthcheck after failover: apiToken (\S+) is available now, add it back to the apiTokens list/;
/** Istio's `2024-05-01T12:00:00.123456Z` or Envoy's `[2024-05-01 12:00:00.123]` at the start of the line (UTC). */
const TIME = /^\[?(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)Z?\]?/;

/** Log levels at which ai-proxy's "taken out" and "back" lines (info) reach the log. */
export const REMOVALS_LOGGED_AT = ['trace', 'debug', 'info'];

export function parseKeyEvent(line: string): KeyEvent | undefined {
  if (!line.includes('[ai-proxy]') || !line.includes('apiToken')) return undefined;
  const t = TIME.exec(line);
  const time = t ? Date.parse(`${t[1]}T${t[2]!.slice(0, 12)}Z`) : NaN;
  const at = Number.isFinite(time) ? time : null;
  let m = FAILURE.exec(line);
  if (m) return { kind: 'failure', key: m[1]!, status: m[2]!, time: at };
  m = OUT.exec(line);
  if (m) return { kind: 'out', key: m[1]!, time: at };
  m = BACK.exec(line);
  if (m) return { kind: 'back', key: m[1]!, time: at };
  return undefined;
}

export interface KeyState {
  /** Failures with a failover status since the window's start. */
  failures: number;
  /** The statuses of those failures, most frequent first (`{ "401": 3 }`). */
  failureStatuses: Record<string, number>;
  /** The last "taken out" or "back" line since the pool was last reset: true = out of the pool now. */
  out: boolean;
  /** When it was taken out or came back (ISO), if the log says. */
  changedAt: string | null;
}

/**
 * Sums key events for the configured keys only (a line about any other key is ignored, and no key leaves this
 * object unmasked: the caller gets states by the keys it passed). `resetAt`: ai-proxy forgets which keys are
 * out when its configuration changes (failover.go:133-138) or the gateway restarts, so older out/back lines
 * are no longer the state.
 */
export class KeyEventReader {
  private readonly states = new Map<string, KeyState>();

  constructor(
    keys: Iterable<string>,
    private readonly since: number,
    private readonly resetAt: number,
  ) {
    for (const key of keys) this.states.set(key, { failures: 0, failureStatuses: {}, out: false, changedAt: null });
  }

  addLine(line: string): void {
    const event = parseKeyEvent(line);
    const state = event && this.states.get(event.key);
    if (!event || !state) return;
    if (event.kind === 'failure') {
      if (event.time !== null && event.time < this.since) return;
      state.failures++;
      state.failureStatuses[event.status] = (state.failureStatuses[event.status] ?? 0) + 1;
      return;
    }
    if (event.time !== null && event.time < this.resetAt) return;
    state.out = event.kind === 'out';
    state.changedAt = event.time === null ? null : new Date(event.time).toISOString();
  }

  state(key: string): KeyState | undefined {
    return this.states.get(key);
  }
}
