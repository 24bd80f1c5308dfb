import { readFile, rename, rm } from 'node:fs/promises';
import { OperationalError } from '../errors.js';
import { forgetTemp } from './exit-guard.js';
import { errorMessage, isMissing, journalPath } from './paths.js';

/**
 * The intent of a multi-file change, written (atomically, 0600: it holds keys) before its first rename and
 * removed after its last one. A journal that outlives its process is a crash: the next command finishes
 * the change (`forward`) or finishes undoing it (`back`, written before a rollback starts).
 */
export interface Journal {
  version: 1;
  direction: 'forward' | 'back';
  changes: { path: string; before: string | null; after: string | null }[];
}

/** Renames a staging file (written and synced by the caller) into place as the journal. */
export async function installJournal(folder: string, staging: string): Promise<void> {
  await rename(staging, journalPath(folder));
  forgetTemp(staging);
}

export async function clearJournal(folder: string): Promise<void> {
  await rm(journalPath(folder), { force: true });
}

export async function readJournal(folder: string): Promise<Journal | undefined> {
  const path = journalPath(folder);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw new OperationalError(`could not read ${path}: ${errorMessage(err)}`, { cause: err });
  }
  try {
    const journal = JSON.parse(text) as Journal;
    const valid =
      journal.version === 1 &&
      (journal.direction === 'forward' || journal.direction === 'back') &&
      Array.isArray(journal.changes) &&
      journal.changes.every((c) => typeof c.path === 'string' && (c.before === null || typeof c.before === 'string') && (c.after === null || typeof c.after === 'string'));
    if (valid) return journal;
  } catch {
    // reported below
  }
  throw new OperationalError(`${path} is damaged: an interrupted change cannot be repaired automatically`, {
    hint: 'check the files it names, then delete it',
  });
}
