import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type Options } from 'execa';

export const BIN = join(import.meta.dirname, '../../bin/get-ai-gateway.js');
/** The bin's code cache (bin/get-ai-gateway.js), kept out of the HOME folders tests compare before and after. */
export const CODE_CACHE_HOME = join(tmpdir(), 'gag-test-code-cache');

/** Runs the built CLI like a script would: no TTY, CI=true, colours off. */
export async function runCli(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; input?: string; timeout?: number } = {}) {
  const options: Options = {
    reject: false,
    cwd: opts.cwd,
    input: opts.input,
    stdin: opts.input === undefined ? 'ignore' : undefined,
    timeout: opts.timeout ?? 120_000,
    env: { FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true', XDG_CACHE_HOME: CODE_CACHE_HOME, ...opts.env },
  };
  const result = await execa('node', [BIN, ...args], options);
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

export const tempDir = (prefix = 'gag-') => mkdtempSync(join(tmpdir(), prefix));

/** Every file below a folder, relative, sorted (to prove "nothing written"). */
export function listFiles(root: string): string[] {
  try {
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
      .sort();
  } catch {
    return [];
  }
}

/** The data folder's files less our own state (`.get-ai-gateway/`: lock, staging, kept parses): what the gateway reads. */
export function listGatewayFiles(root: string): string[] {
  return listFiles(root).filter((f) => !f.startsWith('.get-ai-gateway/'));
}
