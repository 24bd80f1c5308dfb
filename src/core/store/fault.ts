/**
 * TEST ONLY: deterministic crash and interrupt points for the reliability tests, inert unless
 * `GET_AI_GATEWAY_FAULT` is set. Steps of a multi-file change: 0 = its journal is written, 1..n = its
 * n-th rename or delete.
 *   exit-after-op:N          the process SIGKILLs itself right after step N (a crash);
 *   signal-after-op:N:SIG    it sends itself SIG (e.g. SIGTERM) right after step N (an interrupt).
 */
let steps = 0;
let fault: { step: number; signal: NodeJS.Signals } | null | undefined;

function plannedFault(): { step: number; signal: NodeJS.Signals } | null {
  if (fault === undefined) {
    const spec = process.env.GET_AI_GATEWAY_FAULT ?? '';
    const crash = /^exit-after-op:(\d+)$/.exec(spec);
    const interrupt = /^signal-after-op:(\d+):(SIGINT|SIGTERM|SIGHUP)$/.exec(spec);
    fault = crash ? { step: Number(crash[1]), signal: 'SIGKILL' } : interrupt ? { step: Number(interrupt[1]), signal: interrupt[2] as NodeJS.Signals } : null;
  }
  return fault;
}

/** Marks one step of a journaled change as done. */
export function stepDone(): void {
  const planned = plannedFault();
  if (planned === null) return;
  if (steps++ === planned.step) process.kill(process.pid, planned.signal);
}
