// Standard output and error go straight to their file descriptors (src/ui/terminal.ts): whole, in order, to a
// pipe, a file or /dev/null, and a reader that went away (`| head`) is not an error.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BIN, CODE_CACHE_HOME, runCli, tempDir } from '../helpers/cli.js';

const env = { ...process.env, CI: 'true', NO_COLOR: '1', XDG_CACHE_HOME: CODE_CACHE_HOME, DOCKER_HOST: 'unix:///nonexistent/docker.sock' };

function run(args: string[], stdout: 'pipe' | number, closeEarly = false): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', [BIN, ...args], { env, stdio: ['ignore', stdout, 'pipe'] });
    let out = '';
    let err = '';
    // The reader goes away before the command prints anything (it takes tens of ms to start).
    if (closeEarly) child.stdout!.destroy();
    else child.stdout?.on('data', (chunk) => (out += chunk));
    child.stderr!.on('data', (chunk) => (err += chunk));
    child.on('close', (code) => resolve({ code, stdout: out, stderr: err }));
  });
}

describe('output', () => {
  test('a closed pipe on stdout (`| head`) is not an error: exit 0, nothing on stderr', async () => {
    for (const args of [['--help'], ['config', 'list', '--data-folder', tempDir()], ['route', 'list', '--json', '--data-folder', tempDir()]]) {
      const result = await run(args, 'pipe', true);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
    }
  });

  test('to a file and to a pipe, the same complete text', async () => {
    const file = join(tempDir(), 'help.txt');
    const fd = openSync(file, 'w');
    const toFile = await run(['--help'], fd);
    closeSync(fd);
    const toPipe = await runCli(['--help']);
    expect(toFile.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(`${toPipe.stdout}\n`);
    expect(toPipe.stdout).toContain('Examples:');
  });

  test('to /dev/null: runs and exits 0; errors still reach stderr with their exit code', async () => {
    const fd = openSync('/dev/null', 'w');
    const ok = await run(['--help'], fd);
    const bad = await run(['route', 'add', '--model', 'x', '--data-folder', tempDir()], fd);
    closeSync(fd);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: give exactly one of --trigger and --pattern/);
  });
});
