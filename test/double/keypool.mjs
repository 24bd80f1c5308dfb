// Gateway double (TEST EQUIPMENT): ai-proxy's key pool, failover and retry bookkeeping for one provider
// entry, as plugins/wasm-go/extensions/ai-proxy/provider/{provider.go,failover.go,retry.go} state it.
//   token choice   failover off: a random token of apiTokens per request (provider.go:804-815).
//                  failover on: a random token of the AVAILABLE list; none available -> a random unavailable
//                  one (failover.go:533-551, used by SetApiTokenInUse :607-617).
//   failure        status matched with regexp.MatchString (unanchored) against failoverOnStatus
//                  (util/string.go:16-24, failover.go:581-585); a token still available counts one failure;
//                  at failureThreshold it moves to the unavailable list and its count resets (:335-364).
//   success        a 200 answer resets the token's failure count (main.go:354, failover.go:485-496).
//   health check   every healthCheckInterval ms each unavailable token is probed with healthCheckModel; a 200
//                  counts one success, at successThreshold it is back (failover.go:149-184, :314-333).
//   retry          on a status matched by retryOnStatus, non-streaming only: the failed token is dropped from
//                  this request's list and a random remaining one is used, up to maxRetries; none left -> no
//                  retry (failover.go:586-594, retry.go:80-160). Retry answers do not count for failover.
//   defaults       failover.go:80-107, retry.go:31-47 (empty status lists mean 4.* and 5.*).
//   config change  shared state is reset (failover.go:135-137): a new pool starts with every token available.
//   logs           `log(level, message)` gets ai-proxy's own lines, with the full token as it writes them:
//                  warn "apiToken:<t> need failover, error status:<s>" on every first answer whose status is in
//                  failoverOnStatus, taken out or not (failover.go:581-584); info "failover: apiToken <t> is
//                  unavailable now, remove it from apiTokens list" when taken out (:354); info "healthcheck after
//                  failover: apiToken <t> is available now, add it back to the apiTokens list" when back (:323).

const matchStatus = (status, patterns) => patterns.some((p) => new RegExp(p).test(String(status)));

export function failoverSettings(entry) {
  const f = entry?.failover;
  if (!f?.enabled) return undefined;
  return {
    failureThreshold: Number(f.failureThreshold) || 3,
    successThreshold: Number(f.successThreshold) || 1,
    healthCheckInterval: Number(f.healthCheckInterval) || 5000,
    healthCheckTimeout: Number(f.healthCheckTimeout) || 5000,
    healthCheckModel: String(f.healthCheckModel ?? ''),
    failoverOnStatus: Array.isArray(f.failoverOnStatus) && f.failoverOnStatus.length ? f.failoverOnStatus.map(String) : ['4.*', '5.*'],
  };
}

export function retrySettings(entry) {
  const r = entry?.retryOnFailure;
  if (!r?.enabled) return undefined;
  return {
    maxRetries: Number(r.maxRetries) || 1,
    retryOnStatus: Array.isArray(r.retryOnStatus) && r.retryOnStatus.length ? r.retryOnStatus.map(String) : ['4.*', '5.*'],
  };
}

export function createKeyPool(entry, random = Math.random, log = () => {}) {
  const tokens = Array.isArray(entry?.apiTokens) ? entry.apiTokens.map(String) : [];
  const failover = failoverSettings(entry);
  const retry = retrySettings(entry);
  let available = [...tokens];
  let unavailable = [];
  const failures = new Map();
  const successes = new Map();
  const pick = (list) => (list.length === 0 ? undefined : list.length === 1 ? list[0] : list[Math.floor(random() * list.length)]);

  return {
    failover,
    retry,
    available: () => [...available],
    unavailable: () => [...unavailable],
    /** The token for a new request. */
    choose() {
      if (!failover) return pick(tokens);
      return available.length ? pick(available) : pick(unavailable);
    },
    /** The tokens a retry of this request may use (SetAvailableApiTokens, failover.go:559-567). */
    requestTokens: () => (failover ? [...available] : [...tokens]),
    /** A finished request (or retry) with `token` answered `status`. */
    record(token, status) {
      if (!failover) return;
      if (Number(status) === 200) {
        failures.delete(token);
        return;
      }
      if (!matchStatus(status, failover.failoverOnStatus)) return;
      log('warn', `apiToken:${token} need failover, error status:${status}`);
      if (!available.includes(token)) return;
      const count = (failures.get(token) ?? 0) + 1;
      if (count >= failover.failureThreshold) {
        log('info', `failover: apiToken ${token} is unavailable now, remove it from apiTokens list`);
        available = available.filter((t) => t !== token);
        unavailable.push(token);
        failures.delete(token);
      } else failures.set(token, count);
    },
    /** One health-check answer for an unavailable token. */
    recordHealthCheck(token, status) {
      if (Number(status) !== 200 || !unavailable.includes(token)) return;
      const count = (successes.get(token) ?? 0) + 1;
      if (count >= failover.successThreshold) {
        log('info', `healthcheck after failover: apiToken ${token} is available now, add it back to the apiTokens list`);
        unavailable = unavailable.filter((t) => t !== token);
        available.push(token);
        successes.delete(token);
      } else successes.set(token, count);
    },
    /** Whether this answer is retried, and with which token (undefined: no retry). */
    retryToken(status, streaming, tried) {
      // The first failure must match retryOnStatus; a failed retry is retried on any non-200 (retry.go:89-101).
      if (!retry || streaming || Number(status) === 200) return undefined;
      if (tried.length === 1 && !matchStatus(status, retry.retryOnStatus)) return undefined;
      if (tried.length > retry.maxRetries) return undefined;
      return pick(this.requestTokens().filter((t) => !tried.includes(t)));
    },
  };
}
