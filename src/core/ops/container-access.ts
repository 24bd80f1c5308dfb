/**
 * Engine access for the operating commands: connect without failing, and stream a command's output or a
 * file out of the container. Loaded lazily (it pulls in dockerode).
 */
import { CliError } from '../errors.js';
import { connectEngine, findContainer, type ContainerSummary, type EngineConnection } from '../../docker/index.js';
export { archiveStream, execStream } from '../../docker/index.js';

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

/** The named container, or why it cannot be looked at. */
export async function lookupContainer(engine: EngineConnection, name: string): Promise<ContainerSummary | null> {
  return findContainer(engine.docker, name);
}
