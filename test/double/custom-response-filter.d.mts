// Types for the tests that import the double's custom_response filter (test/unit/double/).
export interface RedirectPolicy {
  maxInternalRedirects: number;
  keepOriginalResponseCode: boolean;
  onlyRedirectUpstreamCode: boolean;
  useOriginalRequestBody: boolean;
  requestHeadersToAdd: { key: string; value: string; append: boolean }[];
  responseHeadersToAdd: { key: string; value: string; append: boolean }[];
}
export type Decision =
  | { action: 'pass' }
  | { action: 'finish'; headers: Record<string, string>; status?: number }
  | { action: 'redirect'; requestHeaders: Record<string, string>; body: boolean; commit: () => void };
export function customResponseFilterInChain(envoyFilters: unknown[]): boolean;
export function routeCustomResponse(envoyFilters: unknown[], routeName: string): Record<string, any> | undefined;
export function redirectPolicyFor(config: unknown, status: number): RedirectPolicy | undefined;
export function onAnswer(input: { envoyFilters: unknown[]; routeName: string | undefined; status: number; fromUpstream: boolean; state: Record<string, any> }): Decision;
