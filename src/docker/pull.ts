import type Dockerode from 'dockerode';
import { OperationalError } from '../core/errors.js';
import { diagnose, splitRef, type Diagnosis } from '../core/known-failures.js';
import { dockerConfigAuth, registryHost, type RegistryAuth } from './auth.js';
import { reasonOf, statusOf } from './engine-errors.js';
import type { PullEvent, PullReporter } from './pull-progress.js';

export interface EnsureImageOptions {
  /** Full references in fallback order, e.g. the regional registry first, then mirrors. */
  candidates: string[];
  /** 'missing': use the first candidate if it is already local; 'always': pull even then. */
  policy: 'missing' | 'always';
  reporter?: PullReporter;
  /** Credentials for a reference; defaults to inline auths in the docker config file. */
  authConfigFor?: (ref: string) => RegistryAuth | undefined | Promise<RegistryAuth | undefined>;
  /** A pull that reports no progress for this long is abandoned for the next candidate. */
  stallMs?: number;
}

export const STALL_ENV = 'GET_AI_GATEWAY_PULL_STALL_SECONDS';
export const DEFAULT_STALL_MS = 30_000;

/** GET_AI_GATEWAY_PULL_STALL_SECONDS (a positive number) or 30 s. */
export function stallMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env[STALL_ENV]);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_STALL_MS;
}

interface FailedPull {
  ref: string;
  reason: string;
  diagnosis?: Diagnosis;
}

/** Makes sure one of the candidates is present locally and returns its reference. */
export async function ensureImage(docker: Dockerode, options: EnsureImageOptions): Promise<string> {
  const { candidates, reporter } = options;
  if (candidates.length === 0) throw new Error('ensureImage: no image candidates');
  if (options.policy === 'missing' && (await imageExists(docker, candidates[0]))) return candidates[0];

  const authFor = options.authConfigFor ?? dockerConfigAuth();
  const failures: FailedPull[] = [];
  for (const [index, ref] of candidates.entries()) {
    reporter?.start(ref);
    try {
      await pullImage(docker, ref, await authFor(ref), (event) => reporter?.progress(event), options.stallMs ?? DEFAULT_STALL_MS);
      reporter?.done(ref);
      return ref;
    } catch (error) {
      const reason = error instanceof PullFailure ? error.message : reasonOf(error);
      const diagnosis = diagnose(reason, 'pull', { registry: registryHost(ref), ...splitRef(ref) });
      failures.push({ ref, reason, diagnosis });
      reporter?.failed(ref, diagnosis?.message ?? reason, candidates[index + 1]);
    }
  }
  throw pullError(failures);
}

/** One message for all failed candidates: the same known failure everywhere is said once, naming every registry. */
export function pullError(failures: FailedPull[]): OperationalError {
  const doctor = 'get-ai-gateway doctor checks this machine';
  const first = failures[0]!;
  const same = first.diagnosis && failures.every((f) => f.diagnosis?.id === first.diagnosis!.id);
  if (same && first.diagnosis) {
    const registries = [...new Set(failures.map((f) => registryHost(f.ref)))];
    const { repo, tag } = splitRef(first.ref);
    const merged = diagnose(first.reason, 'pull', { registry: registries.join(', '), repo: failures.length > 1 ? undefined : repo, tag })!;
    return new OperationalError(`could not pull the gateway image: ${merged.message}`, { hint: `${merged.fix}; ${doctor}` });
  }
  const tried = failures.map((f) => f.diagnosis?.message ?? `${f.ref}: ${f.reason}`).join('; ');
  const fix = first.diagnosis?.fix ?? 'check that the Docker engine can reach the registry (network, proxy, firewall), or choose another registry with --image-repo (IMAGE_REPO)';
  return new OperationalError(`could not pull the gateway image: ${tried}`, { hint: `${fix}; ${doctor}` });
}

export async function imageExists(docker: Dockerode, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw new OperationalError(`could not inspect image ${ref}: ${reasonOf(error)}`, { cause: error });
  }
}

class PullFailure extends Error {}

/**
 * Pulls one reference. The engine answers 200 and then reports failures as `{"error": ...}` lines,
 * so a stream that ends normally is not yet a success: every event is checked, and the image must exist afterwards.
 */
async function pullImage(
  docker: Dockerode,
  ref: string,
  auth: RegistryAuth | undefined,
  onEvent: (event: PullEvent) => void,
  stallMs: number,
): Promise<void> {
  const stalled = () => new PullFailure(`no bytes for ${stallMs / 1000} s (stalled)`);
  let stream: NodeJS.ReadableStream;
  // The engine may not even answer (a registry that accepts and never replies).
  let timer: NodeJS.Timeout | undefined;
  const request = docker.pull(ref, auth ? { authconfig: auth } : {}) as Promise<NodeJS.ReadableStream>;
  try {
    stream = await Promise.race([request, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(stalled()), stallMs)))]);
  } catch (error) {
    // An answer after we gave up must not keep the engine pulling.
    if (error instanceof PullFailure) request.then((late) => (late as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.(), () => {});
    throw error instanceof PullFailure ? error : new PullFailure(reasonOf(error));
  } finally {
    clearTimeout(timer);
  }

  await new Promise<void>((resolve, reject) => {
    let streamError: string | undefined;
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      if (error) reject(error);
      else resolve();
    };
    // Every progress event (bytes, extraction, a layer done) proves the pull is alive.
    let watchdog = setTimeout(onStall, stallMs);
    function onStall() {
      // Closing the request makes the engine cancel this pull.
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      settle(stalled());
    }
    docker.modem.followProgress(
      stream,
      (error: Error | null) => {
        if (error) settle(new PullFailure(reasonOf(error)));
        else if (streamError !== undefined) settle(new PullFailure(streamError));
        else settle();
      },
      (event: PullEvent) => {
        clearTimeout(watchdog);
        watchdog = setTimeout(onStall, stallMs);
        if (event.error !== undefined || event.errorDetail !== undefined) {
          streamError ??= event.errorDetail?.message || event.error || 'unknown error';
        } else {
          onEvent(event);
        }
      },
    );
  });

  if (!(await imageExists(docker, ref))) {
    throw new PullFailure('the pull ended without an error but the image is not present');
  }
}
