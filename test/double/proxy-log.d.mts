// Types for the unit tests that prove the double's gateway log lines (test/unit/double/dataplane-timeouts-logs.test.ts).
export function passes(level: string, threshold?: string): boolean;
export function wasmLogLine(line: { time?: Date; level: string; plugin: string; pluginId?: string; requestId?: string; message: string; resource?: string }): string;
