/** One line of the gateway's JSON access log, reduced to what `usage` counts. */

export interface AccessEntry {
  /** Epoch ms of `start_time`. */
  time: number;
  responseCode: number;
  /** `duration` in ms. */
  durationMs: number;
  /** Provider id from `upstream_cluster` (`outbound|443||llm-<id>.internal.dns`), or '(none)' when unrouted. */
  provider: string;
  /** `ai_log.model`, or '(none)' when the request carried none. */
  model: string;
  /** `ai_log.consumer`: the access key's name, logged by ai-statistics once access keys are on; else '(none)'. */
  consumer: string;
  /** An LLM request: AI statistics logged it, it went to an `llm-*` upstream, or its path is an API path. */
  llm: boolean;
  inputTokens: number;
  outputTokens: number;
}

export type ParsedLine =
  | { kind: 'entry'; entry: AccessEntry }
  /** Not an access-log line at all (a component's own message in gateway.log): ignored. */
  | { kind: 'other' }
  /** Looks like an access-log line but cannot be read. */
  | { kind: 'malformed'; reason: string };

/** OpenAI-style and provider-native API paths; a readiness probe (`GET /`) or a console page is none of these. */
const API_PATH = /^\/(v\d+(beta)?|api|compatible-mode|openai)\/|completions|embeddings|messages|generateContent/;
const CLUSTER = /(?:^|\|)llm-([^|]+?)\.internal(?:\.(?:dns|static))?$/;

export const NONE = '(none)';

export function providerOfCluster(cluster: unknown): string {
  if (typeof cluster !== 'string' || cluster === '' || cluster === '-') return NONE;
  const m = CLUSTER.exec(cluster);
  if (m) return m[1]!;
  // Not one of ours (e.g. a console or custom route): keep the service part so it is still visible.
  const parts = cluster.split('|');
  return parts[parts.length - 1] || cluster;
}

const num = (value: unknown): number => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : NaN;
};

export function parseAccessLine(line: string): ParsedLine {
  const text = line.trim();
  if (text === '') return { kind: 'other' };
  if (text[0] !== '{') return { kind: 'other' };
  let raw: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { kind: 'malformed', reason: 'not a JSON object' };
    raw = value as Record<string, unknown>;
  } catch {
    return { kind: 'malformed', reason: 'not valid JSON' };
  }
  const time = typeof raw.start_time === 'string' ? Date.parse(raw.start_time) : NaN;
  if (!Number.isFinite(time)) return { kind: 'malformed', reason: 'no start_time' };
  const responseCode = num(raw.response_code);
  if (!Number.isFinite(responseCode)) return { kind: 'malformed', reason: 'no response_code' };
  const durationMs = num(raw.duration);

  let model = NONE;
  let consumer = NONE;
  let inputTokens = 0;
  let outputTokens = 0;
  let ai: unknown = raw.ai_log;
  if (typeof ai === 'string') {
    if (ai === '' || ai === '-') ai = undefined;
    else {
      try {
        ai = JSON.parse(ai);
      } catch {
        return { kind: 'malformed', reason: 'ai_log is not valid JSON' };
      }
      if (ai === null || typeof ai !== 'object') return { kind: 'malformed', reason: 'ai_log is not a JSON object' };
    }
  }
  // An object is tolerated too (a logger that did not stringify it).
  if (ai !== null && typeof ai === 'object') {
    const a = ai as Record<string, unknown>;
    if (typeof a.model === 'string' && a.model !== '') model = a.model;
    if (typeof a.consumer === 'string' && a.consumer !== '') consumer = a.consumer;
    inputTokens = Math.max(0, num(a.input_token) || 0);
    outputTokens = Math.max(0, num(a.output_token) || 0);
  }

  return {
    kind: 'entry',
    entry: {
      time,
      responseCode,
      durationMs: Number.isFinite(durationMs) ? durationMs : NaN,
      provider: providerOfCluster(raw.upstream_cluster),
      model,
      consumer,
      llm: model !== NONE || (typeof raw.upstream_cluster === 'string' && CLUSTER.test(raw.upstream_cluster)) || API_PATH.test(String(raw.path ?? '')),
      inputTokens,
      outputTokens,
    },
  };
}
