// Types for the unit tests that prove the double's routing (test/unit/double/routing.test.ts).
export interface DoubleRoute {
  name: string;
  obj: any;
  host: string;
  pathType: 'Exact' | 'Prefix';
  path: string;
  methods: string[];
  headers: Map<string, { kind: string; value: string }>;
}
export function buildRoutes(ingresses: { name: string; obj: any }[]): { routes: DoubleRoute[]; duplicated: { ingress: string; keptBy: string }[] };
export function firstRoute(table: { routes: DoubleRoute[] }, request: { pathname: string; method: string; headers: Record<string, string> }): DoubleRoute | undefined;
export function mapModel(mapping: Record<string, string> | undefined, model: string): string;
export function customResponseFor(plugins: any[], routeName: string): { status: number; headers: Record<string, string>; body: string } | undefined;
export function re2(pattern: string): any;
export function goReplaceAll(re: any, text: string, template: string): string;
