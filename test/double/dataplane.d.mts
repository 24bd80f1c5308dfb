// Types for the tests that import the double's data path (test/unit/double/).
export function providerConfigError(provider: Record<string, unknown>): string | undefined;
export function aiProxyStartError(plugin: unknown): string | undefined;
export function registryHasEndpoint(registry: Record<string, unknown>): boolean;
