/**
 * Engine access for the operating commands: connect without failing, and stream a command's output or a
 * file out of the container. Loaded lazily (it pulls in dockerode).
 */
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { CliError, OperationalError } from '../errors.js';
import { connectEngine, findContainer, type ContainerSummary, type EngineConnection } from '../../docker/index.js';
import { DemuxStream, TarFirstFile } from './streams.js';

export type EngineAnswer = { ok: true; engine: EngineConnection } | { ok: false; message: string; hint?: string };

/** The engine, or why there is none: for commands that still have something to say without one. */
export async function tryConnect(probeTimeoutMs = 2000): Promise<EngineAnswer> {
  try {
    return { ok: true, engine: await connectEngine({ probeTimeoutMs }) };
  } catch (error) {
    if (error instanceof CliError) return { ok: false, message: error.message, hint: error.hint };
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
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
  const exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false });
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

/** The named container, or why it cannot be looked at. */
export async function lookupContainer(engine: EngineConnection, name: string): Promise<ContainerSummary | null> {
  return findContainer(engine.docker, name);
}
