/** What doctor reports: one line per check, with what to do about it. */
export type Level = 'ok' | 'warn' | 'fail';

export interface Finding {
  check: string;
  status: Level;
  message: string;
  fix?: string;
}
