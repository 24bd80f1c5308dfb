import { spawn } from 'node:child_process';
import { mkdirSync, realpathSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { OperationalError } from '../../../src/core/errors.js';
import { commitChanges, lockPath, readDataFile, withDataFolderLock } from '../../../src/core/store/index.js';
import { tempDataFolder } from './helpers.js';

const HOLD_LOCK = join(import.meta.dirname, 'fixtures/hold-lock.mjs');

/** Spawns the fixture and returns a function resolving with its next stdout line. */
function child(...args: string[]) {
  const proc = spawn(process.execPath, [HOLD_LOCK, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const nextLine = async () => (await lines.next()).value as string;
  const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
  return { proc, nextLine, exited };
}

describe('withDataFolderLock', () => {
  it('serialises concurrent read-modify-write (no lost update)', async () => {
    const data = tempDataFolder();
    let inside = 0;
    let maxInside = 0;
    const increment = () =>
      withDataFolderLock(data, async () => {
        maxInside = Math.max(maxInside, ++inside);
        const n = Number((await readDataFile(data, 'counter.yaml')) ?? '0');
        await sleep(1);
        await commitChanges(data, [{ path: 'counter.yaml', content: String(n + 1) }]);
        inside--;
      });
    await Promise.all(Array.from({ length: 20 }, increment));
    expect(await readDataFile(data, 'counter.yaml')).toBe('20');
    expect(maxInside).toBe(1);
  });

  it('is not reentrant: a nested lock of the same folder throws instead of deadlocking', async () => {
    const data = tempDataFolder();
    await withDataFolderLock(data, async () => {
      await expect(withDataFolderLock(data, async () => 1)).rejects.toThrow(/not reentrant/);
      await expect(withDataFolderLock(join(data, '.'), async () => 1)).rejects.toThrow(/not reentrant/);
      expect(await withDataFolderLock(tempDataFolder(), async () => 'other folder')).toBe('other folder');
    });
    expect(await withDataFolderLock(data, async () => 'free again')).toBe('free again');
  });

  it('gives up after the timeout with an operational error', async () => {
    const data = tempDataFolder();
    let release!: () => void;
    let held!: () => void;
    const locked = new Promise<void>((r) => (held = r));
    const holder = withDataFolderLock(data, () => new Promise<void>((r) => ((release = r), held())));
    await locked;
    const err = await withDataFolderLock(data, async () => 'never', { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationalError);
    expect((err as OperationalError).exitCode).toBe(1);
    expect((err as Error).message).toBe(`another get-ai-gateway command holds ${realpathSync(data)}/.get-ai-gateway.lock (waited 0.3 s); nothing was changed, try again`);
    release();
    await holder;
  });

  it('takes over a lock left by a killed holder once it is stale', async () => {
    const data = tempDataFolder();
    mkdirSync(lockPath(data));
    const past = new Date(Date.now() - 60_000);
    utimesSync(lockPath(data), past, past);
    expect(await withDataFolderLock(data, async () => 'taken over', { timeoutMs: 1_000 })).toBe('taken over');
  });

  it('excludes another process using proper-lockfile on the same lock path (both ways)', { timeout: 15_000 }, async () => {
    const data = tempDataFolder();
    const holder = child(data, 'hold');
    expect(await holder.nextLine()).toBe('locked');
    let entered = false;
    const ours = withDataFolderLock(data, async () => {
      entered = true;
      // While we hold it, the other process cannot lock.
      const other = child(data, 'try');
      expect(await other.nextLine()).toBe('ELOCKED');
      await other.exited;
    });
    await sleep(300);
    expect(entered).toBe(false);
    holder.proc.stdin.end('release\n');
    expect(await holder.nextLine()).toBe('released');
    await ours;
    expect(entered).toBe(true);
    expect(await holder.exited).toBe(0);
  });
});
