// Types for the unit tests that prove the double's key pool (test/unit/double/keypool.test.ts).
export interface KeyPool {
  failover: { failureThreshold: number; successThreshold: number; healthCheckInterval: number; healthCheckTimeout: number; healthCheckModel: string; failoverOnStatus: string[] } | undefined;
  retry: { maxRetries: number; retryOnStatus: string[] } | undefined;
  available(): string[];
  unavailable(): string[];
  choose(): string | undefined;
  requestTokens(): string[];
  record(token: string, status: number): void;
  recordHealthCheck(token: string, status: number): void;
  retryToken(status: number, streaming: boolean, tried: string[]): string | undefined;
}
export function failoverSettings(entry: any): KeyPool['failover'];
export function retrySettings(entry: any): KeyPool['retry'];
export function createKeyPool(entry: any, random?: () => number, log?: (level: 'warn' | 'info', message: string) => void): KeyPool;
