/**
 * Failures we recognise, matched on the gateway container's log and on image pull errors: what happened
 * in words and what to do. One table, read by `start` (while waiting and when a pull fails) and `doctor`.
 */

export const INOTIFY_MIN = 8192;
/** Upstream's advice for "too many open files" (gateway contract: inotify). */
export const INOTIFY_FIX =
  `sudo sysctl -w fs.inotify.max_user_instances=${INOTIFY_MIN} ` +
  `(keep it: echo fs.inotify.max_user_instances=${INOTIFY_MIN} | sudo tee /etc/sysctl.d/99-higress.conf)`;

export type FailureSource = 'log' | 'pull';

/** What the message can name. */
export interface FailureContext {
  /** Registry host of the image being pulled. */
  registry?: string;
  /** Repository and tag being pulled. */
  repo?: string;
  tag?: string;
  dataFolder?: string;
}

export interface Diagnosis {
  id: string;
  message: string;
  fix: string;
  /** The line that matched (deduplicated log line or the pull error). */
  evidence: string;
}

interface KnownFailure {
  id: string;
  source: FailureSource;
  pattern: RegExp;
  message(ctx: FailureContext): string;
  fix(ctx: FailureContext): string;
}

const some = (value: string | undefined, fallback: string) => value || fallback;

const TABLE: readonly KnownFailure[] = [
  {
    id: 'inotify',
    source: 'log',
    pattern: /too many open files/i,
    message: () => 'the gateway cannot watch its files: "too many open files" (the inotify instance limit is too low)',
    fix: () => INOTIFY_FIX,
  },
  {
    id: 'address-in-use',
    source: 'log',
    pattern: /address already in use|EADDRINUSE/i,
    message: () => 'a port the gateway listens on inside its container is already taken ("address already in use")',
    fix: () => 'choose other ports with --http-port, --https-port and --console-port (add --recreate for an existing container)',
  },
  {
    id: 'data-permission',
    source: 'log',
    pattern: /(permission denied|EACCES|operation not permitted|read-only file system)[^\n]*\/(data|var\/log\/proxy)\b|\/(data|var\/log\/proxy)\b[^\n]*(permission denied|EACCES|operation not permitted|read-only file system)/i,
    message: (c) => `the gateway may not write its data folder${c.dataFolder ? ` ${c.dataFolder}` : ''} ("permission denied" on /data)`,
    fix: (c) =>
      `let the container write it: sudo chown -R "$(id -u):$(id -g)" ${some(c.dataFolder, '<data folder>')}; ` +
      'with SELinux, relabel it (chcon -Rt container_file_t <folder>); with Docker Desktop, share the folder in its settings',
  },
  {
    id: 'dns',
    source: 'pull',
    pattern: /no such host|EAI_AGAIN|ENOTFOUND|temporary failure in name resolution|server misbehaving|lookup [^\s]+ on [^\s]+: /i,
    message: (c) => `this machine cannot resolve ${some(c.registry, 'the registry')}: offline, DNS or proxy`,
    fix: () =>
      'check the network and DNS (and the Docker daemon\'s proxy settings), or pull from a registry you can reach with ' +
      '--image-repo (IMAGE_REPO), e.g. a local one',
  },
  {
    id: 'manifest-unknown',
    source: 'pull',
    pattern: /manifest unknown|manifest for \S+ not found|not found: manifest|no matching manifest/i,
    message: (c) =>
      c.repo
        ? `${c.repo}:${some(c.tag, 'latest')} does not exist (manifest unknown)`
        : `none of ${some(c.registry, 'the registries')} has the tag ${some(c.tag, 'latest')} (manifest unknown)`,
    fix: () => 'check --image-tag (IMAGE_TAG); leave it out for latest',
  },
  {
    id: 'unauthorized',
    source: 'pull',
    pattern: /unauthorized|authentication required|denied: requested access|pull access denied|no basic auth credentials/i,
    message: (c) => `${some(c.registry, 'the registry')} refused ${some(c.repo, 'the image')} without a login (unauthorized)`,
    fix: (c) => `docker login ${some(c.registry, '<registry>')} (or check --image-repo)`,
  },
  {
    id: 'unreachable',
    source: 'pull',
    pattern: /connection refused|i\/o timeout|network is unreachable|no route to host|TLS handshake timeout|connection reset|context deadline exceeded/i,
    message: (c) => `${some(c.registry, 'the registry')} does not answer: offline, firewall or proxy`,
    fix: () => 'check the network and the Docker daemon\'s proxy settings, or choose a registry you can reach with --image-repo (IMAGE_REPO)',
  },
];

/** The first known failure in `text` (a log or an error message) from `source`, with the line that matched. */
export function diagnose(text: string, source: FailureSource, ctx: FailureContext = {}): Diagnosis | undefined {
  // The newest lines describe the failure best: look from the end.
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean).reverse();
  for (const failure of TABLE) {
    if (failure.source !== source) continue;
    const line = lines.find((l) => failure.pattern.test(l));
    if (line) return { id: failure.id, message: failure.message(ctx), fix: failure.fix(ctx), evidence: line };
  }
  return undefined;
}

/** The ids in the table, for tests and doctor. */
export const KNOWN_FAILURE_IDS = TABLE.map((f) => f.id);

/** Log lines without their timestamps and repeats: a crash loop prints the same lines on every run. */
export function distinctLines(text: string, max = 12): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!line.trim()) continue;
    const key = line.replace(/^\S*\d{4}-\d{2}-\d{2}[T ][\d:.]+Z?\S*\s*/, '').trim();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(line);
  }
  return out.slice(-max);
}

/** `<repo>` and `<tag>` of `<repo>:<tag>` (a port in the registry host is not a tag). */
export function splitRef(ref: string): { repo: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { repo: ref, tag: 'latest' };
}
