/** `logs`: the container's own output, or one component's log file inside the container. */
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { Output } from '../../ui/output.js';
import { resolveDeployment, type Deployment } from '../deployment.js';
import { OperationalError, UsageError } from '../errors.js';
import { startCommand } from './status.js';

export const COMPONENTS = ['gateway', 'apiserver', 'controller', 'pilot', 'console', 'plugin-server'] as const;
export type Component = (typeof COMPONENTS)[number];
export const DEFAULT_TAIL = 100;

export const componentLogPath = (component: Component) => `/var/log/higress/${component}.log`;

export interface LogsRequest {
  follow: boolean;
  component?: Component;
  /** undefined = everything. */
  tail?: number;
}

export function parseLogsOptions(options: Record<string, unknown>): LogsRequest {
  let component: Component | undefined;
  if (options.component !== undefined) {
    const name = String(options.component);
    if (!(COMPONENTS as readonly string[]).includes(name)) {
      throw new UsageError(`--component must be one of ${COMPONENTS.join(', ')} (got "${name}")`);
    }
    component = name as Component;
  }
  let tail: number | undefined = DEFAULT_TAIL;
  if (options.tail !== undefined) {
    const text = String(options.tail).trim();
    if (text === 'all') tail = undefined;
    else if (/^\d+$/.test(text) && Number(text) <= 10_000_000) tail = Number(text);
    else throw new UsageError(`--tail must be a number of lines or "all" (got "${text}")`, { hint: 'for example --tail 200' });
  }
  return { follow: Boolean(options.follow), component, tail };
}

/** The exec command that prints a component log: `tail -n N [-f] <file>`. */
export function componentCommand(request: LogsRequest & { component: Component }): string[] {
  return ['tail', '-n', request.tail === undefined ? '+1' : String(request.tail), ...(request.follow ? ['-f'] : []), componentLogPath(request.component)];
}

export async function runLogs(options: Record<string, unknown>, out: Output, stdout: Writable = process.stdout, stderr: Writable = process.stderr): Promise<void> {
  const request = parseLogsOptions(options);
  if (out.json) {
    // The log as one JSON result: collected here, printed once.
    if (request.follow) throw new UsageError('--follow cannot be combined with --json', { hint: 'drop one of them' });
    const { Writable: WritableStream } = await import('node:stream');
    let text = '';
    const collect = new WritableStream({ write: (chunk, _encoding, done) => ((text += String(chunk)), done()) });
    const deployment = await resolveDeployment(options);
    await writeLogs(request, deployment, out, collect, collect);
    return out.result({ container: deployment.containerName, component: request.component ?? null, lines: text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1) });
  }
  await writeLogs(request, await resolveDeployment(options), out, stdout, stderr);
}

async function writeLogs(request: LogsRequest, deployment: Deployment, out: Output, stdout: Writable, stderr: Writable): Promise<void> {
  const { connectEngine, findContainer, containerLogsTail } = await import('../../docker/index.js');
  const { docker } = await connectEngine();
  const container = await findContainer(docker, deployment.containerName);
  if (!container) {
    throw new OperationalError(`container ${deployment.containerName} does not exist`, { code: 'container.not-found', hint: `start it with ${startCommand(deployment)}` });
  }
  const running = container.state === 'running';

  if (!request.component) {
    if (!request.follow) {
      const text = await containerLogsTail(docker, container.id, request.tail ?? (Number.MAX_SAFE_INTEGER as number));
      stdout.write(text);
      return;
    }
    const { DemuxStream } = await import('../../docker/streams.js');
    const raw = (await docker.getContainer(container.id).logs({
      follow: true,
      stdout: true,
      stderr: true,
      ...(request.tail === undefined ? {} : { tail: request.tail }),
    })) as unknown as NodeJS.ReadableStream;
    const tty = Boolean(container.inspect.Config?.Tty);
    if (tty) await pipeline(raw, stdout, { end: false });
    else await pipeline(raw, new DemuxStream((chunk) => stderr.write(chunk)), stdout, { end: false });
    return;
  }

  const file = componentLogPath(request.component);
  if (!running) {
    if (request.follow) {
      throw new OperationalError(`container ${deployment.containerName} is ${container.state}: nothing to follow`, { hint: `start it with ${startCommand(deployment)}` });
    }
    // A stopped container's files are still readable through the archive endpoint.
    const { archiveStream } = await import('./container-access.js');
    const stream = await archiveStream(docker, container.id, file);
    if (!stream) throw new OperationalError(`${file} does not exist in container ${deployment.containerName}`);
    out.note(`(container ${container.state}; showing the log as it was left)`);
    await printTail(stream, request.tail, stdout);
    return;
  }
  const { execStream } = await import('./container-access.js');
  const exec = await execStream(docker, container.id, componentCommand({ ...request, component: request.component }));
  await pipeline(exec.stdout, stdout, { end: false });
  const { exitCode, stderr: errText } = await exec.finished;
  if (exitCode !== 0) {
    throw new OperationalError(`could not read ${file} in ${deployment.containerName}: ${errText.trim() || `tail exited ${exitCode}`}`, {
      hint: request.component === 'console' ? 'the console may not have started yet' : undefined,
    });
  }
}

/** The last `tail` lines of a stream, keeping only those lines in memory. */
async function printTail(stream: NodeJS.ReadableStream, tail: number | undefined, stdout: Writable): Promise<void> {
  const { createInterface } = await import('node:readline');
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  if (tail === undefined) {
    for await (const line of lines) stdout.write(line + '\n');
    return;
  }
  if (tail === 0) {
    for await (const _line of lines) void _line;
    return;
  }
  const ring: string[] = new Array(tail);
  let count = 0;
  for await (const line of lines) ring[count++ % tail] = line;
  const start = Math.max(0, count - tail);
  for (let i = start; i < count; i++) stdout.write(ring[i % tail] + '\n');
}
