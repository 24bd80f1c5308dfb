/**
 * The write protocol: every change to the data folder goes through this module.
 * Read-modify-write: `withDataFolderLock(folder, async () => { readDataFile(...); commitChanges(...) })`.
 */
export { withDataFolderLock, repairIfInterrupted, lockPath, LOCK_STALE_MS, DEFAULT_LOCK_TIMEOUT_MS } from './lock.js';
export { commitChanges, readDataFile } from './commit.js';
export type { FileChange, InContainerOps, CommitOptions, CommitResult } from './commit.js';
export { cleanupStaleTemps } from './temps.js';
export { DEFAULT_TMP_TTL_MS, LOCK_NAME, STATE_DIR, journalPath } from './paths.js';
