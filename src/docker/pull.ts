import type Dockerode from 'dockerode';
import { OperationalError } from '../core/errors.js';
import { dockerConfigAuth, type RegistryAuth } from './auth.js';
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
}

/** Makes sure one of the candidates is present locally and returns its reference. */
export async function ensureImage(docker: Dockerode, options: EnsureImageOptions): Promise<string> {
  const { candidates, reporter } = options;
  if (candidates.length === 0) throw new Error('ensureImage: no image candidates');
  if (options.policy === 'missing' && (await imageExists(docker, candidates[0]))) return candidates[0];

  const authFor = options.authConfigFor ?? dockerConfigAuth();
  let lastReason = '';
  for (const [index, ref] of candidates.entries()) {
    reporter?.start(ref);
    try {
      await pullImage(docker, ref, await authFor(ref), (event) => reporter?.progress(event));
      reporter?.done(ref);
      return ref;
    } catch (error) {
      lastReason = error instanceof PullFailure ? error.message : reasonOf(error);
      reporter?.failed(ref, lastReason, candidates[index + 1]);
    }
  }
  throw new OperationalError(`could not pull the gateway image (tried: ${candidates.join(', ')}): ${lastReason}`, {
    hint:
      'Check that the Docker engine can reach the registry (network, proxy, firewall), ' +
      'or choose another registry with --image-repo or IMAGE_REPO.',
  });
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
): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(ref, auth ? { authconfig: auth } : {});
  } catch (error) {
    throw new PullFailure(reasonOf(error));
  }

  await new Promise<void>((resolve, reject) => {
    let streamError: string | undefined;
    docker.modem.followProgress(
      stream,
      (error: Error | null) => {
        if (error) reject(new PullFailure(reasonOf(error)));
        else if (streamError !== undefined) reject(new PullFailure(streamError));
        else resolve();
      },
      (event: PullEvent) => {
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
