// The double decodes files as the real apiserver does (test/double/yaml11.mjs): go-yaml v2 (YAML 1.1) scalars,
// sigs.k8s.io/yaml keys, typed metadata. Expected values are go-yaml v2.4.0 resolve.go's, written out here.
import { describe, expect, test } from 'vitest';
import { decodeResource, resolvePlain } from '../../double/yaml11.mjs';
import { GO_YAML_V2 } from '../../helpers/yaml11-table.js';

describe('the double resolves plain scalars like go-yaml v2', () => {
  test.each(GO_YAML_V2)('%j', (text, expected) => {
    expect(resolvePlain(text)).toEqual(expected);
  });
  test('.nan is NaN', () => expect(Number.isNaN(resolvePlain('.nan'))).toBe(true));
});

const ingress = (annotation: string) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  annotations:
    higress.io/destination: "llm-x.internal.dns:443"
    higress.io/prefix-match-header-x-higress-llm-model: ${annotation}
  name: ai-route-x.internal
  resourceVersion: "1"
`;

describe('the double decodes a resource as the apiserver does', () => {
  test('quoted values stay strings; plain ones resolve by YAML 1.1; an `on` key becomes "true"', () => {
    const obj = decodeResource(
      `apiVersion: v1
kind: WasmPlugin
metadata:
  name: p
spec:
  tokens:
  - "on"
  - on
  - 'no'
  - no
  - 0777
  - "0777"
  - |-
    y
  - !!str y
  on: plain-key
  1_000: int-key
  ~x: tilde-is-a-string-here
`,
      'wasmplugins',
    );
    expect(obj.spec.tokens).toEqual(['on', true, 'no', false, 511, '0777', 'y', 'y']);
    expect(obj.spec.true).toBe('plain-key');
    expect(obj.spec['1000']).toBe('int-key');
    expect(obj.spec['~x']).toBe('tilde-is-a-string-here');
  });

  test('an annotation that decodes to a non-string rejects the whole Ingress', () => {
    expect(decodeResource(ingress('"on"'), 'ingresses').metadata.annotations['higress.io/prefix-match-header-x-higress-llm-model']).toBe('on');
    for (const special of ['on', 'no', 'y', '0b101', '0777', '1_000', '~', 'null', '2024-01-02']) {
      if (special === '2024-01-02') {
        // a timestamp becomes its RFC 3339 text: still a string, but not the one written
        expect(decodeResource(ingress(special), 'ingresses').metadata.annotations['higress.io/prefix-match-header-x-higress-llm-model']).toBe('2024-01-02T00:00:00Z');
        continue;
      }
      expect(() => decodeResource(ingress(special), 'ingresses'), special).toThrow(/cannot unmarshal/);
    }
  });

  test('labels, ConfigMap data and resourceVersion are typed too; .inf cannot become JSON', () => {
    expect(() => decodeResource('metadata:\n  name: a\n  labels:\n    built-in: true\n', 'wasmplugins')).toThrow(/labels/);
    expect(() => decodeResource('metadata:\n  name: a\ndata:\n  initialized: false\n', 'configmaps')).toThrow(/data/);
    expect(decodeResource('metadata:\n  name: a\ndata:\n  initialized: "false"\n', 'configmaps').data.initialized).toBe('false');
    expect(() => decodeResource('metadata:\n  name: a\n  resourceVersion: 1\n', 'ingresses')).toThrow(/resourceVersion/);
    expect(() => decodeResource('metadata:\n  name: a\nspec:\n  timeout: .inf\n', 'wasmplugins')).toThrow(/unsupported value/);
  });
});
