/**
 * The gateway's configuration as documents: read what is there (ours, upstream's or the console's),
 * change only what we mean to, and hand back the file changes. Comments, unknown fields and order survive.
 * Reads use a fast plain parse; a file becomes an editable `yaml` Document only when it is changed.
 */
import { readFileSync } from 'node:fs';
import { load as loadYaml } from 'js-yaml';
import * as YAML from 'yaml';
import type { Document, YAMLMap, YAMLSeq } from 'yaml';
import { OperationalError } from './errors.js';
import { endpointOf, isIPv4, PROVIDERS, providerById, type Endpoint, type ExtraRegistry, type Extras, type Provider } from './catalog.js';
import { legacyGlobs, type HeaderMatch } from './model-patterns.js';
import {
  chooseFallback,
  ENTRY_MAPPING_KEY,
  entryMatch,
  entryNamesOf,
  FALLBACK_ROUTE,
  INTERNAL,
  MODEL_ROUTE_NAME,
  modelListBody,
  planRoutes,
  type PlannedRoute,
  type RoutePlan,
} from './model-routes.js';
import { isPlaceholder, isConfiguredEntry } from './provider-config.js';
import { YAML11_PARSE_OPTIONS, YAML11_READ_SCHEMA } from './yaml11.js';
import { packageFile } from '../package-files.js';
import { editRulesText, type TextEdit } from './rules-text.js';
import { editTokensText } from './tokens-text.js';
import type { ParseCache } from './parse-cache.js';

import { describeResilience, modelMappingFor, type Resilience } from './resilience.js';
import {
  CHAIN_NAME,
  chainEnvoyFilter,
  chainHeadName,
  chainStepName,
  DEFAULT_FALLBACK_ON,
  derivedProviderId,
  FALLBACK_FROM_HEADER,
  FALLBACK_ON_ANNOTATION,
  FALLBACK_TO_ANNOTATION,
  isChainHead,
  isDerivedProvider,
  type FallbackChain,
} from './fallback-chains.js';
import { buildRouteTable, mapModel, routeFor } from './model-resolve.js';
export const FILES = {
  aiProxy: 'wasmplugins/ai-proxy.internal.yaml',
  modelRouter: 'wasmplugins/model-router.internal.yaml',
  aiStatistics: 'wasmplugins/ai-statistics-1.0.0.yaml',
  keyAuth: 'wasmplugins/key-auth.internal.yaml',
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
  /** Any Ingress by name (without `.internal`). */
  route: (name: string) => `ingresses/${name}${INTERNAL}.yaml`,
  modelList: 'wasmplugins/custom-response.internal.yaml',
  modelListRoute: 'ingresses/ai-model-list.internal.yaml',
  /** A fallback chain's redirects (fallback-chains.ts), by the chain's head route name. */
  chainFilter: (head: string) => `envoyfilters/${head}${INTERNAL}.yaml`,
} as const;

/** The model list as the user gave it, on the provider's entry Ingress (the route itself matches `<id>/…`). */
export const MODELS_ANNOTATION = 'get-ai-gateway.io/models';
const MODEL_LIST_ROUTE = 'ai-model-list.internal';

export const MARKER_FILE = '.ai-gateway-configured';
export const MODEL_HEADER = 'x-higress-llm-model';
/** The model name that asks model-router to pick a model from the message. */
export const AUTO_MODEL = 'higress/auto';
/** How every edited file is written: long values stay on one line. */
const WRITE_OPTIONS = { lineWidth: 0 } as const;
const MATCH_ANNOTATION = (kind: string) => `higress.io/${kind}-match-header-${MODEL_HEADER}`;
const DESTINATION = 'higress.io/destination';

const template = (path: string) => readFileSync(packageFile(`templates/${path}`), 'utf8');

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
  /** Failover, retries, timeouts, the user's model map: set when given, else the entry keeps what it has. */
  resilience?: Resilience;
}

export interface ChainTarget {
  model: string;
  provider: string;
  /** `<service>:<port>` of the provider's route. */
  destination: string;
  /** The Ingress that takes the model without chains. */
  route: string;
  /** The model the provider receives (its modelMapping applied). */
  upstreamModel: string;
}

export interface ChainPlan {
  chain: FallbackChain;
  /** Where the model goes first; undefined: no provider takes it, so the chain does nothing. */
  primary: ChainTarget | undefined;
  steps: { model: string; target: ChainTarget | undefined }[];
  active: boolean;
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
  /** Failover, retries, timeouts and the user's model map, as `config list` shows them. */
  settings: Record<string, unknown>;
  /** Written by a previous version: one Ingress with the model list as a prefix/regex match (rewritten on the next change). */
  legacyLayout: boolean;
}

type Reader = (path: string) => Promise<string | null>;
/** File names (not paths) in a folder of the data folder; [] when it does not exist. */
type Lister = (dir: string) => Promise<string[]>;
type YamlModule = typeof YAML;

interface OwnedFile {
  /** The file's text, or null when it does not exist. */
  original: string | null;
  /** Text the file starts from when it does not exist yet (a template). */
  initial: string | null;
  /** Plain parse of `original ?? initial` (parsed on first use; a damaged file fails there). */
  plain: unknown;
  /** Created on first change. */
  doc: Document | null;
  /** `doc` as plain data, kept until the next edit() of this file. */
  docView?: { value: unknown };
  /** A change made as text instead (rules-text.ts, tokens-text.ts): the new content, resourceVersion bumped. */
  edited?: TextEdit;
  /** Written even when the document ends up equal to `original` (which then holds a text edit). */
  rewrite?: boolean;
  dirty: boolean;
  deleted: boolean;
}

/** The parser for reading: YAML 1.1 scalars as the gateway's apiserver resolves them (./yaml11.ts). */
function parsePlain(text: string, path: string): unknown {
  let value: unknown;
  try {
    value = loadYaml(text, { schema: YAML11_READ_SCHEMA, filename: path });
  } catch (error) {
    const { reason, mark } = error as { reason?: string; mark?: { line: number } };
    const where = mark ? ` line ${mark.line + 1}` : '';
    throw new OperationalError(`${path}${where} in the data folder is not valid YAML: ${reason ?? (error as Error).message.split('\n')[0]}`, {
      hint: 'fix the file by hand, or restore it from a backup',
      cause: error,
    });
  }
  // A resource of an unexpected shape would fail later with an editing library's message, not ours.
  const damaged = (what: string) =>
    new OperationalError(`${path} in the data folder is damaged: ${what}`, { hint: 'fix the file by hand, or restore it from a backup' });
  const kindOf = (v: unknown) => (Array.isArray(v) ? 'a list' : v === null ? 'empty' : typeof v === 'object' ? 'a mapping' : `a ${typeof v}`);
  if (value === undefined || value === null) return value;
  if (kindOf(value) !== 'a mapping') throw damaged(`it holds ${kindOf(value)}, not a resource`);
  for (const [field, want] of SHAPES) {
    const node = at(value, field.split('.'));
    if (node === undefined || node === null) continue;
    if (kindOf(node) !== want) throw damaged(`${field} is ${kindOf(node)}, not ${want}`);
    if (want === 'a list' && (node as unknown[]).some((item) => kindOf(item) !== 'a mapping')) throw damaged(`an item of ${field} is not a mapping`);
  }
  return value;
}

/** Fields our edits descend into, with the shape they must have. */
const SHAPES: [string, 'a mapping' | 'a list'][] = [
  ['metadata', 'a mapping'],
  ['spec', 'a mapping'],
  ['data', 'a mapping'],
  ['spec.defaultConfig', 'a mapping'],
  ['spec.defaultConfig.providers', 'a list'],
  ['spec.matchRules', 'a list'],
  ['spec.registries', 'a list'],
];

/**
 * The editing Document of a file's text (`plain`: its plain parse). Parsing text into a Document is the slowest
 * step of an edit (the parser runs cold in a short process: 40 ms for a 32-provider ai-proxy file). A Document
 * built from the plain data takes a third of that, and is used when it writes exactly the text the file holds
 * (every file we wrote, unless a person or the console changed its layout): its nodes then say what the parsed
 * ones would, and untouched parts are written unchanged. Anything else (comments, other quoting or indents) is
 * parsed.
 */
export function editableDocument(yaml: YamlModule, text: string | null, plain: unknown): Document {
  if (text !== null && plain !== null && typeof plain === 'object') {
    const built = new yaml.Document(plain, YAML11_PARSE_OPTIONS);
    if (built.toString(WRITE_OPTIONS) === text) return built;
  }
  return yaml.parseDocument(text ?? '{}', YAML11_PARSE_OPTIONS);
}

function at(value: unknown, keys: string[]): unknown {
  let node = value;
  for (const key of keys) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

export class GatewayFiles {
  private readonly files = new Map<string, OwnedFile>();
  /** Model lists set in this edit (they reach the files in syncRoutes). */
  private readonly declaredModels = new Map<string, string>();
  /** Fallback chains set (or removed: null) in this edit, by model; they reach the files in syncRoutes. */
  private readonly declaredChains = new Map<string, FallbackChain | null>();
  private requestedFallback: string | undefined;

  private constructor(
    private readonly read: Reader,
    private readonly yaml: YamlModule | undefined,
    private readonly parsed: ParseCache | undefined,
  ) {}

  /**
   * Loads the always-owned files; missing ones start from the templates. `editable`: they may be changed;
   * `parsed`: parses kept from earlier commands (parse-cache.ts).
   */
  static async load(read: Reader, opts: { editable?: boolean; list?: Lister; parsed?: ParseCache } = {}): Promise<GatewayFiles> {
    // In the bundle, YAML's names load the library on first use (scripts/build.mjs): an edit that stays text does not.
    const files = new GatewayFiles(read, opts.editable ? YAML : undefined, opts.parsed);
    const owned = [FILES.aiProxy, FILES.modelRouter, FILES.aiStatistics, FILES.mcpBridge, FILES.console, FILES.accessLog];
    await Promise.all(owned.map((path) => files.open(path, path)));
    const entries = at(files.view(FILES.aiProxy), ['spec', 'defaultConfig', 'providers']);
    const ids = (Array.isArray(entries) ? entries : []).map((e) => e?.id).filter((id): id is string => typeof id === 'string');
    // Every Ingress counts for routing (the console's and upstream's too), so all of them are read.
    const listed = opts.list ? (await opts.list('ingresses')).filter((f) => f.endsWith('.yaml')).map((f) => `ingresses/${f}`) : [];
    // Chain filters are ours to replace or delete, so the ones there are read too.
    const filters = opts.list ? (await opts.list('envoyfilters')).filter((f) => CHAIN_NAME.test(f.replace(/\.internal\.yaml$/, ''))).map((f) => `envoyfilters/${f}`) : [];
    await Promise.all([...new Set([...ids.map((id) => FILES.ingress(id)), ...listed, ...filters, FILES.modelListRoute, FILES.modelList])].map((p) => files.open(p)));
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
    // Parsed when first looked at: a listing reads every file but looks at few of them.
    let parsed: { value: unknown } | undefined;
    const cache = original === null ? undefined : this.parsed;
    file = {
      original,
      initial,
      get plain() {
        if (parsed) return parsed.value;
        parsed = text === null ? { value: undefined } : cache?.get(path, text);
        if (!parsed) {
          parsed = { value: parsePlain(text!, path) };
          cache?.put(path, text!, parsed.value);
        }
        return parsed.value;
      },
      set plain(value) {
        parsed = { value };
      },
      doc: null,
      dirty: original === null && initial !== null,
      deleted: false,
    };
    this.files.set(path, file);
    return file;
  }

  /** The file's current content as plain data (undefined when absent or deleted). */
  private view(path: string): unknown {
    const file = this.files.get(path);
    if (!file || file.deleted) return undefined;
    if (file.doc) return (file.docView ??= { value: file.doc.toJS() }).value;
    return file.edited?.plain ?? file.plain;
  }

  /** The file as read from the data folder, if this edit has not changed it (else undefined). */
  private asRead(path: string): unknown {
    const file = this.files.get(path);
    return !file || file.deleted || file.original === null || file.doc || file.edited ? undefined : file.plain;
  }

  /**
   * The file as an editable document, marked changed. Views of the file are kept until the next edit() (a large
   * ai-proxy file is looked at once per route): change the document right after this call, before any view.
   */
  private edit(path: string): Document {
    const file = this.files.get(path);
    if (!file) throw new Error(`${path} is not loaded`);
    file.docView = undefined;
    if (!this.yaml) throw new Error('GatewayFiles was loaded read-only');
    if (file.edited) {
      // A text edit came first: it is the new starting point, and the file is written even if nothing else changes.
      [file.original, file.plain, file.edited, file.doc] = [file.edited.text, file.edited.plain, undefined, null];
      file.rewrite = true;
    }
    if (!file.doc || file.deleted) {
      // The plain parse checks the file's shape, so that a damaged file is reported as such, not by the editor.
      file.doc = file.deleted ? this.yaml.parseDocument('{}', YAML11_PARSE_OPTIONS) : editableDocument(this.yaml, file.original ?? file.initial, file.plain);
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
      .filter((entry) => entry && typeof entry === 'object' && !isDerivedProvider(String(entry.id)) && isConfiguredEntry(entry))
      .map((entry) => this.describe(entry));
  }

  private describe(entry: Record<string, unknown>): ConfiguredProvider {
    const id = String(entry.id);
    const provider = PROVIDERS.find((p) => p.id === id);
    const { id: _id, type, apiTokens, failover: _f, retryOnFailure: _r, timeout: _t, firstByteTimeout: _b, modelMapping: _m, ...extras } = entry;
    const tokens = (Array.isArray(apiTokens) ? apiTokens : []).map(String).filter((t) => !isPlaceholder(t));
    const annotations = at(this.view(FILES.ingress(id)), ['metadata', 'annotations']) as Record<string, unknown> | undefined;
    const declared = this.declaredModels.get(id) ?? annotations?.[MODELS_ANNOTATION];
    const match = declared === undefined ? this.legacyMatch(id, annotations) : undefined;
    return {
      id,
      provider,
      type: String(type ?? ''),
      tokens,
      extras: extras as Extras,
      settings: describeResilience(entry),
      legacyLayout: match !== undefined,
      models: typeof declared === 'string' && declared ? declared : match ? legacyGlobs(match) : (provider?.defaultModels ?? '*'),
    };
  }

  /** The model match of a previous version's (or upstream's) one-Ingress-per-provider layout, if that is what is there. */
  private legacyMatch(id: string, annotations: Record<string, unknown> | undefined): HeaderMatch | undefined {
    const names = entryNamesOf(id);
    for (const kind of ['prefix', 'regex', 'exact'] as const) {
      const value = annotations?.[MATCH_ANNOTATION(kind)];
      if (typeof value !== 'string') continue;
      const ours = entryMatch(names);
      if (ours.kind === kind && ours.value === value) return undefined;
      // The same prefixes as the console writes them when the AI route is saved there (AiRouteServiceImpl.buildModelRoutingHeaderRegex).
      if (kind === 'regex' && value === `^(${names.map((n) => `${n}/.*`).join('|')})`) return undefined;
      return { kind, value };
    }
    return undefined;
  }

  hasProvider(id: string): boolean {
    return this.configuredProviders().some((p) => p.id === id);
  }

  /** Adds or replaces a provider: its ai-proxy entry and match rule, registry, ingress and ai-route. */
  async upsertProvider(config: ProviderConfig): Promise<void> {
    const provider = providerById(config.id);
    const registry = registryEntry(`llm-${provider.id}.internal`, endpointOf(provider, config.extras, config.tokens));
    const service = `${registry.name}.${registry.type}`;

    const previousRegistries = extraRegistriesOf(provider, this.providerEntry(provider.id));

    const entry: Record<string, unknown> = { id: provider.id, type: provider.type, apiTokens: config.tokens };
    for (const [key, value] of Object.entries(config.extras)) entry[key] = value;
    const { modelMap, ...resilience } = config.resilience ?? {};
    Object.assign(entry, resilience);
    if (modelMap) entry.modelMapping = modelMappingFor(entryNamesOf(provider.id), modelMap);
    const ownedFields = [...(provider.extras ?? []).map((f) => f.key), ...Object.keys(provider.keys?.variant?.sets ?? {})];
    const matchRule = { service: [service], configDisable: false, config: { activeProviderId: provider.id } };
    if (this.keysChangedAsText(entry, ownedFields, matchRule, registry, previousRegistries, extraRegistriesOf(provider, config))) {
      this.declaredModels.set(provider.id, config.models);
      return;
    }
    this.replaceInSeq(FILES.aiProxy, ['spec', 'defaultConfig', 'providers'], (n) => n.get('id') === provider.id, entry, ownedFields);
    this.replaceInSeq(FILES.aiProxy, ['spec', 'matchRules'], (n) => matchRuleProvider(n) === provider.id, matchRule);
    this.replaceInSeq(FILES.mcpBridge, ['spec', 'registries'], (n) => n.get('name') === registry.name, registry);
    this.replaceExtraRegistries(previousRegistries, extraRegistriesOf(provider, config));

    // The provider's Ingresses, console route and the model list are written by syncRoutes.
    this.declaredModels.set(provider.id, config.models);
  }

  /**
   * A change of keys alone, when the Document path would change nothing else (the entry's other fields, its match
   * rule, registries): ai-proxy's apiTokens lines are rewritten as text (tokens-text.ts) and the YAML editor is
   * not even loaded. False when it does not apply; the caller then takes the Document path.
   */
  private keysChangedAsText(entry: Record<string, unknown>, ownedFields: string[], matchRule: object, registry: object, before: ExtraRegistry[], after: ExtraRegistry[]): boolean {
    const tokens = entry.apiTokens;
    if (!Array.isArray(tokens) || !this.textEditable(FILES.aiProxy)) return false;
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const find = (path: string, keys: string[], match: (item: Record<string, any>) => boolean) =>
      (at(this.view(path), keys) as Record<string, any>[] | undefined)?.find?.((item) => item && typeof item === 'object' && match(item));
    const old = find(FILES.aiProxy, ['spec', 'defaultConfig', 'providers'], (e) => e.id === entry.id);
    const rule = find(FILES.aiProxy, ['spec', 'matchRules'], (r) => r.config?.activeProviderId === entry.id);
    const reg = find(FILES.mcpBridge, ['spec', 'registries'], (r) => r.name === (registry as { name: string }).name);
    if (!old || !rule || !reg || !same(before, after)) return false;
    if (!same({ ...mergedEntry(old, entry, ownedFields), apiTokens: null }, { ...old, apiTokens: null })) return false;
    if (!same(mergedEntry(rule, matchRule, []), rule) || !same(mergedEntry(reg, registry, []), reg)) return false;
    if (same(old.apiTokens, tokens)) return true; // nothing to change
    return this.textEdit(FILES.aiProxy, (text, plain, parse) => editTokensText(text, plain, String(entry.id), tokens.map(String), parse));
  }

  /** A file that exists and that this edit has not changed yet: it may still be changed as text. */
  private textEditable(path: string): boolean {
    const file = this.files.get(path);
    return Boolean(file && !file.doc && !file.edited && !file.deleted && file.original !== null);
  }

  /**
   * A change made as text (rules-text.ts, tokens-text.ts) instead of through a Document: true when `make` could
   * make it (the file then holds the edit); false leaves the file as it was, for the Document path.
   */
  private textEdit(path: string, make: (text: string, plain: unknown, parse: (text: string) => unknown) => TextEdit | null): boolean {
    if (!this.textEditable(path)) return false;
    const file = this.files.get(path)!;
    const edited = make(file.original!, file.plain, (text) => parsePlain(text, path));
    if (!edited) return false;
    file.edited = edited;
    file.dirty = true;
    return true;
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

  /** The provider's ai-proxy entry as the files hold it (fields as written), or undefined. */
  private providerEntry(id: string): ProviderConfig | undefined {
    const list = at(this.view(FILES.aiProxy), ['spec', 'defaultConfig', 'providers']);
    const entry = (Array.isArray(list) ? (list as Record<string, unknown>[]) : []).find((e) => e && typeof e === 'object' && e.id === id);
    if (!entry) return undefined;
    const { id: _id, type: _type, apiTokens, ...extras } = entry;
    return { id, tokens: (Array.isArray(apiTokens) ? apiTokens : []).map(String), models: '', extras: extras as Extras };
  }

  /** Swaps the registries a provider needs besides its own (vertex's OAuth service) for the new set. */
  private replaceExtraRegistries(before: ExtraRegistry[], after: ExtraRegistry[]): void {
    for (const old of before) {
      if (!after.some((r) => r.name === old.name)) this.removeFromSeq(FILES.mcpBridge, ['spec', 'registries'], (n) => n.get('name') === old.name);
    }
    for (const registry of after) {
      this.replaceInSeq(FILES.mcpBridge, ['spec', 'registries'], (n) => n.get('name') === registry.name, registryEntry(registry.name, registry.endpoint));
    }
  }

  /** Removes every trace of a provider: entry, match rule, registries, ingress and ai-route. */
  async removeProvider(id: string): Promise<boolean> {
    this.declaredModels.delete(id);
    const provider = PROVIDERS.find((p) => p.id === id);
    if (provider) this.replaceExtraRegistries(extraRegistriesOf(provider, this.providerEntry(id)), []);
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
      for (const pair of old.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (!node.has(key) && keptField(String(key), ownedFields)) node.set(key, pair.value);
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

  // ---- routing: model names to providers ----

  /** Makes `id` the provider that answers model names no other route takes; `*` is added to its list if missing. */
  requestFallback(id: string): void {
    const p = this.configuredProviders().find((c) => c.id === id);
    if (p && !p.models.split(',').includes('*')) this.declaredModels.set(id, p.models ? `${p.models},*` : '*');
    this.requestedFallback = id;
  }

  /** The provider behind the fallback route, if there is one. */
  fallbackProvider(): string | undefined {
    const destination = at(this.view(FILES.route(FALLBACK_ROUTE)), ['metadata', 'annotations', DESTINATION]);
    return typeof destination === 'string' ? this.providerOfDestination(destination) : undefined;
  }

  /** The provider an Ingress destination reaches: ai-proxy's match rule for its service. */
  providerOfDestination(destination: string): string | undefined {
    const target = destination.split('\n').map((l) => l.trim()).find(Boolean)?.replace(/^\d+(\.\d+)?%\s+/, '') ?? '';
    const service = target.replace(/:\d+$/, '');
    const rules = at(this.view(FILES.aiProxy), ['spec', 'matchRules']);
    for (const rule of Array.isArray(rules) ? rules : []) {
      if (Array.isArray(rule?.service) && rule.service.includes(service) && rule.configDisable !== true) {
        const id = rule?.config?.activeProviderId;
        if (typeof id === 'string') return id;
      }
    }
    return undefined;
  }

  /** ai-proxy modelMapping of a provider entry. */
  modelMapping(id: string): Record<string, string> {
    const list = at(this.view(FILES.aiProxy), ['spec', 'defaultConfig', 'providers']);
    const entry = (Array.isArray(list) ? list : []).find((e) => e?.id === id);
    const mapping = entry?.modelMapping;
    return mapping && typeof mapping === 'object' ? Object.fromEntries(Object.entries(mapping).map(([k, v]) => [k, String(v)])) : {};
  }

  /** Every Ingress in the data folder (as the controller lists them), for the resolver. */
  ingresses(): { name: string; obj: unknown }[] {
    const out: { name: string; obj: unknown }[] = [];
    for (const path of this.files.keys()) {
      if (!path.startsWith('ingresses/')) continue;
      const obj = this.view(path);
      if (obj === undefined) continue;
      const name = at(obj, ['metadata', 'name']);
      out.push({ name: typeof name === 'string' && name ? name : path.slice('ingresses/'.length, -'.yaml'.length), obj });
    }
    return out;
  }

  /** Providers whose routes we write: catalog providers (one the console made under another id keeps its own routes). */
  private routedProviders(): ConfiguredProvider[] {
    return this.configuredProviders().filter((p) => p.provider !== undefined);
  }

  /** The routing plan for the configured providers (what syncRoutes writes). */
  routePlan(): RoutePlan {
    const providers = this.routedProviders().map((p) => ({ id: p.id, models: p.models, entryNames: entryNamesOf(p.id) }));
    return planRoutes(providers, chooseFallback(providers, this.requestedFallback, this.fallbackProvider()));
  }

  /**
   * Rewrites everything that follows from the providers and their model lists: each provider's entry Ingress
   * and console AI route, the model-pattern Ingresses (stale ones deleted), the `<id>/` prefix stripping in
   * ai-proxy, and the GET /v1/models answer. Runs at the end of every change, so a folder in a previous
   * version's layout is rewritten by the next change.
   */
  async syncRoutes(): Promise<void> {
    const plan = this.routePlan();
    const configured = this.routedProviders();
    // A chained model's head Ingress takes the place of its exact route (same route key).
    const chained = new Set(this.fallbackChains().map((c) => c.model));
    const routes = plan.routes.filter((r) => !(r.tier === 'exact' && chained.has(r.pattern)));
    const planned = new Set(routes.map((r) => r.name));
    for (const path of [...this.files.keys()]) {
      const name = path.startsWith('ingresses/') ? path.slice('ingresses/'.length, -`${INTERNAL}.yaml`.length) : '';
      if (MODEL_ROUTE_NAME.test(name) && !planned.has(name)) await this.deleteFile(path);
    }
    for (const route of routes) {
      const destination = this.destinationOf(route.provider);
      if (!destination) continue;
      const path = FILES.route(route.name);
      await this.openWithTemplate(path, 'provider/ingress.yaml');
      const models = route.tier === 'entry' ? configured.find((c) => c.id === route.provider)!.models : undefined;
      if (route.tier === 'entry') await this.writeConsoleRoute(route.provider, entryNamesOf(route.provider));
      // Most routes are unchanged by an edit: they are compared as read, not parsed for editing.
      if (this.routeUpToDate(path, route, destination, models)) continue;
      const doc = this.edit(path);
      doc.setIn(['metadata', 'name'], route.name + INTERNAL);
      doc.setIn(['metadata', 'annotations', DESTINATION], destination);
      // Set in place (key order kept), so an unchanged route compares equal and is not rewritten.
      for (const kind of ['prefix', 'regex', 'exact']) if (kind !== route.match.kind) doc.deleteIn(['metadata', 'annotations', MATCH_ANNOTATION(kind)]);
      doc.setIn(['metadata', 'annotations', MATCH_ANNOTATION(route.match.kind)], route.match.value);
      if (models !== undefined) doc.setIn(['metadata', 'annotations', MODELS_ANNOTATION], models);
      this.quoteAnnotations(doc);
    }
    for (const p of configured) this.setEntryMapping(p.id);
    await this.syncChains();
    await this.writeModelList(plan);
  }

  /**
   * Whether a route file already holds what syncRoutes would set: then editing it would leave it equal as
   * data, and commit would not write it (see changes()). Annotation values must all be strings already,
   * as quoteAnnotations would make them.
   */
  private routeUpToDate(path: string, route: PlannedRoute, destination: string, models: string | undefined): boolean {
    const metadata = at(this.asRead(path), ['metadata']) as { name?: unknown; annotations?: Record<string, unknown> } | undefined;
    const annotations = metadata?.annotations;
    if (metadata?.name !== route.name + INTERNAL || !annotations || typeof annotations !== 'object' || Array.isArray(annotations)) return false;
    if (!Object.values(annotations).every((value) => typeof value === 'string')) return false;
    if (annotations[DESTINATION] !== destination || annotations[MATCH_ANNOTATION(route.match.kind)] !== route.match.value) return false;
    if (['prefix', 'regex', 'exact'].some((kind) => kind !== route.match.kind && Object.hasOwn(annotations, MATCH_ANNOTATION(kind)))) return false;
    return models === undefined || annotations[MODELS_ANNOTATION] === models;
  }

  // ---- fallback chains (fallback-chains.ts) ----

  /** The chains as the head Ingresses hold them, with this edit's changes. */
  fallbackChains(): FallbackChain[] {
    const chains = new Map<string, FallbackChain>();
    // Only the heads are parsed (files are parsed on first look): we name each file after its Ingress.
    for (const path of this.files.keys()) {
      if (!path.startsWith('ingresses/') || !isChainHead(path.slice('ingresses/'.length, -`${INTERNAL}.yaml`.length))) continue;
      const annotations = (at(this.view(path), ['metadata', 'annotations']) ?? {}) as Record<string, unknown>;
      const model = annotations[MATCH_ANNOTATION('exact')];
      const to = annotations[FALLBACK_TO_ANNOTATION];
      const on = annotations[FALLBACK_ON_ANNOTATION];
      if (typeof model !== 'string' || typeof to !== 'string' || !model || !to) continue;
      chains.set(model, { model, to: to.split(','), on: (typeof on === 'string' && on ? on : DEFAULT_FALLBACK_ON).split(',') });
    }
    for (const [model, chain] of this.declaredChains) {
      if (chain) chains.set(model, chain);
      else chains.delete(model);
    }
    return [...chains.values()].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
  }

  /** Sets (or with null removes) the chain of a model; syncRoutes writes it. */
  setFallbackChain(model: string, chain: FallbackChain | null): void {
    this.declaredChains.set(model, chain);
  }

  /**
   * Where a chat request for `model` goes when no chain exists: the controller's route order over every Ingress
   * but the chains' (model-resolve.ts), then ai-proxy's modelMapping. Undefined: no configured provider takes it.
   */
  reachWithoutChains(model: string): ChainTarget | undefined {
    return this.reachIn(this.tableWithoutChains(), model);
  }

  /**
   * The routes as they would be with no chain: every Ingress but the chains', plus our exact route of each
   * chained model, which syncRoutes does not write (it has the head's route key, so the controller would drop
   * it as a duplicate: controller.go:567-604).
   */
  private tableWithoutChains(): ReturnType<typeof buildRouteTable> {
    const chained = new Set(this.fallbackChains().map((c) => c.model));
    const present = new Set(this.ingresses().map((i) => i.name));
    const virtual = this.routePlan()
      .routes.filter((r) => r.tier === 'exact' && chained.has(r.pattern) && !present.has(r.name + INTERNAL))
      .map((r) => ({
        name: r.name + INTERNAL,
        obj: {
          metadata: { annotations: { [DESTINATION]: this.destinationOf(r.provider), [MATCH_ANNOTATION('exact')]: r.pattern } },
          spec: { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix' }] } }] },
        },
      }));
    return buildRouteTable([...this.ingresses().filter((i) => !CHAIN_NAME.test(i.name.replace(/\.internal$/, ''))), ...virtual]);
  }

  private reachIn(table: ReturnType<typeof buildRouteTable>, model: string): ChainTarget | undefined {
    const route = routeFor(table, model);
    const provider = route?.destination ? this.providerOfDestination(route.destination) : undefined;
    if (!route?.destination || !provider || !this.hasProvider(provider)) return undefined;
    return { model, provider, destination: route.destination, route: route.ingress, upstreamModel: mapModel(this.modelMapping(provider), model) };
  }

  /** Each chain with where its model and each step go now; steps that reach no provider are skipped. */
  chainPlan(): ChainPlan[] {
    const chains = this.fallbackChains();
    if (chains.length === 0) return []; // every change runs this: no route table without a chain
    const table = this.tableWithoutChains();
    return chains.map((chain) => {
      const primary = this.reachIn(table, chain.model);
      const steps = chain.to.map((m) => ({ model: m, target: this.reachIn(table, m) }));
      return { chain, primary, steps, active: primary !== undefined && steps.some((s) => s.target) };
    });
  }

  /**
   * Writes every chain: head and step Ingresses, the chain's EnvoyFilter, the derived ai-proxy entries and their
   * route-level match rules (first in the list); removes what no chain needs any more. A chain whose model
   * reaches no provider keeps its head Ingress (it holds the chain) with no rules, so it routes nothing.
   */
  private async syncChains(): Promise<void> {
    const plans = this.chainPlan();
    const keepFiles = new Set<string>();
    const derived: { entry: Record<string, unknown>; route: string }[] = [];
    for (const { chain, primary, steps, active } of plans) {
      const head = chainHeadName(chain.model);
      const headPath = FILES.route(head);
      keepFiles.add(headPath);
      await this.writeChainRoute(headPath, head, chain.model, primary?.destination, undefined, primary !== undefined);
      const doc = this.edit(headPath);
      doc.setIn(['metadata', 'annotations', FALLBACK_TO_ANNOTATION], chain.to.join(','));
      doc.setIn(['metadata', 'annotations', FALLBACK_ON_ANNOTATION], chain.on.join(','));
      this.quoteAnnotations(doc);
      if (!active) continue;
      const routes = [head + INTERNAL];
      for (const step of steps) {
        if (!step.target) continue;
        const name = chainStepName(chain.model, routes.length);
        const path = FILES.route(name);
        keepFiles.add(path);
        await this.writeChainRoute(path, name, chain.model, step.target.destination, routes[routes.length - 1], true);
        const base = this.providerEntryPlain(step.target.provider);
        if (base) derived.push({ entry: { ...base, id: derivedProviderId(step.target.provider, name), modelMapping: { [chain.model]: step.target.upstreamModel } }, route: name + INTERNAL });
        routes.push(name + INTERNAL);
      }
      const filterPath = FILES.chainFilter(head);
      keepFiles.add(filterPath);
      await this.writeWholeResource(filterPath, chainEnvoyFilter(head + INTERNAL, routes, chain.on));
    }
    for (const path of [...this.files.keys()]) {
      const name = path.replace(/^(ingresses|envoyfilters)\//, '').replace(/\.internal\.yaml$/, '');
      if (path !== name && CHAIN_NAME.test(name) && !keepFiles.has(path)) await this.deleteFile(path);
    }
    this.setDerivedProviders(derived);
  }

  /** A head (from = undefined) or step Ingress of a chain; `routes: false` leaves it with no rules. */
  private async writeChainRoute(path: string, name: string, model: string, destination: string | undefined, from: string | undefined, routes: boolean): Promise<void> {
    await this.openWithTemplate(path, 'provider/ingress.yaml');
    const doc = this.edit(path);
    doc.setIn(['metadata', 'name'], name + INTERNAL);
    doc.setIn(['metadata', 'annotations', DESTINATION], destination ?? '');
    for (const kind of ['prefix', 'regex']) doc.deleteIn(['metadata', 'annotations', MATCH_ANNOTATION(kind)]);
    doc.setIn(['metadata', 'annotations', MATCH_ANNOTATION('exact')], model);
    const fromKey = `higress.io/exact-match-header-${FALLBACK_FROM_HEADER}`;
    if (from) doc.setIn(['metadata', 'annotations', fromKey], from);
    else doc.deleteIn(['metadata', 'annotations', fromKey]);
    // An Ingress with no rules gives the controller no route; the template's rule brings it back.
    const rules = at(doc.toJS(), ['spec', 'rules']);
    if (!routes) doc.setIn(['spec', 'rules'], doc.createNode([]));
    else if (!Array.isArray(rules) || rules.length === 0) doc.setIn(['spec', 'rules'], doc.createNode(at(this.yaml!.parse(template('provider/ingress.yaml')), ['spec', 'rules'])));
    this.quoteAnnotations(doc);
  }

  /** Replaces a whole resource we own, keeping its resourceVersion so an unchanged one is not rewritten. */
  private async writeWholeResource(path: string, value: Record<string, unknown>): Promise<void> {
    const file = await this.open(path);
    const version = at(this.view(path), ['metadata', 'resourceVersion']);
    const wanted = structuredClone(value) as { metadata: Record<string, unknown> };
    if (version !== undefined) wanted.metadata.resourceVersion = String(version);
    if (file.original !== null && !file.deleted && JSON.stringify(this.view(path)) === JSON.stringify(wanted)) return;
    if (file.deleted) file.deleted = false;
    const doc = this.edit(path);
    doc.contents = doc.createNode(wanted) as typeof doc.contents;
  }

  /** A provider's ai-proxy entry as plain data (for a derived copy). */
  private providerEntryPlain(id: string): Record<string, unknown> | undefined {
    const list = at(this.view(FILES.aiProxy), ['spec', 'defaultConfig', 'providers']);
    const entry = (Array.isArray(list) ? (list as Record<string, unknown>[]) : []).find((e) => e && typeof e === 'object' && e.id === id);
    return entry ? structuredClone(entry) : undefined;
  }

  /**
   * The derived entries replace the previous ones (regenerated from the base entry, so a key rotation reaches
   * them), and their route-level rules go first in matchRules (rule_matcher.go:140-175: first match wins).
   */
  private setDerivedProviders(derived: { entry: Record<string, unknown>; route: string }[]): void {
    const view = this.view(FILES.aiProxy);
    const providers = (at(view, ['spec', 'defaultConfig', 'providers']) ?? []) as Record<string, unknown>[];
    const rules = (at(view, ['spec', 'matchRules']) ?? []) as Record<string, any>[];
    const isDerivedRule = (r: Record<string, any>) => isDerivedProvider(String(r?.config?.activeProviderId ?? ''));
    const wantedRules = derived.map((d) => ({ ingress: [d.route], configDisable: false, config: { activeProviderId: d.entry.id } }));
    const nowEntries = providers.filter((p) => isDerivedProvider(String(p?.id)));
    const nowRules = rules.filter(isDerivedRule);
    const sameRulesFirst = rules.slice(0, nowRules.length).every(isDerivedRule);
    if (JSON.stringify(nowEntries) === JSON.stringify(derived.map((d) => d.entry)) && JSON.stringify(nowRules) === JSON.stringify(wantedRules) && sameRulesFirst) return;
    const doc = this.edit(FILES.aiProxy);
    const { isMap } = this.yaml!;
    const providerSeq = this.seq(FILES.aiProxy, ['spec', 'defaultConfig', 'providers']);
    providerSeq.items = [...providerSeq.items.filter((n) => !(isMap(n) && isDerivedProvider(String(n.get('id'))))), ...derived.map((d) => doc.createNode(d.entry))];
    const ruleSeq = this.seq(FILES.aiProxy, ['spec', 'matchRules']);
    const ours = (n: unknown) => isMap(n) && isDerivedProvider(String(matchRuleProvider(n as YAMLMap) ?? ''));
    ruleSeq.items = [...wantedRules.map((r) => doc.createNode(r)), ...ruleSeq.items.filter((n) => !ours(n))];
    providerSeq.flow = false;
    ruleSeq.flow = false;
  }

  /** `<service>:<port>` of a provider, from its ai-proxy match rule and McpBridge registry. */
  private destinationOf(id: string): string | undefined {
    const rules = at(this.view(FILES.aiProxy), ['spec', 'matchRules']);
    const rule = (Array.isArray(rules) ? rules : []).find((r) => r?.config?.activeProviderId === id);
    const service = Array.isArray(rule?.service) ? String(rule.service[0]) : undefined;
    if (!service) return undefined;
    const dot = service.lastIndexOf('.');
    const registries = at(this.view(FILES.mcpBridge), ['spec', 'registries']);
    const registry = (Array.isArray(registries) ? registries : []).find((r) => r?.name === service.slice(0, dot) && r?.type === service.slice(dot + 1));
    return registry ? `${service}:${registry.port}` : undefined;
  }

  /** The console's AI route for a provider: what its entry Ingress matches, as console predicates. */
  private async writeConsoleRoute(id: string, names: readonly string[]): Promise<void> {
    const path = FILES.aiRoute(id);
    await this.openWithTemplate(path, 'provider/ai-route.yaml');
    const wanted = (previous: Record<string, unknown>) =>
      JSON.stringify(
        { ...previous, name: id, upstreams: [{ provider: id }], modelPredicates: names.map((name) => ({ matchType: 'PRE', matchValue: `${name}/` })), version: previous.version ?? '1' },
        null,
        2,
      ) + '\n';
    const current = this.asRead(path) as { metadata?: { name?: unknown }; data?: { data?: unknown } } | undefined;
    if (current?.metadata?.name === `ai-route-${id}` && current.data?.data === wanted(parseRouteData(current.data?.data))) return;
    const routeDoc = this.edit(path);
    routeDoc.setIn(['metadata', 'name'], `ai-route-${id}`);
    const literal = routeDoc.createNode(wanted(parseRouteData(routeDoc.getIn(['data', 'data']))));
    if (this.yaml!.isScalar(literal)) literal.type = 'BLOCK_LITERAL';
    routeDoc.setIn(['data', 'data'], literal);
  }

  /** Our `~^(?:<names>)/(.*)$ -> $1` entry in the provider's modelMapping; the user's own entries stay. */
  private setEntryMapping(id: string): void {
    const current = this.modelMapping(id);
    const wanted = modelMappingFor(entryNamesOf(id), current, { check: false });
    const [key, value] = Object.entries(wanted).find(([k]) => ENTRY_MAPPING_KEY.test(k))!;
    const stale = Object.keys(current).filter((k) => !Object.hasOwn(wanted, k));
    if (current[key] === value && stale.length === 0) return;
    const seq = this.seq(FILES.aiProxy, ['spec', 'defaultConfig', 'providers']);
    const node = seq.items.find((item) => this.yaml!.isMap(item) && item.get('id') === id) as unknown as YAMLMap | undefined;
    if (!node) return;
    const doc = this.edit(FILES.aiProxy);
    if (!this.yaml!.isMap(node.get('modelMapping', true))) node.set('modelMapping', doc.createNode({}));
    const mapping = node.get('modelMapping', true) as unknown as YAMLMap;
    for (const k of stale) mapping.delete(k);
    mapping.set(key, value);
  }

  /**
   * GET /v1/models: an Exact-path Ingress (sorted before every `/` route, tool.go:172-245) answered by the
   * custom-response plugin (plugins/wasm-go/extensions/custom-response/main.go:56-195), which the image's plugin
   * server serves at /plugins/custom-response/1.0.0 (the console's plugin list, plugins.properties:47, with
   * the all-in-one URL pattern of start-console.sh:34). A route-level rule names the Ingress
   * (pkg/ingress/config/ingress_config.go:1064 `_match_route_`).
   */
  private async writeModelList(plan: RoutePlan): Promise<void> {
    await this.openWithTemplate(FILES.modelListRoute, 'provider/model-list-ingress.yaml');
    if (this.files.get(FILES.modelListRoute)!.original === null) this.edit(FILES.modelListRoute);
    await this.openWithTemplate(FILES.modelList, 'wasmplugins/custom-response.internal.yaml');
    const body = modelListBody(plan, this.routedProviders(), this.autoRouting().enabled);
    const rule = { ingress: [MODEL_LIST_ROUTE], configDisable: false, config: { status_code: 200, headers: ['content-type=application/json'], body } };
    const rules = at(this.view(FILES.modelList), ['spec', 'matchRules']);
    const current = (Array.isArray(rules) ? rules : []).find((r) => Array.isArray(r?.ingress) && r.ingress.includes(MODEL_LIST_ROUTE));
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    if (current && same(current.ingress, rule.ingress) && current.configDisable === false && same(current.config, rule.config)) return;
    this.replaceInSeq(FILES.modelList, ['spec', 'matchRules'], (n) => {
      const ingress = n.get('ingress') as YAMLSeq | undefined;
      return Boolean(ingress && this.yaml!.isSeq(ingress) && ingress.items.some((i) => (this.yaml!.isScalar(i) ? i.value : i) === MODEL_LIST_ROUTE));
    }, rule);
  }

  private async deleteFile(path: string): Promise<void> {
    const file = await this.open(path);
    if (!file.deleted && (file.original !== null || file.doc)) {
      file.doc = null;
      file.deleted = true;
      file.dirty = true;
    }
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
    if (this.textEdit(FILES.modelRouter, (text, plain, parse) => editRulesText(text, plain, next, parse))) return;
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

  // ---- other resources, opened on demand (access keys) ----

  /** A resource outside the always-loaded set as plain data; undefined when it does not exist. */
  async resource(path: string): Promise<unknown> {
    await this.open(path);
    return this.view(path);
  }

  /** The same resource as an editable document, marked changed; a missing one starts from its template. */
  async editResource(path: string, templatePath: string): Promise<Document> {
    await this.openWithTemplate(path, templatePath);
    return this.edit(path);
  }

  // ---- output ----

  /** New contents whose reader parse is known already (text edits check theirs): kept for the next command. */
  parsedChanges(): { path: string; text: string; plain: unknown }[] {
    return [...this.files].flatMap(([path, file]) => (file.dirty && file.edited && !file.doc && !file.deleted ? [{ path, text: file.edited.text, plain: file.edited.plain }] : []));
  }

  /** Files to write (resourceVersion bumped) or delete; untouched files are left alone. */
  changes(): FileChange[] {
    const out: FileChange[] = [];
    for (const [path, file] of this.files) {
      if (!file.dirty) continue;
      if (file.deleted) {
        if (file.original !== null) out.push({ path, content: null });
        continue;
      }
      if (file.edited) {
        out.push({ path, content: file.edited.text });
        continue;
      }
      if (!file.doc) {
        if (file.original === null && file.initial !== null) out.push({ path, content: file.initial });
        continue;
      }
      if (file.original !== null) {
        if (!file.rewrite && JSON.stringify(file.plain) === JSON.stringify(file.doc.toJS())) continue;
        const previous = Number(at(file.plain, ['metadata', 'resourceVersion']));
        file.doc.setIn(['metadata', 'resourceVersion'], String(Number.isFinite(previous) ? previous + 1 : 1));
      }
      const version = file.doc.getIn(['metadata', 'resourceVersion'], true);
      if (this.yaml!.isScalar(version)) version.type = 'QUOTE_DOUBLE';
      out.push({ path, content: file.doc.toString(WRITE_OPTIONS) });
    }
    return out;
  }

  private quoteAnnotations(doc: Document): void {
    const annotations = doc.getIn(['metadata', 'annotations'], true);
    if (!this.yaml!.isMap(annotations)) return;
    // Annotations are map[string]string: a value decoded as anything else fails the whole Ingress (flat_codec.go:87-96).
    for (const pair of annotations.items) {
      if (!this.yaml!.isNode(pair.value)) pair.value = doc.createNode(String(pair.value ?? ''));
      if (this.yaml!.isScalar(pair.value)) pair.value.type = 'QUOTE_DOUBLE';
    }
  }
}

/** A McpBridge registry: an IPv4 host is `static` with `ip:port` (watcher.go:145-185), a name is `dns` (:186-193). */
function registryEntry(name: string, endpoint: Endpoint) {
  const isStatic = isIPv4(endpoint.host);
  return {
    name,
    type: isStatic ? 'static' : 'dns',
    protocol: endpoint.protocol,
    domain: isStatic ? `${endpoint.host}:${endpoint.port}` : endpoint.host,
    port: isStatic ? 80 : endpoint.port,
  };
}

function extraRegistriesOf(provider: Provider, config: ProviderConfig | undefined): ExtraRegistry[] {
  return config && provider.extraRegistries ? provider.extraRegistries(config.extras, config.tokens) : [];
}

const OWNED_ENTRY_FIELDS = new Set(['id', 'type', 'apiTokens', 'service', 'config', 'configDisable', 'name', 'protocol', 'domain', 'port']);

/** A field of an entry we replace that stays unless we set it: one we do not own (a console edit such as `timeout`). */
const keptField = (key: string, ownedFields: string[]): boolean => !OWNED_ENTRY_FIELDS.has(key) && !ownedFields.includes(key);

/** replaceInSeq on plain data: the new value's fields (undefined ones left out), then the old fields kept. */
function mergedEntry(old: Record<string, unknown>, value: object, ownedFields: string[]): Record<string, unknown> {
  const node: Record<string, unknown> = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
  for (const [key, v] of Object.entries(old)) if (!Object.hasOwn(node, key) && keptField(key, ownedFields)) node[key] = v;
  return node;
}

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
