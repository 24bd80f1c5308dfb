// bin/get-ai-gateway.js runs dist/ through V8's code cache: per command, per install, per build; a cache it
// cannot trust or use is never fatal. Each test runs a copy of the built package, so it can rebuild "its" dist.
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../helpers/cli.js';

const REPO = join(import.meta.dirname, '../..');
const VERSION = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version as string;

/** A copy of the package as npm installs it (bin, dist, templates, package.json). */
function installCopy(): string {
  const root = join(tempDir('gag-cache-'), 'get-ai-gateway');
  mkdirSync(root, { recursive: true });
  for (const part of ['bin', 'dist', 'package.json']) cpSync(join(REPO, part), join(root, part), { recursive: true });
  symlinkSync(join(REPO, 'templates'), join(root, 'templates'));
  return root;
}

async function run(install: string, cacheHome: string, args: string[], env: Record<string, string> = {}) {
  const res = await execa('node', [join(install, 'bin/get-ai-gateway.js'), ...args], {
    reject: false,
    stdin: 'ignore',
    env: { XDG_CACHE_HOME: cacheHome, CI: 'true', NO_COLOR: '1', ...env },
  });
  return { exitCode: res.exitCode, stdout: String(res.stdout), stderr: String(res.stderr) };
}

const cacheFiles = (cacheHome: string) => {
  try {
    return readdirSync(join(cacheHome, 'get-ai-gateway')).sort();
  } catch {
    return [];
  }
};

describe('the code cache', () => {
  test('is written on the first run, per command, 0600 in a 0700 folder, and reused as is', async () => {
    const install = installCopy();
    const cacheHome = tempDir();
    expect((await run(install, cacheHome, ['--version'])).stdout.trim()).toBe(VERSION);
    const help = await run(install, cacheHome, ['config', '--help']);
    expect(help.exitCode).toBe(0);
    const files = cacheFiles(cacheHome);
    expect(files.filter((f) => f.startsWith('cli.js@none@'))).toHaveLength(1);
    expect(files.filter((f) => f.startsWith('cli.js@config@'))).toHaveLength(1);
    expect(statSync(join(cacheHome, 'get-ai-gateway')).mode & 0o777).toBe(0o700);
    for (const f of files) expect(statSync(join(cacheHome, 'get-ai-gateway', f)).mode & 0o777, f).toBe(0o600);

    const before = files.map((f) => statSync(join(cacheHome, 'get-ai-gateway', f)).mtimeMs);
    const again = await run(install, cacheHome, ['config', '--help']);
    expect(again).toEqual(help);
    // Accepted by V8, so not written again.
    expect(cacheFiles(cacheHome).map((f) => statSync(join(cacheHome, 'get-ai-gateway', f)).mtimeMs)).toEqual(before);
  });

  test('a damaged cache is rejected, the command still works, and the cache is written again', async () => {
    const install = installCopy();
    const cacheHome = tempDir();
    const first = await run(install, cacheHome, ['config', 'list', '--data-folder', join(tempDir(), 'none')]);
    const [file] = cacheFiles(cacheHome).filter((f) => f.startsWith('cli.js@config-list@'));
    const path = join(cacheHome, 'get-ai-gateway', file!);
    writeFileSync(path, Buffer.alloc(4096, 7), { mode: 0o600 });
    const second = await run(install, cacheHome, ['config', 'list', '--data-folder', join(tempDir(), 'none')]);
    expect(second.exitCode).toBe(first.exitCode);
    expect(second.stderr.replace(/\/tmp\/\S+/g, '')).toBe(first.stderr.replace(/\/tmp\/\S+/g, ''));
    expect(readFileSync(path).equals(Buffer.alloc(4096, 7))).toBe(false);
  });

  test('a rebuilt bundle gets new caches and its old ones go; another install keeps its own', async () => {
    const [one, two] = [installCopy(), installCopy()];
    const cacheHome = tempDir();
    await run(one, cacheHome, ['--version']);
    await run(two, cacheHome, ['--version']);
    const initial = cacheFiles(cacheHome).filter((f) => f.startsWith('cli.js@none@'));
    expect(initial).toHaveLength(2);
    writeFileSync(join(one, 'dist/cli.js'), `${readFileSync(join(one, 'dist/cli.js'), 'utf8')}\n// rebuilt\n`);
    expect((await run(one, cacheHome, ['--version'])).stdout.trim()).toBe(VERSION);
    const after = cacheFiles(cacheHome).filter((f) => f.startsWith('cli.js@none@'));
    expect(after).toHaveLength(2);
    const kept = initial.filter((f) => after.includes(f));
    expect(kept).toHaveLength(1); // the other install's
    expect((await run(two, cacheHome, ['--version'])).stdout.trim()).toBe(VERSION);
    expect(cacheFiles(cacheHome).filter((f) => f.startsWith('cli.js@none@'))).toEqual(after);
  });

  test('the caches of an install whose folder is gone go when another install next writes one', async () => {
    const [one, two] = [installCopy(), installCopy()];
    const cacheHome = tempDir();
    await run(one, cacheHome, ['--version']);
    await run(one, cacheHome, ['config', '--help']);
    const ofOne = cacheFiles(cacheHome);
    expect(ofOne.filter((f) => f.startsWith('install@'))).toHaveLength(1);
    await run(two, cacheHome, ['--version']);
    const ofTwo = cacheFiles(cacheHome).filter((f) => !ofOne.includes(f));
    expect(ofTwo).toHaveLength(2); // its cache and its install record; one's are all still there
    rmSync(join(one, '..'), { recursive: true, force: true });
    expect((await run(two, cacheHome, ['route', '--help'])).exitCode).toBe(0);
    const left = cacheFiles(cacheHome);
    expect(left.filter((f) => ofOne.includes(f))).toEqual([]);
    expect(left).toEqual(expect.arrayContaining(ofTwo));
    expect(left.filter((f) => f.startsWith('cli.js@route@'))).toHaveLength(1);
  });

  test('a folder others can write to is not used, and GET_AI_GATEWAY_CODE_CACHE=0 writes nothing', async () => {
    const install = installCopy();
    const open = tempDir();
    mkdirSync(join(open, 'get-ai-gateway'), { mode: 0o777 });
    chmodSync(join(open, 'get-ai-gateway'), 0o777);
    expect((await run(install, open, ['--version'])).stdout.trim()).toBe(VERSION);
    expect(cacheFiles(open)).toEqual([]);

    const off = tempDir();
    expect((await run(install, off, ['--version'], { GET_AI_GATEWAY_CODE_CACHE: '0' })).stdout.trim()).toBe(VERSION);
    expect(cacheFiles(off)).toEqual([]);
  });
});
