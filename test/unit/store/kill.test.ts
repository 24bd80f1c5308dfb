// Kills a child process that commits in a loop through the real store module. Node 20 cannot run the
// TypeScript source and dist/ may not be built (or build) while others work, so the test bundles
// src/core/store with esbuild (already installed as vite's dependency) into one .cjs file for the child.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cleanupStaleTemps, lockPath } from '../../../src/core/store/index.js';
import { allFiles, stagingFiles, tempDataFolder, tmpFiles } from './helpers.js';

const COMMITTER = join(import.meta.dirname, 'fixtures/committer.mjs');
let bundleDir: string;
let bundle: string;

beforeAll(async () => {
  bundleDir = mkdtempSync(join(tmpdir(), 'gag-store-bundle-'));
  bundle = join(bundleDir, 'store.cjs');
  await build({
    entryPoints: [join(import.meta.dirname, '../../../src/core/store/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: bundle,
    logLevel: 'silent',
  });
});

afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

/** Starts the committer, waits for `commits` finished commits plus `extraMs`, sends `signal`. */
async function runAndKill(data: string, signal: NodeJS.Signals, commits: number, extraMs: number, slowMs: number) {
  const proc = spawn(process.execPath, [COMMITTER, bundle, data, String(slowMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, sig) => resolve(sig)));
  let seen = 0;
  for await (const _ of createInterface({ input: proc.stdout })) if (++seen >= commits) break;
  expect(stderr).toBe('');
  await sleep(extraMs);
  proc.kill(signal);
  return exited;
}

function resource(data: string, rel: string): { kind: string; n: number } | null {
  const path = join(data, rel);
  if (!existsSync(path)) return null;
  const doc = parse(readFileSync(path, 'utf8'));
  expect(doc.spec.filler).toHaveLength(400);
  return { kind: doc.kind, n: doc.spec.n };
}

describe('a committing process that is killed', { timeout: 30_000 }, () => {
  it('with SIGKILL leaves parseable files, and cleanupStaleTemps removes its temps', async () => {
    const data = tempDataFolder();
    const runs = [
      { commits: 1, extraMs: 0, slowMs: 0 },
      { commits: 3, extraMs: 7, slowMs: 0 },
      { commits: 5, extraMs: 3, slowMs: 0 },
      { commits: 1, extraMs: 100, slowMs: 200, orphan: 'wasmplugins/a.yaml.tmp' }, // mid-rename: our `.tmp` exists
      { commits: 2, extraMs: 300, slowMs: 200, orphan: 'ingresses/b.yaml.tmp' },
    ];
    for (const run of runs) {
      expect(await runAndKill(data, 'SIGKILL', run.commits, run.extraMs, run.slowMs)).toBe('SIGKILL');
      for (const file of allFiles(data).filter((f) => f.endsWith('.yaml'))) {
        expect(() => parse(readFileSync(join(data, file), 'utf8')), file).not.toThrow();
      }
      const a = resource(data, 'wasmplugins/a.yaml')!;
      const b = resource(data, 'ingresses/b.yaml')!;
      expect(a.kind).toBe('WasmPlugin');
      expect(b.kind).toBe('Ingress');
      expect(Math.abs(a.n - b.n)).toBeLessThanOrEqual(1); // a SIGKILL can split a commit; nothing can undo that
      // Simulate the lock's stale period passing instead of waiting 10 s.
      if (existsSync(lockPath(data))) utimesSync(lockPath(data), new Date(0), new Date(0));
      if ('orphan' in run) expect(tmpFiles(data)).toEqual([run.orphan]); // fresh, but a link of our staging file
      await cleanupStaleTemps(data);
      expect(tmpFiles(data)).toEqual([]);
      expect(stagingFiles(data)).toEqual([]);
    }
  });

  it('with SIGTERM finishes the commit in flight first, leaves no temps and releases the lock', async () => {
    const data = tempDataFolder();
    const runs = [
      { commits: 2, extraMs: 5, slowMs: 0 },
      { commits: 1, extraMs: 20, slowMs: 40 }, // lands between the renames of A and B
      { commits: 2, extraMs: 90, slowMs: 40 }, // between B and C
    ];
    for (const run of runs) {
      expect(await runAndKill(data, 'SIGTERM', run.commits, run.extraMs, run.slowMs)).toBe('SIGTERM');
      expect(tmpFiles(data)).toEqual([]);
      expect(stagingFiles(data)).toEqual([]);
      expect(existsSync(lockPath(data))).toBe(false);
      const a = resource(data, 'wasmplugins/a.yaml')!;
      expect(resource(data, 'ingresses/b.yaml')).toEqual({ kind: 'Ingress', n: a.n });
      expect(resource(data, 'configmaps/c.yaml')).toEqual(a.n % 2 ? { kind: 'ConfigMap', n: a.n } : null);
    }
  });
});
