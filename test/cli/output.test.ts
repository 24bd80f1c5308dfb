// Standard output and error go straight to their file descriptors (src/ui/terminal.ts): whole, in order, to a
// pipe, a file or /dev/null, and a reader that went away (`| head`) is not an error.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FILES, GatewayFiles } from '../../src/core/gateway-files.js';
import { BIN, CODE_CACHE_HOME, runCli, tempDir } from '../helpers/cli.js';
import { renderDataFolder } from '../helpers/data-folder.js';

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

  test('a full non-blocking pipe (EAGAIN): the rest goes through Node\'s stream, nothing lost, exit 0', async () => {
    const data = join(tempDir(), 'gateway');
    await renderDataFolder(data, ['--dashscope-key', 'sk-dash-0001']);
    // 1500 rules: the JSON listing is larger than a pipe's buffer.
    const files = await GatewayFiles.empty();
    files.setAutoRouting({ enabled: true, defaultModel: 'qwen-turbo', rules: Array.from({ length: 1500 }, (_, i) => ({ pattern: `(?i)^(topic ${i})`, model: `model-${i}` })) });
    writeFileSync(join(data, FILES.modelRouter), files.changes().find((c) => c.path === FILES.modelRouter)!.content!);
    const fifo = join(tempDir(), 'out');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    // Filled before the command starts, so its first write finds no room.
    let filler = 0;
    for (;;) {
      try {
        filler += writeSync(writer, Buffer.alloc(4096, 'x'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw error;
      }
    }
    // bash hands the command the pipe as it is, O_NONBLOCK included (Node's spawn would make it blocking).
    const child = spawn('bash', ['-c', 'exec "$@" >&3', 'bash', 'node', BIN, 'route', 'list', '--json', '--data-folder', data], {
      env: { ...env, GET_AI_GATEWAY_DEBUG: '1' },
      stdio: ['ignore', 'ignore', 'pipe', writer],
    });
    closeSync(writer);
    const closed = new Promise((resolve) => child.on('close', resolve));
    // Read only once the command says it found the pipe full (under GET_AI_GATEWAY_DEBUG), or has ended.
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (chunk) => {
        stderr += chunk;
        if (stderr.includes('\n')) resolve();
      });
      void closed.then(() => resolve());
    });
    const chunks: Buffer[] = [];
    const read = new Socket({ fd: reader, readable: true, writable: false });
    read.on('data', (chunk: Buffer) => chunks.push(chunk));
    const [code] = await Promise.all([closed, new Promise((resolve) => read.on('end', resolve))]);
    const out = Buffer.concat(chunks);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "debug: standard output is full (EAGAIN): the rest goes through Node's stream\n" });
    expect(out.subarray(0, filler).every((b) => b === 0x78)).toBe(true);
    expect(JSON.parse(out.subarray(filler).toString('utf8')).rules).toHaveLength(1500);
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
