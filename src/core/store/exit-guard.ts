import { rmSync } from 'node:fs';
import { write } from '../../ui/terminal.js';

/** Staging files and claimed `.tmp` files of this process that exist right now. */
const ownTemps = new Set<string>();

export function trackTemp(path: string): void {
  ownTemps.add(path);
}

export function forgetTemp(path: string): void {
  ownTemps.delete(path);
}

export function isOwnTemp(path: string): boolean {
  return ownTemps.has(path);
}

export async function removeTemp(path: string): Promise<void> {
  rmSync(path, { force: true });
  ownTemps.delete(path);
}

function removeOwnTempsSync(): void {
  for (const path of ownTemps) {
    try {
      rmSync(path, { force: true });
    } catch {
      // cleanupStaleTemps gets it next time
    }
  }
  ownTemps.clear();
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
type Listener = (...args: unknown[]) => void;
let depth = 0;
let stashed: Map<NodeJS.Signals, Listener[]> | undefined;
let pending: NodeJS.Signals | undefined;

/**
 * Runs `fn` (a lock attempt, or everything from holding the lock to releasing it) with SIGINT/SIGTERM/SIGHUP
 * held back: the first signal is delivered (to the listeners of before, or the default action) once `fn`
 * is done, so a commit stays all-or-nothing and the lock is released. A second signal acts at once: our
 * temps are removed and the signal is delivered. `process.exit()` meanwhile also removes our temps.
 */
export async function withSignalsDeferred<T>(fn: () => Promise<T>): Promise<T> {
  if (depth++ === 0) {
    holdSignals();
    process.on('exit', removeOwnTempsSync);
  }
  try {
    return await fn();
  } finally {
    if (--depth === 0) {
      process.removeListener('exit', removeOwnTempsSync);
      const listeners = pending && stashed?.get(pending);
      releaseSignals();
      const sig = pending;
      pending = undefined;
      if (sig) deliver(sig, listeners ?? []);
    }
  }
}

/**
 * Now, not on a later tick: the caller's promise must not settle first and exit 0 (the command then ends
 * with the listeners' exit code, e.g. 130/143, or dies of the signal when nobody listens).
 */
function deliver(sig: NodeJS.Signals, listeners: Listener[]): void {
  write(2, `${sig}: stopping now that the change in progress is complete\n`);
  if (listeners.length === 0) {
    process.kill(process.pid, sig);
    return;
  }
  for (const listener of listeners) listener(sig);
}

function onSignal(sig: NodeJS.Signals): void {
  if (pending === undefined) {
    pending = sig;
    return;
  }
  pending = undefined;
  removeOwnTempsSync();
  releaseSignals();
  process.kill(process.pid, sig);
}

function holdSignals(): void {
  stashed = new Map();
  for (const sig of SIGNALS) {
    const others = process.rawListeners(sig) as Listener[];
    stashed.set(sig, others);
    // Ours first, so the signal never finds the process without a listener (= default action) meanwhile.
    process.on(sig, onSignal);
    for (const listener of others) process.removeListener(sig, listener);
  }
}

function releaseSignals(): void {
  if (!stashed) return;
  for (const [sig, others] of stashed) {
    for (const listener of others) process.on(sig, listener);
    process.removeListener(sig, onSignal);
  }
  stashed = undefined;
}
