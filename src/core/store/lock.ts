import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { OperationalError } from '../errors.js';
import { withSignalsDeferred } from './exit-guard.js';
import { LOCK_NAME, POLL_MS, errorCode, errorMessage } from './paths.js';

/** A holder that stops refreshing the lock (SIGKILL, power loss) loses it after this long. */
export const LOCK_STALE_MS = 10_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

interface HeldLock {
  compromised?: Error;
}

/** Locks held by the current async call chain, by real folder path. */
const held = new AsyncLocalStorage<ReadonlyMap<string, HeldLock>>();

export function lockPath(folder: string): string {
  return join(folder, LOCK_NAME);
}

/** Creates the data folder (0700) if needed and returns its real path, the key of its lock. */
export async function openDataFolder(dataFolder: string): Promise<string> {
  try {
    await mkdir(dataFolder, { recursive: true, mode: 0o700 });
    return await realpath(dataFolder);
  } catch (err) {
    throw new OperationalError(`could not open the data folder ${dataFolder}: ${errorMessage(err)}`, { cause: err });
  }
}

/** The lock this call chain holds on `folder` (a real path), if any. */
export function heldLock(folder: string): HeldLock | undefined {
  return held.getStore()?.get(folder);
}

/**
 * Runs `fn` while holding the cross-process lock of the data folder; do the whole read-modify-write in `fn`.
 * Not reentrant: calling it again for the same folder inside `fn` throws instead of deadlocking
 * (commitChanges/cleanupStaleTemps inside `fn` reuse the held lock). Keep `fn` short, no prompts: while it
 * runs, SIGINT/SIGTERM/SIGHUP wait for it (a second one acts at once).
 */
export async function withDataFolderLock<T>(
  dataFolder: string,
  fn: () => Promise<T>,
  opts: { timeoutMs?: number } = {},
): Promise<T> {
  const folder = await openDataFolder(dataFolder);
  const outer = held.getStore();
  if (outer?.has(folder)) {
    throw new Error(`withDataFolderLock is not reentrant: ${folder} is already locked by this call chain`);
  }
  const state: HeldLock = {};
  const release = await acquire(folder, state, opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  // proper-lockfile removes held locks on a signal, but not one it is releasing or acquiring: hold signals.
  return withSignalsDeferred(async () => {
    try {
      return await held.run(new Map(outer).set(folder, state), fn);
    } finally {
      // Fails only if the lock was already lost (compromised); nothing left to undo then.
      await release().catch(() => undefined);
    }
  });
}

async function acquire(folder: string, state: HeldLock, timeoutMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const attempt = () =>
        lockfile.lock(folder, {
          lockfilePath: lockPath(folder),
          realpath: false,
          stale: LOCK_STALE_MS,
          onCompromised: (err) => {
            state.compromised = err;
          },
        });
      return await withSignalsDeferred(attempt);
    } catch (err) {
      if (errorCode(err) !== 'ELOCKED') {
        throw new OperationalError(`could not lock ${folder}: ${errorMessage(err)}`, { cause: err });
      }
      if (Date.now() >= deadline) {
        throw new OperationalError(`another get-ai-gateway command is changing ${folder}; try again`, {
          code: 'lock.busy',
          hint: `If no other command is running, ${lockPath(folder)} is taken over ${LOCK_STALE_MS / 1000} s after its holder stopped.`,
          cause: err,
        });
      }
      await sleep(POLL_MS + Math.random() * POLL_MS);
    }
  }
}
