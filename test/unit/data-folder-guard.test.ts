import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { checkDataFolder, checkPurgeable, OUR_MARKER, purgeDataFolder } from '../../src/core/data-folder-guard.js';
import { UsageError } from '../../src/core/errors.js';
import { hashFolder } from '../helpers/folder-hash.js';

let root: string;
let home: string;
const savedHome = process.env.HOME;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gag-guard-'));
  home = join(root, 'home');
  mkdirSync(home);
  process.env.HOME = home;
});
afterEach(() => {
  process.env.HOME = savedHome;
});

const put = (path: string, text = 'x\n') => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
};

/** A home-like folder: personal files, plus a gateway's files because someone once used it as the data folder. */
function homeLikeWithGateway(dir: string): void {
  put(join(dir, 'notes.txt'), 'my notes\n');
  put(join(dir, 'photos', 'holiday.jpg'), 'jpeg');
  put(join(dir, '.bashrc'), 'export PATH\n');
  put(join(dir, 'configmaps', 'my-own-notes.txt'), 'mine, in a folder named like a kind\n');
  put(join(dir, '.ai-gateway-configured'), OUR_MARKER);
  put(join(dir, 'default.cfg'), 'MODE=full\n');
  put(join(dir, 'wasmplugins', 'ai-proxy.internal.yaml'), 'kind: WasmPlugin\n');
  put(join(dir, 'configmaps', 'higress-console.yaml'), 'kind: ConfigMap\n');
  put(join(dir, 'ingresses', 'ai-route-openai.internal.yaml'), 'kind: Ingress\n');
  put(join(dir, 'logs', 'access.log'), '{}\n');
  put(join(dir, '.get-ai-gateway', 'staging', 'x'), '');
}

describe('delete --purge on a home-like folder with personal files', () => {
  test('the real home folder is refused outright, whatever it holds', () => {
    homeLikeWithGateway(home);
    const before = hashFolder(home);
    expect(() => checkPurgeable(home)).toThrow(/it is your home folder/);
    expect(() => checkPurgeable('/')).toThrow(/file system root/);
    expect(hashFolder(home)).toBe(before);
  });

  test('a folder with our marker: only the gateway layout goes, personal files stay and are named', async () => {
    const dir = join(root, 'projects');
    homeLikeWithGateway(dir);
    // A symlink the user made, inside a kind folder: removed as a link at most, never followed.
    put(join(root, 'elsewhere', 'keep.yaml'), 'keep: me\n');
    symlinkSync(join(root, 'elsewhere'), join(dir, 'secrets'));
    expect(() => checkPurgeable(dir)).not.toThrow();
    const left = await purgeDataFolder(dir);
    expect(left).toEqual(['.bashrc', 'configmaps', 'notes.txt', 'photos', 'secrets']);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('my notes\n');
    expect(readFileSync(join(dir, 'photos', 'holiday.jpg'), 'utf8')).toBe('jpeg');
    expect(readFileSync(join(dir, 'configmaps', 'my-own-notes.txt'), 'utf8')).toContain('mine');
    expect(readFileSync(join(root, 'elsewhere', 'keep.yaml'), 'utf8')).toBe('keep: me\n');
    for (const gone of ['.ai-gateway-configured', 'default.cfg', 'wasmplugins', 'ingresses', 'logs', '.get-ai-gateway', 'configmaps/higress-console.yaml']) {
      expect(existsSync(join(dir, gone)), gone).toBe(false);
    }
  });

  test('a pure gateway folder is removed entirely', async () => {
    const dir = join(root, 'higress');
    put(join(dir, '.ai-gateway-configured'), OUR_MARKER);
    put(join(dir, 'wasmplugins', 'ai-proxy.internal.yaml'), 'kind: WasmPlugin\n');
    put(join(dir, 'logs', 'x.log'));
    expect(await purgeDataFolder(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  test("upstream's marker (empty, from the image's template) is not ours: refused", () => {
    const dir = join(root, 'upstream');
    put(join(dir, '.ai-gateway-configured'), '');
    put(join(dir, 'default.cfg'), 'MODE=full\n');
    expect(checkDataFolder(dir)).toBe('upstream');
    expect(() => checkPurgeable(dir)).toThrow(UsageError);
  });
});

describe('the data folder is ours or refused', () => {
  test.each([
    ['a new path', (r: string) => join(r, 'new'), 'absent'],
    ['an empty folder', (r: string) => (mkdirSync(join(r, 'empty')), join(r, 'empty')), 'empty'],
    ['a folder with only a stale lock of ours', (r: string) => (mkdirSync(join(r, 'l', '.get-ai-gateway.lock'), { recursive: true }), join(r, 'l')), 'empty'],
    ['our folder', (r: string) => (put(join(r, 'o', '.ai-gateway-configured'), OUR_MARKER), join(r, 'o')), 'ours'],
    ["upstream's folder (default.cfg)", (r: string) => (put(join(r, 'u', 'default.cfg')), join(r, 'u')), 'upstream'],
    ['a symlink to our folder', (r: string) => (put(join(r, 'o2', '.ai-gateway-configured'), OUR_MARKER), symlinkSync(join(r, 'o2'), join(r, 'link')), join(r, 'link')), 'ours'],
  ] as const)('%s → %s', (_name, make, expected) => {
    expect(checkDataFolder(make(root))).toBe(expected);
  });

  test.each([
    ['a folder of personal files', (r: string) => (put(join(r, 'p', 'cv.pdf')), join(r, 'p')), /not empty and holds no gateway configuration/],
    ['a file', (r: string) => (put(join(r, 'f')), join(r, 'f')), /is a file, not a folder/],
    ['a path under a file', (r: string) => (put(join(r, 'f')), join(r, 'f', 'x')), /inside a file/],
    ['a dangling symlink', (r: string) => (symlinkSync(join(r, 'none'), join(r, 'd')), join(r, 'd')), /symlink to nothing/],
    ['the home folder', () => home, /your home folder/],
    ['/', () => '/', /file system root/],
  ] as const)('%s is refused', (_name, make, message) => {
    expect(() => checkDataFolder(make(root))).toThrow(message);
  });
});
