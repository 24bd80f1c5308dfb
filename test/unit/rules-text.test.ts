// route add/remove as a text edit of model-router (src/core/rules-text.ts): comments and unknown fields kept,
// resourceVersion bumped, the same rules as the Document path, and the Document path whenever the text is
// not the simple shape the text edit understands.
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { FILES, GatewayFiles, type AutoRouting } from '../../src/core/gateway-files.js';
import { editRulesText } from '../../src/core/rules-text.js';

const ROUTER = `# model-router, edited by hand
apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: model-router.internal
  namespace: higress-system
  resourceVersion: "7"
spec:
  defaultConfig:
    modelToHeader: x-higress-llm-model
    autoRouting:
      enable: true
      defaultModel: qwen-turbo
      rules:
        # thinking first
        - pattern: (?i)^(think|deep)
          model: deepseek-reasoner # the strong one
          note: kept by hand
        - pattern: (?i)^(code)
          model: qwen-coder
        # then translation
        - pattern: (?i)^(translate)
          model: qwen-mt
    extraField: stays
  phase: UNSPECIFIED_PHASE
`;

async function filesWith(router: string) {
  return GatewayFiles.load(async (path) => (path === FILES.modelRouter ? router : null), { editable: true });
}

async function afterChange(router: string, change: (routing: AutoRouting) => AutoRouting) {
  const files = await filesWith(router);
  files.setAutoRouting(change(files.autoRouting()));
  const written = files.changes().find((c) => c.path === FILES.modelRouter);
  return written!.content!;
}

const rule = (pattern: string, model: string) => ({ pattern, model });
const spliced = <T>(list: T[], index: number, remove: number, ...add: T[]) => [...list.slice(0, index), ...add, ...list.slice(index + remove)];
const insertAt = (index: number, r = rule('(?i)^(say "hi" \\d)', 'm-new')) => (routing: AutoRouting) => ({ ...routing, rules: spliced(routing.rules, index, 0, r) });
const removeAt = (index: number) => (routing: AutoRouting) => ({ ...routing, rules: spliced(routing.rules, index, 1) });

/** The lines of `before` appear in `after` in the same order (nothing of the person's file is lost). */
function keepsLines(before: string, after: string, except: (line: string) => boolean = () => false) {
  const rest = after.split('\n');
  let at = 0;
  for (const line of before.split('\n').filter((l) => !except(l))) {
    const found = rest.indexOf(line, at);
    expect(found, `line kept: ${line}`).toBeGreaterThanOrEqual(0);
    at = found + 1;
  }
}

describe('route add as a text edit', () => {
  test.each([0, 1, 3])('inserts at %i: only the new rule and the version line change', async (index) => {
    const after = await afterChange(ROUTER, insertAt(index));
    const parsed = parse(after);
    expect(parsed.metadata.resourceVersion).toBe('8');
    expect(after).toContain('resourceVersion: "8"');
    expect(parsed.spec.defaultConfig.autoRouting.rules[index]).toEqual(rule('(?i)^(say "hi" \\d)', 'm-new'));
    expect(parsed.spec.defaultConfig.autoRouting.rules).toHaveLength(4);
    expect(parsed.spec.defaultConfig.autoRouting.rules[index === 0 ? 1 : 0].note).toBe('kept by hand');
    keepsLines(ROUTER, after, (l) => l.includes('resourceVersion'));
    expect(after.split('\n')).toHaveLength(ROUTER.split('\n').length + 2);
  });

  test('gives the same configuration as the Document path', async () => {
    const text = await afterChange(ROUTER, insertAt(2));
    // Flow style is outside the text edit's shape: the same change then goes through the Document path.
    const flow = ROUTER.replace(/      rules:\n[\s\S]*?(?=    extraField)/, '      rules: [{pattern: "(?i)^(think|deep)", model: deepseek-reasoner}, {pattern: "(?i)^(code)", model: qwen-coder}, {pattern: "(?i)^(translate)", model: qwen-mt}]\n');
    const viaDocument = await afterChange(flow, insertAt(2));
    const rulesOf = (t: string) => parse(t).spec.defaultConfig.autoRouting.rules.map((r: { pattern: string; model: string }) => rule(r.pattern, r.model));
    expect(rulesOf(text)).toEqual(rulesOf(viaDocument));
    expect(parse(viaDocument).metadata.resourceVersion).toBe('8');
  });
});

describe('route remove as a text edit', () => {
  test.each([0, 1, 2])('removes rule %i and its own lines only', async (index) => {
    const before = parse(ROUTER).spec.defaultConfig.autoRouting.rules;
    const after = await afterChange(ROUTER, removeAt(index));
    const parsed = parse(after);
    expect(parsed.metadata.resourceVersion).toBe('8');
    expect(parsed.spec.defaultConfig.autoRouting.rules).toEqual(spliced(before, index, 1));
    // Comments that lead into the next rule stay with it.
    expect(after).toContain('# then translation');
    expect(after).toContain('# model-router, edited by hand');
  });
});

describe('the Document path takes over when the text is not the simple shape', () => {
  const routing = () => parse(ROUTER).spec.defaultConfig.autoRouting;
  const plain = parse(ROUTER);
  const next = (rules: { pattern: string; model: string }[], enabled = true, defaultModel = 'qwen-turbo') => ({ enabled, defaultModel, rules });
  const current = () => routing().rules.map((r: { pattern: string; model: string }) => rule(r.pattern, r.model));

  test('a change that is more than one insertion or removal, or touches enable or the default model', () => {
    expect(editRulesText(ROUTER, plain, next([...current(), rule('a', 'b'), rule('c', 'd')]), parse)).toBeNull();
    expect(editRulesText(ROUTER, plain, next(spliced(current(), 0, 1, rule('x', 'y'))), parse)).toBeNull();
    expect(editRulesText(ROUTER, plain, next([...current(), rule('a', 'b')], false), parse)).toBeNull();
    expect(editRulesText(ROUTER, plain, next([...current(), rule('a', 'b')], true, 'other'), parse)).toBeNull();
    expect(editRulesText(ROUTER, plain, next([...current(), rule('a', 'b')]), parse)).not.toBeNull();
  });

  test('an edit whose text does not read back as meant (a rule, a nested value, or anything around the rules)', () => {
    const wanted = next([...current(), rule('a', 'b')]);
    const misread = (change: (value: any) => void) => (text: string) => {
      const value = parse(text);
      change(value);
      return value;
    };
    expect(editRulesText(ROUTER, plain, wanted, parse)).not.toBeNull();
    expect(editRulesText(ROUTER, plain, wanted, misread((v) => (v.spec.defaultConfig.autoRouting.rules[1].model = 'other')))).toBeNull();
    expect(editRulesText(ROUTER, plain, wanted, misread((v) => (v.spec.defaultConfig.autoRouting.rules[3].extra = 1)))).toBeNull();
    expect(editRulesText(ROUTER, plain, wanted, misread((v) => (v.spec.defaultConfig.autoRouting.rules[0].note = { by: 'hand' })))).toBeNull();
    expect(editRulesText(ROUTER, plain, wanted, misread((v) => (v.spec.defaultConfig.extraField = 'changed')))).toBeNull();
    expect(editRulesText(ROUTER, plain, wanted, misread((v) => v.spec.defaultConfig.autoRouting.rules.pop()))).toBeNull();
    const nested = ROUTER.replace('          note: kept by hand', '          note: { by: hand }');
    expect(editRulesText(nested, parse(nested), wanted, parse)).not.toBeNull();
    expect(editRulesText(nested, parse(nested), wanted, misread((v) => (v.spec.defaultConfig.autoRouting.rules[0].note.by = 'other')))).toBeNull();
  });

  test('CRLF line ends, no resourceVersion, the last rule removed', async () => {
    expect(editRulesText(ROUTER.replaceAll('\n', '\r\n'), plain, next([...current(), rule('a', 'b')]), parse)).toBeNull();
    const unversioned = ROUTER.replace('  resourceVersion: "7"\n', '');
    expect(editRulesText(unversioned, parse(unversioned), next([...current(), rule('a', 'b')]), parse)).toBeNull();
    expect(parse(await afterChange(unversioned, insertAt(0))).metadata.resourceVersion).toBe('1');
    const one = ROUTER.replace(/        - pattern: \(\?i\)\^\(code\)[\s\S]*?(?=    extraField)/, '');
    const emptied = parse(await afterChange(one, removeAt(0)));
    expect(emptied.spec.defaultConfig.autoRouting.rules).toBeUndefined();
  });
});

test('1000 rules: one rule added and removed again leaves the file as it was but for the version', async () => {
  const files = await GatewayFiles.empty();
  files.setAutoRouting({ enabled: true, defaultModel: 'qwen-turbo', rules: Array.from({ length: 1000 }, (_, i) => rule(`(?i)^(topic ${i})`, `model-${i}`)) });
  const original = files.changes().find((c) => c.path === FILES.modelRouter)!.content!;
  const added = await afterChange(original, insertAt(1000, rule('(?i)^(extra)', 'extra')));
  expect(parse(added).spec.defaultConfig.autoRouting.rules).toHaveLength(1001);
  const removed = await afterChange(added, removeAt(1000));
  const versionOf = (t: string) => /resourceVersion: "(\d+)"/.exec(t)![1];
  expect(removed.replace(/resourceVersion: "\d+"/, '')).toBe(original.replace(/resourceVersion: "\d+"/, ''));
  expect(Number(versionOf(removed))).toBe(Number(versionOf(original)) + 2);
});
