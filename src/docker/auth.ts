import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** The X-Registry-Auth body the Engine API expects for a pull. */
export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

export interface DockerConfigAuthOptions {
  env?: Record<string, string | undefined>;
  homeDir?: string;
  readTextFile?: (file: string) => Promise<string | undefined>;
}

/** "host[:port]" of an image reference; Docker Hub references give "docker.io". */
export function registryHost(ref: string): string {
  const slash = ref.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = ref.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? normaliseRegistry(first) : 'docker.io';
}

/**
 * Reads inline credentials from the docker config file (`auths[host].auth` or username/password).
 * Credential helpers (`credsStore`, `credHelpers`) are not consulted: the gateway images are public,
 * and a private mirror can still be reached after `docker login` writes inline credentials.
 */
export function dockerConfigAuth(
  options: DockerConfigAuthOptions = {},
): (ref: string) => Promise<RegistryAuth | undefined> {
  const env = options.env ?? process.env;
  const configDir = env.DOCKER_CONFIG || path.join(options.homeDir ?? homedir(), '.docker');
  const read = options.readTextFile ?? ((file: string) => fs.readFile(file, 'utf8').catch(() => undefined));
  let auths: Promise<Map<string, RegistryAuth>> | undefined;

  return async (ref) => {
    auths ??= read(path.join(configDir, 'config.json')).then(parseAuths);
    return (await auths).get(registryHost(ref));
  };
}

function parseAuths(text: string | undefined): Map<string, RegistryAuth> {
  const result = new Map<string, RegistryAuth>();
  let config: unknown;
  try {
    config = text === undefined ? undefined : JSON.parse(text);
  } catch {
    return result;
  }
  const auths = (config as { auths?: unknown } | undefined)?.auths;
  if (typeof auths !== 'object' || auths === null) return result;

  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { auth, username, password } = entry as Record<string, unknown>;
    let user = typeof username === 'string' ? username : undefined;
    let pass = typeof password === 'string' ? password : undefined;
    if (typeof auth === 'string' && auth) {
      const decoded = Buffer.from(auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        user = decoded.slice(0, colon);
        pass = decoded.slice(colon + 1);
      }
    }
    if (user && pass !== undefined) {
      const host = normaliseRegistry(key);
      result.set(host, { username: user, password: pass, serveraddress: host === 'docker.io' ? 'https://index.docker.io/v1/' : host });
    }
  }
  return result;
}

/** Config keys may be "https://host/v1/", "host" or Docker Hub aliases. */
function normaliseRegistry(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}
