/** Where the running container differs from the settings file (`<data>/default.cfg`). Pure. */
import type { Settings } from '../settings.js';

/** The parts of a container that settings decide (from inspect; see ContainerSummary). */
export interface ContainerFacts {
  /** Image reference as created, e.g. `registry/higress/all-in-one:2.1.0`. */
  image: string;
  /** Published ports: container port → host address and port. */
  ports: { containerPort: number; hostIp: string; hostPort: number }[];
  /** Bind address recorded in our label, if any. */
  bindLabel?: string;
}

export interface Drift {
  field: 'image repo' | 'image tag' | 'http port' | 'https port' | 'console port' | 'bind address';
  settings: string;
  container: string;
}

const DEFAULT_REPO_SUFFIX = '/higress/all-in-one';

/** `host:5000/a/b:tag` → repo and tag (a digest reference keeps its digest as the tag). */
export function splitImageRef(ref: string): { repo: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repo: ref.slice(0, at), tag: ref.slice(at + 1) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

export function containerDrift(settings: Settings, container: ContainerFacts): Drift[] {
  const drift: Drift[] = [];
  const { repo, tag } = splitImageRef(container.image);
  if (settings.imageRepo) {
    if (repo !== settings.imageRepo) drift.push({ field: 'image repo', settings: settings.imageRepo, container: repo });
  } else if (!repo.endsWith(DEFAULT_REPO_SUFFIX)) {
    // No repo in the settings: any mirror of the all-in-one image is what start would pick.
    drift.push({ field: 'image repo', settings: `<mirror>${DEFAULT_REPO_SUFFIX}`, container: repo });
  }
  const wantTag = settings.imageTag ?? 'latest';
  if (tag !== wantTag) drift.push({ field: 'image tag', settings: wantTag, container: tag });

  const published = new Map(container.ports.map((p) => [p.containerPort, p]));
  const hostPorts = new Set(container.ports.map((p) => p.hostPort));
  const wanted: [Drift['field'], number][] = [
    ['http port', settings.httpPort],
    ['https port', settings.httpsPort],
    ['console port', settings.consolePort],
  ];
  for (const [field, port] of wanted) {
    const p = published.get(port);
    if (!p || p.hostPort !== port) {
      const actual = p ? `${p.containerPort}→${p.hostPort}` : hostPorts.size ? `not published (published: ${[...hostPorts].sort((a, b) => a - b).join(', ')})` : 'not published';
      drift.push({ field, settings: String(port), container: actual });
    }
  }
  const bind = container.bindLabel ?? container.ports[0]?.hostIp;
  if (bind !== undefined && normaliseBind(bind) !== normaliseBind(settings.bindAddress)) {
    drift.push({ field: 'bind address', settings: settings.bindAddress, container: bind || '0.0.0.0' });
  }
  return drift;
}

const normaliseBind = (address: string) => (address === '' ? '0.0.0.0' : address.replace(/^\[(.*)\]$/, '$1'));

export const describeDrift = (d: Drift) => `${d.field}: settings ${d.settings}, container ${d.container}`;
