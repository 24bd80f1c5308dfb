// Types for the tests that import the double's data path (test/unit/double/).
export function providerConfigError(provider: Record<string, unknown>): string | undefined;
export function aiProxyStartError(plugin: unknown): string | undefined;
export function registryHasEndpoint(registry: Record<string, unknown>): boolean;
export function aiProxyRuleFor(plugin: unknown, service: string, routeName: string): Record<string, any> | undefined;
export function createDataPlane(deps: { store: { list(kind: string): { name: string; obj: any }[]; get(kind: string, name: string): any }; writeAccessLog: (entry: object) => void; writeGatewayLog?: (line: { level: string; plugin: string; requestId?: string; message: string }) => void }): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => Promise<void>;
