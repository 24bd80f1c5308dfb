/**
 * The gateway's configuration as documents: read what is there (ours, upstream's or the console's),
 * change only what we mean to, and hand back the file changes. Comments, unknown fields and order survive.
 * Reads use a fast plain parse; a file becomes an editable `yaml` Document only when it is changed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import type { Document, YAMLMap, YAMLSeq } from 'yaml';
import { endpointOf, PROVIDERS, providerById, type Extras, type Provider } from './catalog.js';
import { headerMatch, modelPredicates, type HeaderMatch } from './model-patterns.js';
import { isPlaceholder, isConfiguredEntry } from './provider-config.js';

export const FILES = {
  aiProxy: 'wasmplugins/ai-proxy.internal.yaml',
  modelRouter: 'wasmplugins/model-router.internal.yaml',
  aiStatistics: 'wasmplugins/ai-statistics-1.0.0.yaml',
  mcpBridge: 'mcpbridges/default.yaml',
  console: 'configmaps/higress-console.yaml',
  /**
   * Envoy's file access log. The all-in-one image sends the mesh access log to stdout unless O11Y is on
   * (higress-standalone all-in-one/scripts/start-gateway.sh:23-27), and O11Y needs the observability
   * binaries (scripts/base.sh:30-55); its apiserver serves EnvoyFilters from /data/envoyfilters
   * (src/apiserver/pkg/apiserver/apiserver.go:380) like the image's own (config/envoyfilters/).
   */
  accessLog: 'envoyfilters/access-log-file.internal.yaml',
  ingress: (id: string) => `ingresses/ai-route-${id}.internal.yaml`,
  aiRoute: (id: string) => `configmaps/ai-route-${id}.yaml`,
} as const;

export const MARKER_FILE = '.ai-gateway-configured';
export const MODEL_HEADER = 'x-higress-llm-model';
/** The model name that asks model-router to pick a model from the message. */
export const AUTO_MODEL = 'higress/auto';
const MATCH_ANNOTATION = (kind: string) => `higress.io/${kind}-match-header-${MODEL_HEADER}`;
const DESTINATION = 'higress.io/destination';

const TEMPLATE_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));
const template = (path: string) => readFileSync(TEMPLATE_DIR + path, 'utf8');

export interface FileChange {
  path: string;
  content: string | null;
}

export interface ProviderConfig {
  id: string;
  tokens: string[];
  /** Comma-separated names and globs as the user wrote them. */
  models: string;
  extras: Extras;
}

export interface RoutingRule {
  pattern: string;
  model: string;
}

export interface AutoRouting {
  enabled: boolean;
  defaultModel?: string;
  rules: RoutingRule[];
}

/** A configured provider as the gateway files describe it. */
export interface ConfiguredProvider extends ProviderConfig {
  provider: Provider | undefined;
  type: string;
  match: HeaderMatch | undefined;
}

type Reader = (path: string) => Promise<string | null>;
type YamlModule = typeof import('yaml');

interface OwnedFile {
  /** The file's text, or null when it does not exist. */
  original: string | null;
  /** Text the file starts from when it does not exist yet (a template). */
  initial: string | null;
  /** Plain parse of `original ?? initial`. */
  plain: unknown;
  /** Created on first change. */
  doc: Document | null;
  dirty: boolean;
  deleted: boolean;
}

/** The parser for reading: YAML 1.2 core schema, like the `yaml` package (no timestamps). */
function parsePlain(text: string, path: string): unknown {
  try {
    return loadYaml(text, { schema: CORE_SCHEMA, filename: path });
  } catch (error) {
    throw new Error(`${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
}

function at(value: unknown, keys: string[]): unknown {
  let node = value;
  for (const key of keys) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

export class GatewayFiles {
  private readonly files = new Map<string, OwnedFile>();

  private constructor(
    private readonly read: Reader,
    private readonly yaml: YamlModule | undefined,
  ) {}

  /** Loads the always-owned files; missing ones start from the templates. `editable` loads the editing parser. */
  static async load(read: Reader, opts: { editable?: boolean } = {}): Promise<GatewayFiles> {
    const files = new GatewayFiles(read, opts.editable ? await import('yaml') : undefined);
    const owned = [FILES.aiProxy, FILES.modelRouter, FILES.aiStatistics, FILES.mcpBridge, FILES.console, FILES.accessLog];
    await Promise.all(owned.map((path) => files.open(path, path)));
    const entries = at(files.view(FILES.aiProxy), ['spec', 'defaultConfig', 'providers']);
    const ids = (Array.isArray(entries) ? entries : []).map((e) => e?.id).filter((id): id is string => typeof id === 'string');
    await Promise.all(ids.map((id) => files.open(FILES.ingress(id))));
    return files;
  }

  /** A data folder with nothing in it yet. */
  static empty(): Promise<GatewayFiles> {
    return GatewayFiles.load(async () => null, { editable: true });
  }

  private async open(path: string, templatePath?: string): Promise<OwnedFile> {
    let file = this.files.get(path);
    if (file) return file;
    const original = await this.read(path);
    const initial = original === null && templatePath ? template(templatePath) : null;
    const text = original ?? initial;
    file = { original, initial, plain: text === null ? undefined : parsePlain(text, path), doc: null, dirty: original === null && initial !== null, deleted: false };
    this.files.set(path, file);
    return file;
  }

  /** The file's current content as plain data (undefined when absent or deleted). */
  private view(path: string): unknown {
    const file = this.files.get(path);
    if (!file || file.deleted) return undefined;
    return file.doc ? file.doc.toJS() : file.plain;
  }

  /** The file as an editable document, marked changed. */
  private edit(path: string): Document {
    const file = this.files.get(path);
    if (!file) throw new Error(`${path} is not loaded`);
    if (!this.yaml) throw new Error('GatewayFiles was loaded read-only');
    if (!file.doc || file.deleted) {
      const text = file.deleted ? null : (file.original ?? file.initial);
      file.doc = this.yaml.parseDocument(text ?? '{}');
      file.deleted = false;
    }
    file.dirty = true;
    return file.doc;
  }

  private seq(path: string, keys: string[]): YAMLSeq {
    const doc = this.edit(path);
    let node = doc.getIn(keys, true);
    if (!this.yaml!.isSeq(node)) {
      doc.setIn(keys, doc.createNode([]));
      node = doc.getIn(keys, true);
    }
    return node as YAMLSeq;
  }

  // ---- providers ----

  /** Every provider entry in ai-proxy that is really configured (upstream placeholders are not). */
  configuredProviders(): ConfiguredProvider[] {
    const list = at(this.view(FILES.aiProxy), ['spec', 'defaultConfig', 'providers']);
    return (Array.isArray(list) ? (list as Record<string, unknown>[]) : [])
      .filter((entry) => entry && typeof entry === 'object' && isConfiguredEntry(entry))
      .map((entry) => this.describe(entry));
  }

  private describe(entry: Record<string, unknown>): ConfiguredProvider {
    const id = String(entry.id);
    const provider = PROVIDERS.find((p) => p.id === id);
    const { id: _id, type, apiTokens, ...extras } = entry;
    const tokens = (Array.isArray(apiTokens) ? apiTokens : []).map(String).filter((t) => !isPlaceholder(t));
    const match = this.ingressMatch(id);
    return {
      id,
      provider,
      type: String(type ?? ''),
      tokens,
      extras: extras as Extras,
      match,
      models: match ? globsOf(match) : (provider?.defaultModels ?? ''),
    };
  }

  private ingressMatch(id: string): HeaderMatch | undefined {
    const annotations = at(this.view(FILES.ingress(id)), ['metadata', 'annotations']) as Record<string, unknown> | undefined;
    for (const kind of ['prefix', 'regex', 'exact'] as const) {
      const value = annotations?.[MATCH_ANNOTATION(kind)];
      if (typeof value === 'string') return { kind: kind === 'exact' ? 'prefix' : kind, value };
    }
    return undefined;
  }

  hasProvider(id: string): boolean {
    return this.configuredProviders().some((p) => p.id === id);
  }

  /** Adds or replaces a provider: its ai-proxy entry and match rule, registry, ingress and ai-route. */
  async upsertProvider(config: ProviderConfig): Promise<void> {
    const provider = providerById(config.id);
    const endpoint = endpointOf(provider, config.extras);
    const isStatic = /^\d{1,3}(\.\d{1,3}){3}$/.test(endpoint.host);
    const registryType = isStatic ? 'static' : 'dns';
    const registryPort = isStatic ? 80 : endpoint.port;
    const service = `llm-${provider.id}.internal.${registryType}`;

    const entry: Record<string, unknown> = { id: provider.id, type: provider.type, apiTokens: config.tokens };
    for (const [key, value] of Object.entries(config.extras)) entry[key] = value;
    const ownedFields = [...(provider.extras ?? []).map((f) => f.key), ...Object.keys(provider.keys?.variant?.sets ?? {})];
    this.replaceInSeq(FILES.aiProxy, ['spec', 'defaultConfig', 'providers'], (n) => n.get('id') === provider.id, entry, ownedFields);
    this.replaceInSeq(
      FILES.aiProxy,
      ['spec', 'matchRules'],
      (n) => matchRuleProvider(n) === provider.id,
      { service: [service], configDisable: false, config: { activeProviderId: provider.id } },
    );
    this.replaceInSeq(FILES.mcpBridge, ['spec', 'registries'], (n) => n.get('name') === `llm-${provider.id}.internal`, {
      name: `llm-${provider.id}.internal`,
      type: registryType,
      protocol: endpoint.protocol,
      domain: isStatic ? `${endpoint.host}:${endpoint.port}` : endpoint.host,
      port: registryPort,
    });

    const match = headerMatch(config.models);
    await this.openWithTemplate(FILES.ingress(provider.id), 'provider/ingress.yaml');
    const ingressDoc = this.edit(FILES.ingress(provider.id));
    ingressDoc.setIn(['metadata', 'name'], `ai-route-${provider.id}.internal`);
    ingressDoc.setIn(['metadata', 'annotations', DESTINATION], `${service}:${registryPort}`);
    for (const kind of ['prefix', 'regex', 'exact']) ingressDoc.deleteIn(['metadata', 'annotations', MATCH_ANNOTATION(kind)]);
    ingressDoc.setIn(['metadata', 'annotations', MATCH_ANNOTATION(match.kind)], match.value);
    this.quoteAnnotations(ingressDoc);

    await this.openWithTemplate(FILES.aiRoute(provider.id), 'provider/ai-route.yaml');
    const routeDoc = this.edit(FILES.aiRoute(provider.id));
    routeDoc.setIn(['metadata', 'name'], `ai-route-${provider.id}`);
    const previous = parseRouteData(routeDoc.getIn(['data', 'data']));
    const data = {
      ...previous,
      name: provider.id,
      upstreams: [{ provider: provider.id }],
      modelPredicates: modelPredicates(match),
      version: previous.version ?? '1',
    };
    const literal = routeDoc.createNode(JSON.stringify(data, null, 2) + '\n');
    if (this.yaml!.isScalar(literal)) literal.type = 'BLOCK_LITERAL';
    routeDoc.setIn(['data', 'data'], literal);
  }

  /** Opens a per-provider file; a missing one (or one deleted earlier in this edit) starts from its template. */
  private async openWithTemplate(path: string, templatePath: string): Promise<void> {
    const file = await this.open(path, templatePath);
    if (file.deleted || (file.original === null && file.initial === null)) {
      file.initial = template(templatePath);
      file.doc = null;
      file.deleted = false;
      file.plain = parsePlain(file.initial, path);
    }
  }

  /** Removes every trace of a provider: entry, match rule, registry, ingress and ai-route. */
  async removeProvider(id: string): Promise<boolean> {
    let found = this.removeFromSeq(FILES.aiProxy, ['spec', 'defaultConfig', 'providers'], (n) => n.get('id') === id);
    found = this.removeFromSeq(FILES.aiProxy, ['spec', 'matchRules'], (n) => matchRuleProvider(n) === id) || found;
    found = this.removeFromSeq(FILES.mcpBridge, ['spec', 'registries'], (n) => n.get('name') === `llm-${id}.internal`) || found;
    for (const path of [FILES.ingress(id), FILES.aiRoute(id)]) {
      const file = await this.open(path);
      if (!file.deleted && (file.original !== null || file.doc)) {
        file.doc = null;
        file.deleted = true;
        file.dirty = true;
        found = true;
      }
    }
    return found;
  }

  private replaceInSeq(path: string, keys: string[], same: (node: YAMLMap) => boolean, value: object, ownedFields: string[] = []): void {
    const seq = this.seq(path, keys);
    const { isMap, isScalar } = this.yaml!;
    const node = this.edit(path).createNode(value) as YAMLMap;
    const index = seq.items.findIndex((item) => isMap(item) && same(item));
    if (index >= 0) {
      const old = seq.items[index] as YAMLMap;
      // Keep fields we do not own (a console edit such as `timeout`) unless we set them.
      for (const pair of old.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (!node.has(key) && !OWNED_ENTRY_FIELDS.has(String(key)) && !ownedFields.includes(String(key))) node.set(key, pair.value);
      }
      node.commentBefore = old.commentBefore;
      node.comment = old.comment;
      seq.items[index] = node;
    } else {
      seq.items.push(node);
    }
    seq.flow = false;
  }

  private removeFromSeq(path: string, keys: string[], same: (node: YAMLMap) => boolean): boolean {
    const list = at(this.view(path), keys);
    if (!Array.isArray(list) || list.length === 0) return false;
    const seq = this.seq(path, keys);
    const { isMap } = this.yaml!;
    const before = seq.items.length;
    seq.items = seq.items.filter((item) => !(isMap(item) && same(item)));
    return seq.items.length !== before;
  }

  // ---- auto-routing ----

  autoRouting(): AutoRouting {
    const raw = at(this.view(FILES.modelRouter), ['spec', 'defaultConfig', 'autoRouting']);
    const value = (raw && typeof raw === 'object' ? raw : {}) as { enable?: unknown; defaultModel?: unknown; rules?: unknown };
    const rules = Array.isArray(value.rules) ? value.rules : [];
    return {
      enabled: value.enable === true,
      defaultModel: typeof value.defaultModel === 'string' && value.defaultModel ? value.defaultModel : undefined,
      rules: rules.map((r: { pattern?: unknown; model?: unknown }) => ({ pattern: String(r?.pattern ?? ''), model: String(r?.model ?? '') })),
    };
  }

  setAutoRouting(next: AutoRouting): void {
    const doc = this.edit(FILES.modelRouter);
    const base = ['spec', 'defaultConfig', 'autoRouting'];
    doc.setIn([...base, 'enable'], next.enabled);
    if (next.defaultModel) doc.setIn([...base, 'defaultModel'], next.defaultModel);
    else doc.deleteIn([...base, 'defaultModel']);
    if (next.rules.length > 0) {
      const rules = doc.createNode(next.rules.map((r) => ({ pattern: r.pattern, model: r.model })));
      doc.setIn([...base, 'rules'], rules);
    } else {
      doc.deleteIn([...base, 'rules']);
    }
  }

  // ---- output ----

  /** Files to write (resourceVersion bumped) or delete; untouched files are left alone. */
  changes(): FileChange[] {
    const out: FileChange[] = [];
    for (const [path, file] of this.files) {
      if (!file.dirty) continue;
      if (file.deleted) {
        if (file.original !== null) out.push({ path, content: null });
        continue;
      }
      if (!file.doc) {
        if (file.original === null && file.initial !== null) out.push({ path, content: file.initial });
        continue;
      }
      if (file.original !== null) {
        if (JSON.stringify(file.plain) === JSON.stringify(file.doc.toJS())) continue;
        const previous = Number(at(file.plain, ['metadata', 'resourceVersion']));
        file.doc.setIn(['metadata', 'resourceVersion'], String(Number.isFinite(previous) ? previous + 1 : 1));
      }
      const version = file.doc.getIn(['metadata', 'resourceVersion'], true);
      if (this.yaml!.isScalar(version)) version.type = 'QUOTE_DOUBLE';
      out.push({ path, content: file.doc.toString({ lineWidth: 0 }) });
    }
    return out;
  }

  private quoteAnnotations(doc: Document): void {
    const annotations = doc.getIn(['metadata', 'annotations'], true);
    if (!this.yaml!.isMap(annotations)) return;
    for (const pair of annotations.items) if (this.yaml!.isScalar(pair.value)) pair.value.type = 'QUOTE_DOUBLE';
  }
}

const OWNED_ENTRY_FIELDS = new Set(['id', 'type', 'apiTokens', 'service', 'config', 'configDisable', 'name', 'protocol', 'domain', 'port']);

function matchRuleProvider(node: YAMLMap): unknown {
  const config = node.get('config') as YAMLMap | undefined;
  return config && typeof config.get === 'function' ? config.get('activeProviderId') : undefined;
}

function parseRouteData(value: unknown): Record<string, unknown> {
  if (typeof value !== 'string' || !value.trim()) return {};
  try {
    return JSON.parse(value) as Record<string, unknown>;
  } catch {
    return {};
  }
}




/** The user-facing glob list for a header match (inverse of the upstream normalisation). */
export function globsOf(match: HeaderMatch): string {
  if (match.kind === 'prefix') return match.value.endsWith('-') ? `${match.value}*` : match.value;
  return match.value.split('|').map((v) => v.replaceAll('.*', '*')).join(',');
}
