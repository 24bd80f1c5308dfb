// Types for the tests that import the double's decoder (test/unit/double/).
export function resolvePlain(text: string): unknown;
export function decodeResource(text: string, kind: string): any;
