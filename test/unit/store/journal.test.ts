import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { commitChanges, journalPath, withDataFolderLock, type InContainerOps } from '../../../src/core/store/index.js';
import { write } from '../../../src/ui/terminal.js';

// The repair note goes to stderr through ui/terminal.ts: caught here instead.
vi.mock('../../../src/ui/terminal.js', async (original) => ({ ...(await original<typeof import('../../../src/ui/terminal.js')>()), write: vi.fn() }));
import { A, B, C, put, read, tempDataFolder } from './helpers.js';

const journal = (data: string, direction: 'forward' | 'back', changes: { path: string; before: string | null; after: string | null }[]) => {
  mkdirSync(join(data, '.get-ai-gateway'), { recursive: true });
  writeFileSync(journalPath(data), JSON.stringify({ version: 1, direction, changes }));
};

describe('the intent journal', () => {
  it('is written (0600) before the first rename of a multi-file change and gone after the last', async () => {
    const data = tempDataFolder();
    const seen: boolean[] = [];
    let mode = 0;
    const ops: InContainerOps = {
      rename: async (from, to) => {
        seen.push(existsSync(journalPath(data)));
        mode = statSync(journalPath(data)).mode & 0o777;
        const { rename } = await import('node:fs/promises');
        await rename(join(data, from.slice('/data/'.length)), join(data, to.slice('/data/'.length)));
      },
      remove: async () => undefined,
    };
    await commitChanges(data, [{ path: A, content: 'a\n' }, { path: B, content: 'b\n' }], { inContainer: { ops, mountPoint: '/data' } });
    expect(seen).toEqual([true, true]);
    expect(mode).toBe(0o600);
    expect(existsSync(journalPath(data))).toBe(false);
  });

  it('is not written for a one-file change', async () => {
    const data = tempDataFolder();
    const ops: InContainerOps = {
      rename: async (from, to) => {
        expect(existsSync(journalPath(data))).toBe(false);
        const { rename } = await import('node:fs/promises');
        await rename(join(data, from.slice('/data/'.length)), join(data, to.slice('/data/'.length)));
      },
      remove: async () => undefined,
    };
    await commitChanges(data, [{ path: A, content: 'a\n' }], { inContainer: { ops, mountPoint: '/data' } });
  });

  it('forward: the next lock holder finishes the change and says so', async () => {
    const data = tempDataFolder();
    put(data, A, 'new: a\n'); // renamed before the crash
    put(data, B, 'old: b\n'); // not yet
    put(data, C, 'old: c\n'); // to be deleted
    journal(data, 'forward', [
      { path: A, before: 'old: a\n', after: 'new: a\n' },
      { path: B, before: 'old: b\n', after: 'new: b\n' },
      { path: C, before: 'old: c\n', after: null },
    ]);
    const stderr = vi.mocked(write);
    stderr.mockClear();
    try {
      await withDataFolderLock(data, async () => {
        expect(read(data, B)).toBe('new: b\n'); // repaired before fn runs
      });
      expect(stderr).toHaveBeenCalledWith(2, expect.stringMatching(/^Repaired .*: completed a change interrupted by a crash \(ingresses\/ai-route-openai\.internal\.yaml, configmaps\/ai-route-openai\.yaml\)\.\n$/));
    } finally {
      stderr.mockClear();
    }
    expect([read(data, A), read(data, B), read(data, C)]).toEqual(['new: a\n', 'new: b\n', null]);
    expect(existsSync(journalPath(data))).toBe(false);
  });

  it('back (a rollback was under way): the next lock holder finishes undoing it', async () => {
    const data = tempDataFolder();
    put(data, A, 'new: a\n');
    journal(data, 'back', [
      { path: A, before: 'old: a\n', after: 'new: a\n' },
      { path: B, before: null, after: 'new: b\n' },
    ]);
    const stderr = vi.mocked(write);
    stderr.mockClear();
    try {
      await withDataFolderLock(data, async () => undefined);
      expect(stderr).toHaveBeenCalledWith(2, expect.stringMatching(/undid a change interrupted by a crash \(wasmplugins\/ai-proxy\.internal\.yaml\)/));
    } finally {
      stderr.mockClear();
    }
    expect([read(data, A), read(data, B)]).toEqual(['old: a\n', null]);
  });

  it('leaves a file someone else changed since alone, and names it', async () => {
    const data = tempDataFolder();
    put(data, A, 'console: edited\n');
    journal(data, 'forward', [{ path: A, before: 'old: a\n', after: 'new: a\n' }, { path: B, before: null, after: 'new: b\n' }]);
    const stderr = vi.mocked(write);
    stderr.mockClear();
    try {
      await withDataFolderLock(data, async () => undefined);
      expect(stderr).toHaveBeenCalledWith(2, expect.stringMatching(/left wasmplugins\/ai-proxy\.internal\.yaml alone \(changed by someone else since\)/));
    } finally {
      stderr.mockClear();
    }
    expect([read(data, A), read(data, B)]).toEqual(['console: edited\n', 'new: b\n']);
  });

  it('a failed step rolls back and leaves no journal', async () => {
    const data = tempDataFolder();
    put(data, A, 'old: a\n');
    let calls = 0;
    const ops: InContainerOps = {
      rename: async (from, to) => {
        if (++calls === 2) throw new Error('exec failed');
        const { rename } = await import('node:fs/promises');
        await rename(join(data, from.slice('/data/'.length)), join(data, to.slice('/data/'.length)));
      },
      remove: async () => undefined,
    };
    await expect(commitChanges(data, [{ path: A, content: 'new: a\n' }, { path: B, content: 'new: b\n' }], { inContainer: { ops, mountPoint: '/data' } })).rejects.toThrow(/nothing was changed/);
    expect(read(data, A)).toBe('old: a\n');
    expect(existsSync(journalPath(data))).toBe(false);
  });
});
