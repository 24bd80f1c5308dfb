import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { OperationalError } from '../errors.js';
import { withSignalsDeferred } from './exit-guard.js';
import { LOCK_NAME, POLL_MS, errorCode, errorMessage, journalPath } from './paths.js';
import { write } from '../../ui/terminal.js';

/** A holder that stops refreshing the lock (SIGKILL, power loss) loses it after this long. */
export const LOCK_STALE_MS = 10_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

/** `GET_AI_GATEWAY_LOCK_TIMEOUT` (seconds) shortens or lengthens the wait, e.g. for scripts. */
function lockTimeoutMs(): number {
  const seconds = Number(process.env.GET_AI_GATEWAY_LOCK_TIMEOUT);
  return process.env.GET_AI_GATEWAY_LOCK_TIMEOUT && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_LOCK_TIMEOUT_MS;
}

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
  for (let attempt = 1; ; attempt++) {
    try {
      mkdirSync(dataFolder, { recursive: true, mode: 0o700 });
      return realpathSync(dataFolder);
    } catch (err) {
      // Another command may have just removed the empty folder it had created (see editGateway): again.
      if (errorCode(err) === 'ENOENT' && attempt < 3) continue;
      throw new OperationalError(`could not open the data folder ${dataFolder}: ${errorMessage(err)}`, { cause: err });
    }
  }
}

/** The lock this call chain holds on `folder` (a real path), if any. */
export function heldLock(folder: string): HeldLock | undefined {
  return held.getStore()?.get(folder);
}

/**
 * Runs `fn` while holding the cross-process lock of the data folder; do the whole read-modify-write in `fn`.
 * A change a crashed command left half-done is repaired first (and said so on stderr, one line).
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
  const release = await acquire(folder, state, opts.timeoutMs ?? lockTimeoutMs());
  // proper-lockfile removes held locks on a signal, but not one it is releasing or acquiring: hold signals.
  return withSignalsDeferred(async () => {
    try {
      return await held.run(new Map(outer).set(folder, state), async () => {
        if (existsSync(journalPath(folder))) await repairInterrupted(folder);
        return fn();
      });
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
      // The folder vanished (a failed command removed the empty folder it had created): make it again.
      if (errorCode(err) === 'ENOENT' && Date.now() < deadline) {
        try {
          mkdirSync(folder, { recursive: true, mode: 0o700 });
        } catch {
          // the next attempt says why
        }
        continue;
      }
      if (errorCode(err) !== 'ELOCKED') {
        throw new OperationalError(`could not lock ${folder}: ${errorMessage(err)}`, { cause: err });
      }
      if (Date.now() >= deadline) {
        throw new OperationalError(`another get-ai-gateway command holds ${lockPath(folder)} (waited ${timeoutMs / 1000} s); nothing was changed, try again`, {
          code: 'lock.busy',
          hint: `if no other command is running, the lock is taken over ${LOCK_STALE_MS / 1000} s after its holder stopped`,
          cause: err,
        });
      }
      await sleep(POLL_MS + Math.random() * POLL_MS);
    }
  }
}

async function repairInterrupted(folder: string): Promise<void> {
  const { repairFromJournal } = await import('./commit.js');
  const done = await repairFromJournal(folder);
  if (!done) return;
  const what = done.direction === 'forward' ? 'completed' : 'undid';
  const files = done.repaired.length > 0 ? done.repaired.join(', ') : 'no file needed it';
  const foreign = done.foreign.length > 0 ? `; left ${done.foreign.join(', ')} alone (changed by someone else since)` : '';
  write(2, `Repaired ${folder}: ${what} a change interrupted by a crash (${files})${foreign}.\n`);
}

/** For readers (listings, `start` planning): repairs an interrupted change before anything is read. No lock otherwise. */
export async function repairIfInterrupted(dataFolder: string): Promise<void> {
  if (existsSync(journalPath(dataFolder))) await withDataFolderLock(dataFolder, async () => undefined);
}
