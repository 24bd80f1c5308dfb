/**
 * TEST ONLY: a deterministic crash point for the reliability tests. With
 * `GET_AI_GATEWAY_FAULT=exit-after-op:N` the process SIGKILLs itself right after step N of a multi-file
 * change (0 = the journal is written, 1..n = the n-th rename or delete). Inert unless the variable is set.
 */
let steps = 0;
let target: number | null | undefined;

function faultTarget(): number | null {
  if (target === undefined) {
    const m = /^exit-after-op:(\d+)$/.exec(process.env.GET_AI_GATEWAY_FAULT ?? '');
    target = m ? Number(m[1]) : null;
  }
  return target;
}

/** Marks one step of a journaled change as done. */
export function stepDone(): void {
  const n = faultTarget();
  if (n === null) return;
  if (steps++ === n) process.kill(process.pid, 'SIGKILL');
}
