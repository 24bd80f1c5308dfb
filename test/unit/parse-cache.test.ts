// Parses kept between commands (src/core/parse-cache.ts): used only for the exact text and build they were
// made from, never for files that hold keys, never changed by what readers do with them.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ParseCache } from '../../src/core/parse-cache.js';
import { tempDataFolder } from './store/helpers.js';

const ROUTE = 'ingresses/ai-route-deepseek.internal.yaml';
const kept = (folder: string) => join(folder, '.get-ai-gateway', 'parsed.json');

describe('kept parses', () => {
  test('used for the same text and build only; the file is 0600', () => {
    const folder = tempDataFolder();
    const first = ParseCache.open(folder, 'b1')!;
    expect(first.get(ROUTE, 'a: 1\n')).toBeUndefined();
    first.put(ROUTE, 'a: 1\n', { a: 1 });
    first.save([]);
    expect(statSync(kept(folder)).mode & 0o777).toBe(0o600);
    expect(ParseCache.open(folder, 'b1')!.get(ROUTE, 'a: 1\n')).toEqual({ value: { a: 1 } });
    expect(ParseCache.open(folder, 'b1')!.get(ROUTE, 'a: 2\n')).toBeUndefined();
    expect(ParseCache.open(folder, 'b2')!.get(ROUTE, 'a: 1\n')).toBeUndefined();
    expect(ParseCache.open(folder, undefined)).toBeUndefined();
  });

  test('files that hold keys and values JSON would change are never kept', () => {
    const folder = tempDataFolder();
    const cache = ParseCache.open(folder, 'b1')!;
    for (const path of ['wasmplugins/ai-proxy.internal.yaml', 'wasmplugins/key-auth.internal.yaml', 'configmaps/higress-console.yaml']) cache.put(path, 'k: sk-secret\n', { k: 'sk-secret' });
    cache.put('ingresses/nan.internal.yaml', 'x: .nan\n', { x: Number.NaN });
    cache.put('ingresses/date.internal.yaml', 'x: 2024-01-02\n', { x: new Date(0) });
    cache.put(ROUTE, 'a: 1\n', { a: 1 });
    cache.save([]);
    const text = readFileSync(kept(folder), 'utf8');
    expect(text).not.toContain('sk-secret');
    expect(Object.keys(JSON.parse(text).files)).toEqual([ROUTE]);
  });

  test('a changed file is dropped; a new text whose parse is known is kept; what a reader changes is not', () => {
    const folder = tempDataFolder();
    const cache = ParseCache.open(folder, 'b1')!;
    cache.put(ROUTE, 'a: 1\n', { a: 1 });
    cache.put('ingresses/other.internal.yaml', 'b: 1\n', { b: 1 });
    cache.save([]);
    const next = ParseCache.open(folder, 'b1')!;
    const handed = next.get(ROUTE, 'a: 1\n')!.value as { a: number };
    handed.a = 99; // a reader that changes what it got
    next.save(['ingresses/other.internal.yaml'], [{ path: 'wasmplugins/model-router.internal.yaml', text: 'r: []\n', plain: { r: [] } }]);
    const after = ParseCache.open(folder, 'b1')!;
    expect(after.get(ROUTE, 'a: 1\n')).toEqual({ value: { a: 1 } });
    expect(after.get('ingresses/other.internal.yaml', 'b: 1\n')).toBeUndefined();
    expect(after.get('wasmplugins/model-router.internal.yaml', 'r: []\n')).toEqual({ value: { r: [] } });
  });

  test('a damaged or foreign file is ignored, and replaced by the next save', () => {
    const folder = tempDataFolder();
    mkdirSync(join(folder, '.get-ai-gateway'), { recursive: true });
    writeFileSync(kept(folder), '{"format":1,"build":"b1","files":{"x": ');
    const cache = ParseCache.open(folder, 'b1')!;
    expect(cache.get(ROUTE, 'a: 1\n')).toBeUndefined();
    cache.put(ROUTE, 'a: 1\n', { a: 1 });
    cache.save([]);
    expect(ParseCache.open(folder, 'b1')!.get(ROUTE, 'a: 1\n')).toEqual({ value: { a: 1 } });
  });
});
