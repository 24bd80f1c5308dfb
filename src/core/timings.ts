/**
 * Per-phase timings of one run, for `npm run bench`: with GET_AI_GATEWAY_TIMINGS=1 the process prints
 * `timings {"phase": ms, …}` to stderr at exit, each phase's end in ms since the process started.
 */
import { write } from '../ui/terminal.js';

const marks: Record<string, number> = {};

export function phaseDone(phase: string): void {
  if (!process.env.GET_AI_GATEWAY_TIMINGS) return;
  if (Object.keys(marks).length === 0) process.once('exit', () => write(2, `timings ${JSON.stringify(marks)}\n`));
  marks[phase] = Math.round(performance.now() * 10) / 10;
}
