/**
 * Plain parses of the data folder's files, kept between commands in our state folder (`parsed.json`, 0600):
 * every change reads each route and console route, and parsing a hundred small YAML files, or a model-router
 * file of 1000 rules, costs more than the rest of the command. An entry is used only for the exact text it was
 * made from, by the same build of this tool (its reader). Files that hold keys (ai-proxy, key-auth, the
 * console's config map) are never kept. Written only by changing commands, under the data folder's lock.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_DIR, stagingDir } from './store/paths.js';

declare const __GAG_BUILD__: string | undefined;
/** Set by the bundle (scripts/build.mjs); undefined when running from src/, where nothing is kept. */
export const BUILD_ID: string | undefined = typeof __GAG_BUILD__ === 'string' ? __GAG_BUILD__ : undefined;

const FILE = 'parsed.json';
const FORMAT = 1;
/** Only these: none of them holds a key. */
const KEPT = /^(ingresses\/[^/]+|configmaps\/ai-route-[^/]+|wasmplugins\/(model-router|custom-response)\.internal|mcpbridges\/[^/]+|envoyfilters\/[^/]+)\.yaml$/;

interface Entry {
  text: string;
  plain: unknown;
}

export class ParseCache {
  /** Parses made by this command, as JSON made at once (what uses them cannot change what is kept). */
  private readonly made = new Map<string, string>();

  private constructor(
    private readonly folder: string,
    /** As read; `stored` is its parse, handed to readers. */
    private readonly raw: string | undefined,
    private readonly stored: Record<string, Entry>,
    private readonly build: string,
  ) {}

  /** The cache of a data folder; empty when absent, unreadable, of another build, or when `build` is undefined. */
  static open(dataFolder: string, build: string | undefined = BUILD_ID): ParseCache | undefined {
    if (build === undefined) return undefined;
    let raw: string | undefined;
    let stored: Record<string, Entry> = {};
    try {
      raw = readFileSync(join(dataFolder, STATE_DIR, FILE), 'utf8');
      const files = filesOf(raw, build);
      if (files) stored = files;
      else raw = undefined;
    } catch {
      raw = undefined; // none yet, or damaged: parse again
    }
    return new ParseCache(dataFolder, raw, stored, build);
  }

  /** The parse of `text` as kept, if it was made from exactly this text. */
  get(path: string, text: string): { value: unknown } | undefined {
    const entry = Object.hasOwn(this.stored, path) ? this.stored[path] : undefined;
    if (!entry || entry.text !== text || !KEPT.test(path)) return undefined;
    return { value: entry.plain };
  }

  /** A parse made now, to keep (if the file is one we keep and its value survives JSON as it is). */
  put(path: string, text: string, plain: unknown): void {
    if (KEPT.test(path) && jsonSafe(plain)) this.made.set(path, JSON.stringify({ text, plain }));
  }

  /**
   * Keeps what was kept and what this command parsed, less the files it changed (their text is new), plus the
   * parses of new texts the command knows (`written`: a text edit's own check).
   */
  save(changedPaths: readonly string[], written: readonly { path: string; text: string; plain: unknown }[] = []): void {
    // The entries as read, not as handed out (a reader may have changed those objects).
    const kept = Object.entries((this.raw && filesOf(this.raw, this.build)) || {}).map(([path, entry]) => [path, JSON.stringify(entry)] as const);
    const files = new Map([...kept, ...this.made]);
    const dropped = changedPaths.filter((path) => files.delete(path));
    for (const { path, text, plain } of written) if (KEPT.test(path) && jsonSafe(plain)) files.set(path, JSON.stringify({ text, plain }));
    if (this.made.size === 0 && dropped.length === 0 && written.length === 0) return;
    const json = `{"format":${FORMAT},"build":${JSON.stringify(this.build)},"files":{${[...files].map(([path, entry]) => `${JSON.stringify(path)}:${entry}`).join(',')}}}`;
    try {
      // Written beside the staging files, which the next change removes if this one is cut short.
      mkdirSync(stagingDir(this.folder), { recursive: true, mode: 0o700 });
      const temp = join(stagingDir(this.folder), `${process.pid}-${FILE}`);
      writeFileSync(temp, json, { mode: 0o600 });
      renameSync(temp, join(this.folder, STATE_DIR, FILE));
    } catch {
      // A cache that cannot be written only costs time.
    }
  }
}

function filesOf(raw: string, build: string): Record<string, Entry> | undefined {
  const data = JSON.parse(raw) as { format?: unknown; build?: unknown; files?: Record<string, Entry> };
  return data.format === FORMAT && data.build === build && data.files && typeof data.files === 'object' ? data.files : undefined;
}

/** Whether JSON gives the value back as it is: no NaN, infinities, -0, dates or other objects of a class. */
function jsonSafe(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(jsonSafe);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).every(jsonSafe);
  return false;
}
