import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { OperationalError } from '../../../src/core/errors.js';
import { cleanupStaleTemps, commitChanges, readDataFile, type InContainerOps } from '../../../src/core/store/index.js';
import { A, B, C, allFiles, put, read, stagingFiles, tempDataFolder, tmpFiles } from './helpers.js';


function age(path: string, seconds: number): void {
  const past = new Date(Date.now() - seconds * 1000);
  utimesSync(path, past, past);
}

describe('commitChanges', () => {
  it('writes through an exclusive .tmp and rename, leaving no temps', async () => {
    const data = tempDataFolder();
    put(data, B, 'old: b\n');
    put(data, C, 'old: c\n');
    const result = await commitChanges(data, [
      { path: A, content: 'new: a\n' },
      { path: B, content: 'new: b\n' },
      { path: C, content: null },
      { path: 'configmaps/missing.yaml', content: null },
    ]);
    expect(result).toEqual({ written: [A, B], deleted: [C] });
    expect(read(data, A)).toBe('new: a\n');
    expect(read(data, B)).toBe('new: b\n');
    expect(read(data, C)).toBeNull();
    expect(tmpFiles(data)).toEqual([]);
    expect(stagingFiles(data)).toEqual([]);
    expect(statSync(join(data, A)).nlink).toBe(1); // the staging link is gone
  });

  it('skips identical content and reads files back', async () => {
    const data = tempDataFolder();
    put(data, A, 'same\n');
    expect(await commitChanges(data, [{ path: A, content: 'same\n' }])).toEqual({ written: [], deleted: [] });
    expect(await readDataFile(data, A)).toBe('same\n');
    expect(await readDataFile(data, B)).toBeNull();
  });

  it('creates files 0600 and folders 0700', async () => {
    const data = join(tempDataFolder(), 'higress');
    await commitChanges(data, [{ path: A, content: 'x: 1\n' }]);
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(join(data, A))).toBe(0o600);
    expect(mode(data)).toBe(0o700);
    expect(mode(join(data, 'wasmplugins'))).toBe(0o700);
    expect(mode(join(data, '.get-ai-gateway'))).toBe(0o700);
    expect(mode(join(data, '.get-ai-gateway/staging'))).toBe(0o700);
  });

  it('rejects paths outside the data folder and duplicates', async () => {
    const data = tempDataFolder();
    for (const path of ['../x.yaml', '/etc/x.yaml', 'a/../../x.yaml', '', 'a/x.yaml.tmp', '.get-ai-gateway/x']) {
      await expect(commitChanges(data, [{ path, content: 'x' }])).rejects.toThrow(/not a file of the data folder/);
    }
    await expect(commitChanges(data, [{ path: A, content: 'x' }, { path: A, content: null }])).rejects.toThrow(/twice/);
  });

  it('waits while a fresh foreign .tmp exists, then proceeds once it is gone', async () => {
    const data = tempDataFolder();
    put(data, A, 'console: writing\n');
    writeFileSync(join(data, `${A}.tmp`), 'console: in progress\n');
    const commit = commitChanges(data, [{ path: A, content: 'ours\n' }]);
    await sleep(300);
    expect(read(data, A)).toBe('console: writing\n');
    expect(read(data, `${A}.tmp`)).toBe('console: in progress\n');
    renameSync(join(data, `${A}.tmp`), join(data, A)); // the console finishes its write
    expect(await commit).toEqual({ written: [A], deleted: [] });
    expect(read(data, A)).toBe('ours\n');
    expect(tmpFiles(data)).toEqual([]);
  });

  it('times out with a clear error if the foreign .tmp stays, leaving it and rolling back', async () => {
    const data = tempDataFolder();
    put(data, A, 'old: a\n');
    put(data, `${B}.tmp`, 'console: in progress\n');
    const err = await commitChanges(data, [{ path: A, content: 'new: a\n' }, { path: B, content: 'new: b\n' }], {
      backoffTimeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationalError);
    expect((err as Error).message).toMatch(/ingresses\/ai-route-openai\.internal\.yaml\.tmp is held by another writer .*; ingresses\/ai-route-openai\.internal\.yaml was not changed/);
    expect(read(data, A)).toBe('old: a\n');
    expect(read(data, B)).toBeNull();
    expect(read(data, `${B}.tmp`)).toBe('console: in progress\n');
    expect(stagingFiles(data)).toEqual([]);
  });

  it('removes a stale foreign .tmp (also one that turns stale while waiting)', async () => {
    const data = tempDataFolder();
    put(data, `${A}.tmp`, 'crashed writer\n');
    age(join(data, `${A}.tmp`), 60);
    put(data, `deep/er/${B}.tmp`, 'crashed writer\n'); // below the folders cleanupStaleTemps scans
    age(join(data, `deep/er/${B}.tmp`), 60);
    await commitChanges(data, [{ path: A, content: 'a\n' }, { path: `deep/er/${B}`, content: 'b\n' }]);
    expect(read(data, A)).toBe('a\n');
    expect(read(data, `deep/er/${B}`)).toBe('b\n');
    expect(tmpFiles(data)).toEqual([]);

    put(data, `${B}.tmp`, 'fresh, then abandoned\n');
    const started = Date.now();
    await commitChanges(data, [{ path: B, content: 'b\n' }], { tmpTtlMs: 400, backoffTimeoutMs: 5_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(read(data, B)).toBe('b\n');
    expect(tmpFiles(data)).toEqual([]);
  });

  it('rolls back every changed file when a later step fails, leaving no temps', async () => {
    const data = tempDataFolder();
    put(data, A, 'old: a\n');
    put(data, C, 'old: c\n');
    writeFileSync(join(data, 'blocker'), 'a file where a folder is needed\n');
    const before = allFiles(data);
    const err = await commitChanges(data, [
      { path: A, content: 'new: a\n' },
      { path: B, content: 'new: b\n' },
      { path: C, content: null },
      { path: 'blocker/x.yaml', content: 'x\n' },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationalError);
    expect((err as Error).message).toMatch(/could not change blocker\/x\.yaml .*nothing was changed/);
    expect((err as Error).cause).toMatchObject({ code: expect.stringMatching(/^(EEXIST|ENOTDIR)$/) });
    expect(read(data, A)).toBe('old: a\n');
    expect(read(data, B)).toBeNull();
    expect(read(data, C)).toBe('old: c\n');
    expect(allFiles(data)).toEqual(before);
  });
});

describe('commitChanges in-container mode', () => {
  /** Ops that act on the host folder the mount point maps to, as `docker exec` would. */
  function containerOps(data: string, failOnCall?: number) {
    const calls: string[][] = [];
    const host = (p: string) => join(data, p.slice('/data/'.length));
    const ops: InContainerOps = {
      async rename(from, to) {
        calls.push(['rename', from, to]);
        if (calls.length === failOnCall) throw new Error('exec failed');
        renameSync(host(from), host(to));
      },
      async remove(path) {
        calls.push(['remove', path]);
        if (calls.length === failOnCall) throw new Error('exec failed');
        rmSync(host(path), { force: true });
      },
    };
    return { ops, calls };
  }

  it('renames and deletes through ops with container paths', async () => {
    const data = tempDataFolder();
    put(data, C, 'old: c\n');
    const { ops, calls } = containerOps(data);
    const result = await commitChanges(data, [{ path: A, content: 'a\n' }, { path: C, content: null }], {
      inContainer: { ops, mountPoint: '/data' },
    });
    expect(result).toEqual({ written: [A], deleted: [C] });
    expect(calls).toEqual([
      ['rename', `/data/${A}.tmp`, `/data/${A}`],
      ['remove', `/data/${C}`],
    ]);
    expect(read(data, A)).toBe('a\n');
    expect(read(data, C)).toBeNull();
    expect(tmpFiles(data)).toEqual([]);
    expect(stagingFiles(data)).toEqual([]);
  });

  it('never renames or deletes on the host', async () => {
    const data = tempDataFolder();
    put(data, A, 'old: a\n');
    put(data, C, 'old: c\n');
    const calls: string[][] = [];
    const recordOnly: InContainerOps = {
      rename: async (from, to) => void calls.push(['rename', from, to]),
      remove: async (path) => void calls.push(['remove', path]),
    };
    await commitChanges(data, [{ path: A, content: 'new: a\n' }, { path: C, content: null }], {
      inContainer: { ops: recordOnly, mountPoint: '/data' },
    });
    expect(calls).toEqual([
      ['rename', `/data/${A}.tmp`, `/data/${A}`],
      ['remove', `/data/${C}`],
    ]);
    expect(read(data, A)).toBe('old: a\n');
    expect(read(data, `${A}.tmp`)).toBe('new: a\n'); // left for the (recording) container rename
    expect(read(data, C)).toBe('old: c\n');
  });

  it('rolls back through ops when an exec fails', async () => {
    const data = tempDataFolder();
    put(data, A, 'old: a\n');
    put(data, B, 'old: b\n');
    const { ops, calls } = containerOps(data, 2);
    const err = await commitChanges(data, [{ path: A, content: 'new: a\n' }, { path: B, content: null }], {
      inContainer: { ops, mountPoint: '/data' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationalError);
    expect((err as Error).cause).toMatchObject({ message: 'exec failed' });
    expect(calls).toEqual([
      ['rename', `/data/${A}.tmp`, `/data/${A}`],
      ['remove', `/data/${B}`],
      ['rename', `/data/${A}.tmp`, `/data/${A}`], // the restore
    ]);
    expect(read(data, A)).toBe('old: a\n');
    expect(read(data, B)).toBe('old: b\n');
    expect(tmpFiles(data)).toEqual([]);
    expect(stagingFiles(data)).toEqual([]);
  });
});

describe('cleanupStaleTemps', () => {
  it('removes stale .tmp files, our orphaned .tmp and staging files, and keeps fresh foreign ones', async () => {
    const data = tempDataFolder();
    put(data, `${A}.tmp`, 'stale\n');
    age(join(data, `${A}.tmp`), 60);
    put(data, `${B}.tmp`, 'console writing right now\n');
    put(data, '.get-ai-gateway/staging/123-abc', 'ours, killed after link\n');
    mkdirSync(join(data, 'configmaps'));
    linkSync(join(data, '.get-ai-gateway/staging/123-abc'), join(data, `${C}.tmp`));
    put(data, 'logs/old.tmp', 'not ours to judge\n');
    age(join(data, 'logs/old.tmp'), 60);

    const removed = await cleanupStaleTemps(data);
    expect(removed.sort()).toEqual(
      [`${A}.tmp`, `${C}.tmp`, '.get-ai-gateway/staging/123-abc'].sort(),
    );
    expect(tmpFiles(data)).toEqual([`${B}.tmp`, 'logs/old.tmp']);
    expect(stagingFiles(data)).toEqual([]);
  });
});
