import { closeSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, OperationalError } from '../errors.js';
import { heldLock, openDataFolder, withDataFolderLock } from './lock.js';
import { DEFAULT_TMP_TTL_MS, POLL_MS, absPath, dataPath, errorCode, errorMessage, isMissing, stagingDir } from './paths.js';
import { forgetTemp, removeTemp, trackTemp } from './exit-guard.js';
import { cleanupStaleTemps } from './temps.js';
import { stepDone } from './fault.js';
import { clearJournal, installJournal, readJournal, type Journal } from './journal.js';

export interface FileChange {
  /** Relative to the data folder, e.g. 'wasmplugins/ai-proxy.internal.yaml'. */
  path: string;
  /** null = delete (a missing file is fine). */
  content: string | null;
}

/** Runs inside the gateway container (e.g. via Engine API exec), so file events fire in its own kernel. */
export interface InContainerOps {
  /** rename(2) (`mv -f`): replaces the target. */
  rename(fromAbsInContainer: string, toAbsInContainer: string): Promise<void>;
  /** Like `rm -f`: a missing file is not an error. */
  remove(absInContainer: string): Promise<void>;
}

export interface CommitOptions {
  /** Final renames and deletes go through `ops` with `<mountPoint>/<path>`; everything else stays on the host. */
  inContainer?: { ops: InContainerOps; mountPoint: string };
  /** A foreign `<name>.tmp` older than this is stale (default 10 s). */
  tmpTtlMs?: number;
  /** How long to wait for a fresh foreign `<name>.tmp` to go away (default TTL + 5 s). */
  backoffTimeoutMs?: number;
}

/** Paths actually changed; a write of identical content or a delete of a missing file is skipped. */
export interface CommitResult {
  written: string[];
  deleted: string[];
}

interface Writer {
  folder: string;
  ttlMs: number;
  backoffTimeoutMs: number;
  inContainer?: CommitOptions['inContainer'];
}

/** The file's content, or null when it does not exist. */
export async function readDataFile(dataFolder: string, path: string): Promise<string | null> {
  const rel = dataPath(path);
  try {
    // Synchronous: a change reads up to a hundred small files, and each asynchronous read is four trips
    // through libuv's thread pool (open, stat, read, close).
    return readFileSync(absPath(dataFolder, rel), 'utf8');
  } catch (err) {
    if (isMissing(err)) return null;
    throw new OperationalError(`could not read ${rel} in ${dataFolder}: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * Applies all changes or none, each through the gateway's own write protocol (exclusive `<name>.tmp`,
 * then rename). Uses the data folder lock held by the caller's withDataFolderLock, else takes it.
 */
export async function commitChanges(
  dataFolder: string,
  changes: FileChange[],
  opts: CommitOptions = {},
): Promise<CommitResult> {
  const plan = changes.map((c) => ({ rel: dataPath(c.path), content: c.content }));
  const seen = new Set<string>();
  for (const { rel } of plan) {
    if (seen.has(rel)) throw new Error(`commitChanges: ${rel} is changed twice`);
    seen.add(rel);
  }
  if (plan.length === 0) return { written: [], deleted: [] };
  const folder = await openDataFolder(dataFolder);
  const ttlMs = opts.tmpTtlMs ?? DEFAULT_TMP_TTL_MS;
  const writer: Writer = {
    folder,
    ttlMs,
    backoffTimeoutMs: opts.backoffTimeoutMs ?? ttlMs + 5_000,
    inContainer: opts.inContainer,
  };
  const run = () => commitLocked(writer, plan);
  return heldLock(folder) ? run() : withDataFolderLock(folder, run);
}

async function commitLocked(w: Writer, plan: { rel: string; content: string | null }[]): Promise<CommitResult> {
  // Housekeeping only: a leftover we cannot remove blocks just its own file, which claimTmp reports.
  await cleanupStaleTemps(w.folder, { tmpTtlMs: w.ttlMs }).catch(() => undefined);
  const lost = heldLock(w.folder)?.compromised;
  if (lost) {
    throw new OperationalError(`lost the lock on ${w.folder}; nothing was changed, try again`, { cause: lost });
  }
  const previous = await Promise.all(plan.map((c) => readDataFile(w.folder, c.rel)));
  const steps = plan.map((c, i) => ({ ...c, before: previous[i]! })).filter((c) => c.content !== c.before);
  // More than one file: record the intent first, so a crash between the renames is repaired by the next command.
  const journal: Journal | undefined =
    steps.length > 1 ? { version: 1, direction: 'forward', changes: steps.map((c) => ({ path: c.rel, before: c.before, after: c.content })) } : undefined;
  if (journal) {
    await writeJournal(w.folder, journal);
    stepDone();
  }
  // Signals wait until the lock is released (withDataFolderLock), so this runs to the end or rolls back.
  const result: CommitResult = { written: [], deleted: [] };
  let i = 0;
  try {
    for (; i < steps.length; i++) {
      const { rel, content } = steps[i]!;
      await putFile(w, rel, content);
      stepDone();
      (content === null ? result.deleted : result.written).push(rel);
    }
  } catch (err) {
    // The failed step is included: it may have taken effect before failing (e.g. an exec that timed out).
    if (journal) await writeJournal(w.folder, { ...journal, direction: 'back' }).catch(() => undefined);
    const done = steps.slice(0, i + 1);
    const unrestored = await rollback(w, done, done.map((c) => c.before));
    if (journal && unrestored.length === 0) await clearJournal(w.folder);
    throw commitError(w, steps[i]!.rel, err, unrestored);
  }
  if (journal) await clearJournal(w.folder);
  return result;
}

async function writeJournal(folder: string, journal: Journal): Promise<void> {
  await installJournal(folder, await writeStaging(folder, JSON.stringify(journal)));
}

/**
 * Finishes (or finishes undoing) a change whose process died between its renames, under the held lock.
 * A file that holds neither the old nor the new content was changed by someone else since: left alone.
 * Returns what was done, for the one line the command prints; undefined when there was no journal.
 */
export async function repairFromJournal(folder: string): Promise<{ direction: Journal['direction']; repaired: string[]; foreign: string[] } | undefined> {
  const journal = await readJournal(folder);
  if (!journal) return undefined;
  const w: Writer = { folder, ttlMs: DEFAULT_TMP_TTL_MS, backoffTimeoutMs: DEFAULT_TMP_TTL_MS + 5_000 };
  await cleanupStaleTemps(folder).catch(() => undefined);
  const repaired: string[] = [];
  const foreign: string[] = [];
  for (const change of journal.changes) {
    const rel = dataPath(change.path);
    const [want, other] = journal.direction === 'forward' ? [change.after, change.before] : [change.before, change.after];
    const current = await readDataFile(folder, rel);
    if (current === want) continue;
    if (current !== other) {
      foreign.push(rel);
      continue;
    }
    await putFile(w, rel, want);
    repaired.push(rel);
  }
  await clearJournal(folder);
  return { direction: journal.direction, repaired, foreign };
}

async function rollback(w: Writer, done: { rel: string }[], previous: (string | null)[]): Promise<string[]> {
  const unrestored: string[] = [];
  for (let j = done.length - 1; j >= 0; j--) {
    const rel = done[j]!.rel;
    try {
      if ((await readDataFile(w.folder, rel)) !== previous[j]) await putFile(w, rel, previous[j]!);
    } catch {
      unrestored.push(rel);
    }
  }
  return unrestored;
}

function commitError(w: Writer, rel: string, err: unknown, unrestored: string[]): Error {
  const what = `could not change ${rel} in ${w.folder}: ${errorMessage(err)}`;
  if (unrestored.length > 0) {
    return new OperationalError(`${what}; could not restore ${unrestored.join(', ')} either`, {
      hint: 'Check these files: the gateway may be running a partly changed configuration.',
      cause: err,
    });
  }
  return err instanceof CliError ? err : new OperationalError(`${what} (nothing was changed)`, { cause: err });
}

/** One file through the protocol: staging file, link to `<name>.tmp` (exclusive), rename or delete. */
async function putFile(w: Writer, rel: string, content: string | null): Promise<void> {
  const target = absPath(w.folder, rel);
  const tmp = `${target}.tmp`;
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  // A delete claims `<name>.tmp` too (with an empty file), so it cannot race a console write of the same resource.
  const staging = await writeStaging(w.folder, content ?? '');
  let claimed = false;
  try {
    await claimTmp(w, rel, tmp, staging);
    claimed = true;
    if (content === null) {
      if (w.inContainer) await w.inContainer.ops.remove(containerPath(w, rel));
      else {
        try {
          unlinkSync(target);
        } catch (err) {
          if (!isMissing(err)) throw err;
        }
      }
    } else {
      if (w.inContainer) await w.inContainer.ops.rename(`${containerPath(w, rel)}.tmp`, containerPath(w, rel));
      else renameSync(tmp, target);
      claimed = false;
      forgetTemp(tmp);
    }
  } finally {
    if (claimed) await removeTmpIfOurs(tmp, staging);
    await removeTemp(staging);
  }
}

let stagingCount = 0;

/** Synchronous, as every file step here: each asynchronous one is a trip through libuv's thread pool. */
async function writeStaging(folder: string, content: string): Promise<string> {
  const dir = stagingDir(folder);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Unique among this process's files (the pid) and across reused pids; 'wx' refuses a name that exists.
  // Not randomUUID: loading Node's crypto costs an edit 3 ms.
  const path = join(dir, `${process.pid}-${Date.now().toString(36)}-${(stagingCount++).toString(36)}${Math.random().toString(36).slice(2, 10)}`);
  const fd = openSync(path, 'wx', 0o600);
  trackTemp(path);
  let open = true;
  try {
    writeFileSync(fd, content, 'utf8');
    fsyncSync(fd);
    open = false;
    closeSync(fd);
  } catch (err) {
    if (open) {
      try {
        closeSync(fd);
      } catch {
        // the write's error is the one to report
      }
    }
    await removeTemp(path);
    throw err;
  }
  return path;
}

/**
 * Creates `<name>.tmp` exclusively (link fails with EEXIST like O_EXCL), backing off while another writer
 * has it, up to the deadline. A symlink there is never a writer's temp: removed (never followed).
 */
async function claimTmp(w: Writer, rel: string, tmp: string, staging: string): Promise<void> {
  const deadline = Date.now() + w.backoffTimeoutMs;
  for (let waited = false; ; ) {
    // After a wait, refresh our mtime so the other writer cannot take our `.tmp` for a stale one.
    if (waited) utimesSync(staging, new Date(), new Date());
    try {
      linkSync(staging, tmp);
      trackTemp(tmp);
      return;
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
    const st = lstatSync(tmp, { throwIfNoEntry: false });
    if (st && (st.isSymbolicLink() || Date.now() - st.mtimeMs > w.ttlMs)) {
      rmSync(tmp, { force: true }); // left behind by a writer that died, or not a writer's at all
      continue;
    }
    if (Date.now() >= deadline) {
      throw new OperationalError(`${tmp} is held by another writer (the Higress console?); ${rel} was not changed, try again`, {
        hint: `if nothing else is writing it, delete ${tmp} (it counts as stale after ${w.ttlMs / 1000} s)`,
      });
    }
    if (st) {
      await sleep(POLL_MS);
      waited = true;
    }
  }
}

/** Only while it is still our staging inode: once renamed away, the name may already be another writer's. */
async function removeTmpIfOurs(tmp: string, staging: string): Promise<void> {
  const inode = (path: string) => {
    try {
      return lstatSync(path, { bigint: true, throwIfNoEntry: false }) ?? null;
    } catch {
      return null;
    }
  };
  const [a, b] = [inode(tmp), inode(staging)];
  if (a && b && a.dev === b.dev && a.ino === b.ino) rmSync(tmp, { force: true });
  forgetTemp(tmp);
}

function containerPath(w: Writer, rel: string): string {
  return posix.join(w.inContainer!.mountPoint, rel);
}
