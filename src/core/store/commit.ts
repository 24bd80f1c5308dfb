import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, OperationalError } from '../errors.js';
import { heldLock, openDataFolder, withDataFolderLock } from './lock.js';
import { DEFAULT_TMP_TTL_MS, POLL_MS, absPath, dataPath, errorCode, errorMessage, isMissing, stagingDir } from './paths.js';
import { forgetTemp, removeTemp, trackTemp } from './exit-guard.js';
import { cleanupStaleTemps } from './temps.js';

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
    return await readFile(absPath(dataFolder, rel), 'utf8');
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
  // Signals wait until the lock is released (withDataFolderLock), so this runs to the end or rolls back.
  const result: CommitResult = { written: [], deleted: [] };
  let i = 0;
  try {
    for (; i < plan.length; i++) {
      const { rel, content } = plan[i]!;
      if (content === previous[i]) continue;
      await putFile(w, rel, content);
      (content === null ? result.deleted : result.written).push(rel);
    }
    return result;
  } catch (err) {
    // The failed step is included: it may have taken effect before failing (e.g. an exec that timed out).
    const unrestored = await rollback(w, plan.slice(0, i + 1), previous);
    throw commitError(w, plan[i]!.rel, err, unrestored);
  }
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
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  // A delete claims `<name>.tmp` too (with an empty file), so it cannot race a console write of the same resource.
  const staging = await writeStaging(w.folder, content ?? '');
  let claimed = false;
  try {
    await claimTmp(w, rel, tmp, staging);
    claimed = true;
    if (content === null) {
      if (w.inContainer) await w.inContainer.ops.remove(containerPath(w, rel));
      else await unlink(target).catch((err) => (isMissing(err) ? undefined : Promise.reject(err)));
    } else {
      if (w.inContainer) await w.inContainer.ops.rename(`${containerPath(w, rel)}.tmp`, containerPath(w, rel));
      else await rename(tmp, target);
      claimed = false;
      forgetTemp(tmp);
    }
  } finally {
    if (claimed) await removeTmpIfOurs(tmp, staging);
    await removeTemp(staging);
  }
}

async function writeStaging(folder: string, content: string): Promise<string> {
  const dir = stagingDir(folder);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${process.pid}-${randomUUID()}`);
  const file = await open(path, 'wx', 0o600);
  trackTemp(path);
  try {
    await file.writeFile(content, 'utf8');
    await file.sync();
    await file.close();
  } catch (err) {
    await file.close().catch(() => undefined);
    await removeTemp(path);
    throw err;
  }
  return path;
}

/** Creates `<name>.tmp` exclusively (link fails with EEXIST like O_EXCL), backing off while another writer has it. */
async function claimTmp(w: Writer, rel: string, tmp: string, staging: string): Promise<void> {
  const deadline = Date.now() + w.backoffTimeoutMs;
  for (let waited = false; ; ) {
    // After a wait, refresh our mtime so the other writer cannot take our `.tmp` for a stale one.
    if (waited) await utimes(staging, new Date(), new Date());
    try {
      await link(staging, tmp);
      trackTemp(tmp);
      return;
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
    const st = await stat(tmp).catch((err) => (isMissing(err) ? undefined : Promise.reject(err)));
    if (!st) continue;
    if (Date.now() - st.mtimeMs > w.ttlMs) {
      await rm(tmp, { force: true }); // left behind by a writer that died
      continue;
    }
    if (Date.now() >= deadline) {
      throw new OperationalError(`${rel} in ${w.folder} is being changed by another writer (the Higress console?); try again`, {
        hint: `If nothing else is writing it, ${tmp} counts as stale after ${w.ttlMs / 1000} s.`,
      });
    }
    await sleep(POLL_MS);
    waited = true;
  }
}

/** Only while it is still our staging inode: once renamed away, the name may already be another writer's. */
async function removeTmpIfOurs(tmp: string, staging: string): Promise<void> {
  const inode = (path: string) => stat(path, { bigint: true }).catch(() => null);
  const [a, b] = await Promise.all([inode(tmp), inode(staging)]);
  if (a && b && a.dev === b.dev && a.ino === b.ino) await rm(tmp, { force: true });
  forgetTemp(tmp);
}

function containerPath(w: Writer, rel: string): string {
  return posix.join(w.inContainer!.mountPoint, rel);
}
