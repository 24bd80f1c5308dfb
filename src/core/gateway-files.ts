/**
 * The gateway's configuration as documents: read what is there (ours, upstream's or the console's),
 * change only what we mean to, and hand back the file changes. Comments, unknown fields and order survive.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Document, isMap, isScalar, isSeq, parseDocument, YAMLMap, YAMLSeq } from 'yaml';
import { endpointOf, PROVIDERS, providerById, type Extras, type Provider } from './catalog.js';
import { headerMatch, modelPredicates, type HeaderMatch } from './model-patterns.js';
import { isPlaceholder, isConfiguredEntry } from './provider-config.js';

export const FILES = {
  aiProxy: 'wasmplugins/ai-proxy.internal.yaml',
  modelRouter: 'wasmplugins/model-router.internal.yaml',
  aiStatistics: 'wasmplugins/ai-statistics-1.0.0.yaml',
  mcpBridge: 'mcpbridges/default.yaml',
  console: 'configmaps/higress-console.yaml',
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

interface OwnedFile {
  original: string | null;
  doc: Document | null;
  dirty: boolean;
}

export class GatewayFiles {
  private readonly files = new Map<string, OwnedFile>();

  private constructor(private readonly read: Reader) {}

  /** Loads the always-owned files; missing ones start from the templates. */
  static async load(read: Reader): Promise<GatewayFiles> {
    const files = new GatewayFiles(read);
    for (const path of [FILES.aiProxy, FILES.modelRouter, FILES.aiStatistics, FILES.mcpBridge, FILES.console]) {
      await files.open(path, path);
    }
    await files.loadProviderFiles();
    return files;
  }

  /** A data folder with nothing in it yet. */
  static empty(): Promise<GatewayFiles> {
    return GatewayFiles.load(async () => null);
  }

  private async open(path: string, templatePath?: string): Promise<OwnedFile> {
    let file = this.files.get(path);
    if (file) return file;
    const original = await this.read(path);
    let doc: Document | null = null;
    if (original !== null) {
      doc = parseDocument(original);
      if (doc.errors.length > 0) throw new Error(`${path} is not valid YAML: ${doc.errors[0]!.message}`);
    } else if (templatePath) {
      doc = parseDocument(template(templatePath));
    }
    file = { original, doc, dirty: original === null && doc !== null };
    this.files.set(path, file);
    return file;
  }

  private doc(path: string): Document {
    const file = this.files.get(path);
    if (!file?.doc) throw new Error(`${path} is not loaded`);
    return file.doc;
  }

  private touch(path: string): void {
    this.files.get(path)!.dirty = true;
  }

  private seq(path: string, keys: string[]): YAMLSeq {
    const doc = this.doc(path);
    let node = doc.getIn(keys, true);
    if (!isSeq(node)) {
      doc.setIn(keys, doc.createNode([]));
      node = doc.getIn(keys, true);
    }
    return node as YAMLSeq;
  }

  // ---- providers ----

  /** Every provider entry in ai-proxy that is really configured (upstream placeholders are not). */
  configuredProviders(): ConfiguredProvider[] {
    const list = this.seq(FILES.aiProxy, ['spec', 'defaultConfig', 'providers']).toJSON() as Record<string, unknown>[];
    return list.filter((entry) => isConfiguredEntry(entry)).map((entry) => this.describe(entry));
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
    const file = this.files.get(FILES.ingress(id));
    const annotations = file?.doc?.getIn(['metadata', 'annotations']);
    if (!isMap(annotations)) return undefined;
    for (const kind of ['prefix', 'regex', 'exact'] as const) {
      const value = annotations.get(MATCH_ANNOTATION(kind));
      if (typeof value === 'string') return { kind: kind === 'exact' ? 'prefix' : kind, value };
    }
    return undefined;
  }

  /** Loads the ingress of every provider entry so listings can show model patterns. */
  private async loadProviderFiles(): Promise<void> {
    const list = this.seq(FILES.aiProxy, ['spec', 'defaultConfig', 'providers']).toJSON() as { id?: unknown }[];
    for (const entry of list) {
      if (typeof entry.id === 'string') await this.open(FILES.ingress(entry.id));
    }
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
    const ingress = await this.open(FILES.ingress(provider.id), 'provider/ingress.yaml');
    const ingressDoc = ingress.doc!;
    ingressDoc.setIn(['metadata', 'name'], `ai-route-${provider.id}.internal`);
    ingressDoc.setIn(['metadata', 'annotations', DESTINATION], `${service}:${registryPort}`);
    for (const kind of ['prefix', 'regex', 'exact']) ingressDoc.deleteIn(['metadata', 'annotations', MATCH_ANNOTATION(kind)]);
    ingressDoc.setIn(['metadata', 'annotations', MATCH_ANNOTATION(match.kind)], match.value);
    quoteAnnotations(ingressDoc);
    this.touch(FILES.ingress(provider.id));

    const route = await this.open(FILES.aiRoute(provider.id), 'provider/ai-route.yaml');
    route.doc!.setIn(['metadata', 'name'], `ai-route-${provider.id}`);
    const previous = parseRouteData(route.doc!.getIn(['data', 'data']));
    const data = {
      ...previous,
      name: provider.id,
      upstreams: [{ provider: provider.id }],
      modelPredicates: modelPredicates(match),
      version: previous.version ?? '1',
    };
    route.doc!.setIn(['data', 'data'], blockLiteral(route.doc!, JSON.stringify(data, null, 2) + '\n'));
    this.touch(FILES.aiRoute(provider.id));
  }

  /** Removes every trace of a provider: entry, match rule, registry, ingress and ai-route. */
  async removeProvider(id: string): Promise<boolean> {
    let found = this.removeFromSeq(FILES.aiProxy, ['spec', 'defaultConfig', 'providers'], (n) => n.get('id') === id);
    found = this.removeFromSeq(FILES.aiProxy, ['spec', 'matchRules'], (n) => matchRuleProvider(n) === id) || found;
    found = this.removeFromSeq(FILES.mcpBridge, ['spec', 'registries'], (n) => n.get('name') === `llm-${id}.internal`) || found;
    for (const path of [FILES.ingress(id), FILES.aiRoute(id)]) {
      const file = await this.open(path);
      if (file.original !== null || file.doc) {
        file.doc = null;
        file.dirty = true;
        found = true;
      }
    }
    return found;
  }

  private replaceInSeq(path: string, keys: string[], same: (node: YAMLMap) => boolean, value: object, ownedFields: string[] = []): void {
    const seq = this.seq(path, keys);
    const node = this.doc(path).createNode(value) as YAMLMap;
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
    this.touch(path);
  }

  private removeFromSeq(path: string, keys: string[], same: (node: YAMLMap) => boolean): boolean {
    const seq = this.seq(path, keys);
    const before = seq.items.length;
    seq.items = seq.items.filter((item) => !(isMap(item) && same(item)));
    if (seq.items.length === before) return false;
    this.touch(path);
    return true;
  }

  // ---- auto-routing ----

  autoRouting(): AutoRouting {
    const raw = this.doc(FILES.modelRouter).getIn(['spec', 'defaultConfig', 'autoRouting']);
    const value = (isMap(raw) ? raw.toJSON() : {}) as { enable?: unknown; defaultModel?: unknown; rules?: unknown };
    const rules = Array.isArray(value.rules) ? value.rules : [];
    return {
      enabled: value.enable === true,
      defaultModel: typeof value.defaultModel === 'string' && value.defaultModel ? value.defaultModel : undefined,
      rules: rules.map((r: { pattern?: unknown; model?: unknown }) => ({ pattern: String(r?.pattern ?? ''), model: String(r?.model ?? '') })),
    };
  }

  setAutoRouting(next: AutoRouting): void {
    const doc = this.doc(FILES.modelRouter);
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
    this.touch(FILES.modelRouter);
  }

  // ---- output ----

  /** Files to write (resourceVersion bumped) or delete; untouched files are left alone. */
  changes(): FileChange[] {
    const out: FileChange[] = [];
    for (const [path, file] of this.files) {
      if (!file.dirty) continue;
      if (!file.doc) {
        if (file.original !== null) out.push({ path, content: null });
        continue;
      }
      if (file.original !== null) {
        const before = parseDocument(file.original);
        if (JSON.stringify(before.toJS()) === JSON.stringify(file.doc.toJS())) continue;
        const previous = Number(before.getIn(['metadata', 'resourceVersion']));
        file.doc.setIn(['metadata', 'resourceVersion'], String(Number.isFinite(previous) ? previous + 1 : 1));
      }
      quoteResourceVersion(file.doc);
      out.push({ path, content: file.doc.toString({ lineWidth: 0 }) });
    }
    return out;
  }
}

const OWNED_ENTRY_FIELDS = new Set(['id', 'type', 'apiTokens', 'service', 'config', 'configDisable', 'name', 'protocol', 'domain', 'port']);

function matchRuleProvider(node: YAMLMap): unknown {
  const config = node.get('config');
  return isMap(config) ? config.get('activeProviderId') : undefined;
}

function parseRouteData(value: unknown): Record<string, unknown> {
  if (typeof value !== 'string' || !value.trim()) return {};
  try {
    return JSON.parse(value) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function blockLiteral(doc: Document, text: string) {
  const node = doc.createNode(text);
  if (isScalar(node)) node.type = 'BLOCK_LITERAL';
  return node;
}

function quoteAnnotations(doc: Document): void {
  const annotations = doc.getIn(['metadata', 'annotations'], true);
  if (!isMap(annotations)) return;
  for (const pair of annotations.items) if (isScalar(pair.value)) pair.value.type = 'QUOTE_DOUBLE';
}

function quoteResourceVersion(doc: Document): void {
  const node = doc.getIn(['metadata', 'resourceVersion'], true);
  if (isScalar(node)) node.type = 'QUOTE_DOUBLE';
}

/** The user-facing glob list for a header match (inverse of the upstream normalisation). */
export function globsOf(match: HeaderMatch): string {
  if (match.kind === 'prefix') return match.value.endsWith('-') ? `${match.value}*` : match.value;
  return match.value.split('|').map((v) => v.replaceAll('.*', '*')).join(',');
}
