import path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { DemuxStream, TarFirstFile } from './streams.js';
import type Dockerode from 'dockerode';
import { OperationalError } from '../core/errors.js';
import { engineFailure, statusOf } from './engine-errors.js';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The last `lines` lines of the container's stdout and stderr (since `since`, epoch seconds), in the order they were written. */
export async function containerLogsTail(docker: Dockerode, id: string, lines: number, since?: number): Promise<string> {
  const container = docker.getContainer(id);
  try {
    const info = await container.inspect();
    const raw: unknown = await container.logs({ stdout: true, stderr: true, tail: lines, follow: false, ...(since === undefined ? {} : { since }) });
    // docker-modem parses bodies that happen to be valid JSON; only a TTY log can be one.
    const buffer = Buffer.isBuffer(raw) ? raw : Buffer.from(typeof raw === 'string' ? raw : JSON.stringify(raw));
    return info.Config?.Tty ? buffer.toString('utf8') : demuxBuffer(buffer).all.toString('utf8');
  } catch (error) {
    throw notFoundOr(error, id, `could not read the logs of container ${id}`);
  }
}

/** Splits the Engine API's multiplexed framing (8-byte header: stream type, 3 zero bytes, big-endian length). */
export function demuxBuffer(buffer: Buffer): { stdout: Buffer; stderr: Buffer; all: Buffer } {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const all: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    const length = buffer.readUInt32BE(offset + 4);
    if (type > 2 || offset + 8 + length > buffer.length) break;
    const chunk = buffer.subarray(offset + 8, offset + 8 + length);
    (type === 2 ? stderr : stdout).push(chunk);
    all.push(chunk);
    offset += 8 + length;
  }
  if (offset < buffer.length) {
    // Not framed (or truncated): keep the rest as it is rather than lose it.
    const rest = buffer.subarray(offset);
    stdout.push(rest);
    all.push(rest);
  }
  return { stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), all: Buffer.concat(all) };
}

/**
 * Runs a command inside the running container. Used for file renames and deletes that must happen in the
 * gateway's own kernel, because Docker Desktop does not carry host file events into its VM.
 */
export async function execInContainer(docker: Dockerode, id: string, cmd: string[]): Promise<ExecResult> {
  const { stdout, finished } = await execStream(docker, id, cmd);
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of stdout) chunks.push(Buffer.from(chunk as Buffer));
    const { exitCode, stderr } = await finished;
    return { exitCode, stdout: Buffer.concat(chunks).toString('utf8'), stderr };
  } catch (error) {
    throw engineFailure(`could not run ${cmd[0]} in container ${id}`, error);
  }
}

export interface ExecStream {
  /** The command's stdout (demultiplexed), with backpressure. */
  stdout: Readable;
  /** Resolves when the command has ended, with its exit code and (bounded) stderr. */
  finished: Promise<{ exitCode: number; stderr: string }>;
}

/** Runs `cmd` in the running container and streams its stdout. */
export async function execStream(docker: Dockerode, id: string, cmd: string[]): Promise<ExecStream> {
  let exec: Dockerode.Exec;
  try {
    exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false });
  } catch (error) {
    if (statusOf(error) === 409) throw engineFailure(`container ${id} is not running`, error, 'Start the gateway first.');
    throw notFoundOr(error, id, `could not run ${cmd[0]} in container ${id}`);
  }
  const raw = (await exec.start({ hijack: true, stdin: false })) as unknown as NodeJS.ReadableStream & { destroy?: () => void };
  let stderr = '';
  const demux = new DemuxStream((chunk) => {
    if (stderr.length < 8192) stderr += chunk.toString('utf8');
  });
  const ended = new Promise<void>((resolve, reject) => {
    pipeline(raw as Readable, demux, (error) => (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE' ? reject(error) : resolve()));
  });
  const finished = ended.then(async () => {
    let info = await exec.inspect();
    for (let i = 0; info.Running && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      info = await exec.inspect();
    }
    return { exitCode: info.ExitCode ?? -1, stderr };
  });
  // Callers may never await `finished` when they stop reading early.
  finished.catch(() => {});
  return { stdout: demux, finished };
}

/** A file's content out of the container's filesystem (works on a stopped container), streamed. */
export async function archiveStream(docker: Dockerode, id: string, file: string): Promise<Readable | undefined> {
  let raw: NodeJS.ReadableStream;
  try {
    raw = await docker.getContainer(id).getArchive({ path: file });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw new OperationalError(`could not read ${file} in container ${id}: ${(error as Error).message}`, { cause: error });
  }
  const out = new TarFirstFile();
  pipeline(raw as Readable, out, () => {});
  return out;
}

/**
 * A file's text from the container's filesystem, or undefined when it does not exist. Uses the archive
 * endpoint, so it also works on a stopped container and needs no shell in the image.
 */
export async function readFileInContainer(docker: Dockerode, id: string, file: string): Promise<string | undefined> {
  const container = docker.getContainer(id);
  let target = file;
  for (let hops = 0; hops < 8; hops++) {
    let tar: Buffer;
    try {
      tar = await streamToBuffer(await container.getArchive({ path: target }));
    } catch (error) {
      if (statusOf(error) !== 404) throw engineFailure(`could not read ${file} in container ${id}`, error);
      // 404 means either the file or the container is missing; only the latter is an error.
      await container.inspect().catch((inspectError: unknown) => {
        throw notFoundOr(inspectError, id, `could not read ${file} in container ${id}`);
      });
      return undefined;
    }
    const entry = firstTarEntry(tar);
    if (entry?.kind === 'file') return entry.content.toString('utf8');
    if (entry?.kind === 'symlink') {
      target = path.posix.resolve(path.posix.dirname(target), entry.linkName);
      continue;
    }
    throw new OperationalError(`${file} in container ${id} is not a regular file`);
  }
  throw new OperationalError(`${file} in container ${id}: too many symbolic links`);
}

/** The newest `lines` lines of each file in the container that exists, joined (for matching, not display). */
export async function tailFilesInContainer(docker: Dockerode, id: string, files: readonly string[], lines = 200): Promise<string> {
  const texts = await Promise.all(files.map((file) => readFileInContainer(docker, id, file).catch(() => undefined)));
  return texts.map((text) => (text ?? '').split('\n').slice(-lines).join('\n')).join('\n');
}

type TarEntry = { kind: 'file'; content: Buffer } | { kind: 'symlink'; linkName: string } | { kind: 'other' };

/** The first real entry of a tar archive, skipping pax and GNU long-name headers. */
export function firstTarEntry(tar: Buffer): TarEntry | undefined {
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) return undefined;
    const size = tarNumber(header.subarray(124, 136));
    const type = String.fromCharCode(header[156]);
    const body = offset + 512;
    if (type === '0' || type === '\0' || type === '7') return { kind: 'file', content: tar.subarray(body, body + size) };
    if (type === '2') return { kind: 'symlink', linkName: cString(header.subarray(157, 257)) };
    if (!['x', 'g', 'L', 'K'].includes(type)) return { kind: 'other' };
    offset = body + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

function tarNumber(field: Buffer): number {
  // GNU base-256 encoding for sizes beyond the octal field.
  if (field[0] & 0x80) return field.subarray(1).reduce((n, byte) => n * 256 + byte, 0);
  return parseInt(cString(field).trim() || '0', 8);
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function notFoundOr(error: unknown, id: string, what: string): OperationalError {
  if (error instanceof OperationalError) return error;
  return statusOf(error) === 404 ? engineFailure(`container ${id} not found`, error) : engineFailure(what, error);
}
