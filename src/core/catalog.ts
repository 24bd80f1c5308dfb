/**
 * The provider catalog: the one place that knows anything provider-specific.
 * Flags, the wizard, `config --provider` aliases, validation and rendering all derive from it.
 */

export type FieldKind = 'string' | 'number' | 'boolean' | 'choice';

export interface ExtraField {
  /** ai-proxy provider field name. */
  key: string;
  /** CLI flag without the leading dashes, shared by `start` and `config add`. */
  flag: string;
  /** Upstream env var that carried the value (read from upstream-made settings and golden cases). */
  env?: string;
  label: string;
  kind: FieldKind;
  choices?: readonly string[];
  default?: string | number | boolean;
  /** Required whenever the provider is configured (conditional requirements go in `check`). */
  required?: boolean;
  /** Masked in listings, never written to the settings file. */
  secret?: boolean;
  /** The value is a path whose file content (one line) is stored instead. */
  fromFile?: boolean;
  example?: string;
  /** Returns a problem description, or undefined when the value is fine. */
  validate?: (value: string) => string | undefined;
}

export interface Endpoint {
  host: string;
  port: number;
  protocol: 'http' | 'https';
}

/** A registry the plugin itself connects to besides the provider's endpoint (e.g. an OAuth token service). */
export interface ExtraRegistry {
  /** The McpBridge registry name; the plugin reaches it as cluster `outbound|<port>||<name>.dns`. */
  name: string;
  endpoint: Endpoint;
}

export type Extras = Record<string, string | number | boolean>;

/** How the provider authenticates: a pool of API tokens, or only extra fields (tokens optional). */
export interface KeySpec {
  /** Tokens are required unless one of these alternative field sets is complete. */
  alternatives?: readonly (readonly string[])[];
  /** Tokens may be left out entirely (e.g. a local Ollama). */
  optional?: boolean;
  /** No `--<flag>-key` flag at all (hunyuan authenticates with id + key fields). */
  none?: boolean;
  validate?: (token: string) => string | undefined;
  /** A second key flag that stores its token the same way but sets extra fields (Claude Code). */
  variant?: { flag: string; label: string; sets: Extras };
}

export interface Provider {
  id: string;
  type: string;
  name: string;
  env: string;
  flag: string;
  aliases: readonly string[];
  defaultModels: string;
  /** Well-known model names: examples in the welcome text, choices for the auto-routing default. */
  usualModels: readonly string[];
  /** Where the plugin connects: the host it writes into `Host` (`OverwriteRequestHostHeader` in provider/<type>.go). */
  endpoint: Endpoint | ((extras: Extras, tokens: readonly string[]) => Endpoint);
  /** Registries the plugin needs besides the endpoint's (written and removed with the provider). */
  extraRegistries?: (extras: Extras, tokens: readonly string[]) => ExtraRegistry[];
  extras?: readonly ExtraField[];
  keys?: KeySpec;
  /** Fields implied by the others (filled in before the configuration is written). */
  complete?: (extras: Extras, tokens: readonly string[]) => Extras;
  /** The models when the user names none, if they depend on the configuration (else `defaultModels`), and how. */
  modelsFor?: (extras: Extras, tokens: readonly string[]) => string;
  modelsForHelp?: string;
  /** Cross-field rules beyond per-field validation; returns a problem or undefined. */
  check?: (extras: Extras, tokens: readonly string[], models: string) => string | undefined;
  /** Providers that cannot be configured together with this one. */
  excludes?: readonly string[];
  /** Rendered by upstream even without a key (its placeholder resources count as unconfigured). */
  upstreamAlways: boolean;
}

const https = (host: string): Endpoint => ({ host, port: 443, protocol: 'https' });

/** The endpoint of a URL: its host, its port (or the scheme's), its scheme. */
function urlEndpoint(value: unknown, fallback: Endpoint): Endpoint {
  if (typeof value !== 'string' || !value) return fallback;
  try {
    const url = new URL(value);
    const protocol = url.protocol === 'http:' ? 'http' : 'https';
    return { host: url.hostname, port: Number(url.port) || (protocol === 'http' ? 80 : 443), protocol };
  } catch {
    return fallback; // validated elsewhere
  }
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
export const isIPv4 = (host: string): boolean => IPV4.test(host) && host.split('.').every((n) => Number(n) <= 255);
// higress registry/direct/watcher.go:140 domainRegex, checked at :187-191: a dns registry domain needs a dot and an
// alphabetic top-level label, else the controller creates no upstream for it.
const DNS_DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$/;
const FROM_CONTAINER =
  'use the address at which the gateway container reaches it: host.docker.internal (Docker Desktop), the docker bridge gateway such as 172.17.0.1 (Linux), or the machine\'s IPv4 address';

/** A host the gateway container can connect to: an IPv4 address (static registry) or a name the controller accepts. */
function reachableHost(host: string): string | undefined {
  if (/^(localhost|localhost\.localdomain)$/i.test(host) || /^127\./.test(host) || host === '0.0.0.0' || host === '::1') {
    return `"${host}" is the gateway container itself, not your machine: ${FROM_CONTAINER}`;
  }
  if (isIPv4(host)) return undefined;
  if (host.includes(':') || host.startsWith('[')) return `"${host}" is an IPv6 address; use an IPv4 address or a host name`;
  if (!DNS_DOMAIN.test(host)) return `"${host}" is not a name the gateway can resolve (it needs a dot and a top-level domain): ${FROM_CONTAINER}`;
  return undefined;
}

/** A full http(s) URL whose host the gateway can reach (self-hosted servers often speak plain http). */
function serverUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a full URL such as http://192.168.1.20:8000/v1';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must start with http:// or https://';
  return reachableHost(url.hostname.replace(/^\[|\]$/g, ''));
}

export function httpsUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a full URL such as https://host/path';
  }
  return url.protocol === 'https:' ? undefined : 'must start with https://';
}

const azureUrl = (value: string): string | undefined =>
  httpsUrl(value) ??
  reachableHost(new URL(value).hostname) ??
  (new URL(value).searchParams.get('api-version') ? undefined : 'must carry an api-version query parameter (…?api-version=2024-06-01)');

const exactLength = (n: number) => (value: string) =>
  value.length === n ? undefined : `must be exactly ${n} characters (got ${value.length})`;

const portNumber = (value: string): string | undefined => {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? undefined : 'must be a port number from 1 to 65535';
};

/** vertex.go:209: the plugin signs its OAuth request with these fields of the service-account key. */
const VERTEX_KEY_FIELDS = ['client_email', 'private_key', 'token_uri'] as const;
const serviceAccountKey = (value: string): string | undefined => {
  let key: unknown;
  try {
    key = JSON.parse(value);
  } catch {
    return 'must be a service-account JSON key file';
  }
  const missing = VERTEX_KEY_FIELDS.filter((f) => !(key && typeof key === 'object' && typeof (key as Record<string, unknown>)[f] === 'string' && (key as Record<string, string>)[f]));
  return missing.length ? `is missing ${missing.join(', ')} (download a service-account key of type JSON)` : undefined;
};

/** vertex.go:29,122-128: standard mode fetches tokens from oauth2.googleapis.com:443 through this registry. */
const VERTEX_OAUTH_SERVICE = 'vertex-oauth.internal';
const registryName = (value: string): string | undefined =>
  /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/.test(value) && value !== 'higress-console' && !/^llm-/.test(value)
    ? undefined
    : 'must be lower-case letters, digits, dots and dashes, not starting with llm- (our provider registries)';

/** DeepL's documented convention: Free API keys end in `:fx`. deepl.go:161-168 picks the host from the model. */
const deeplPlan = (tokens: readonly string[]): 'Free' | 'Pro' => (tokens.length > 0 && tokens.every((t) => t.endsWith(':fx')) ? 'Free' : 'Pro');

const simple = (
  id: string,
  type: string,
  name: string,
  env: string,
  aliases: string[],
  host: string,
  defaultModels: string,
  upstreamAlways: boolean,
  usualModels: string[],
): Provider => ({ id, type, name, env, flag: id, aliases, defaultModels, usualModels, endpoint: https(host), upstreamAlways });

export const PROVIDERS: readonly Provider[] = [
  { ...simple('aliyun', 'qwen', 'Aliyun Dashscope (Qwen)', 'DASHSCOPE', ['dashscope', 'qwen'], 'dashscope.aliyuncs.com', 'qwen*', true, ['qwen-turbo', 'qwen-plus', 'qwen-max']), flag: 'dashscope' },
  simple('deepseek', 'deepseek', 'DeepSeek', 'DEEPSEEK', ['deepseek'], 'api.deepseek.com', 'deepseek-*', true, ['deepseek-chat', 'deepseek-reasoner']),
  simple('moonshot', 'moonshot', 'Moonshot (Kimi)', 'MOONSHOT', ['moonshot', 'kimi'], 'api.moonshot.cn', 'moonshot-*,kimi-*', true, ['kimi-k2-0905-preview', 'moonshot-v1-8k']),
  {
    ...simple('zhipuai', 'zhipuai', 'Zhipu AI', 'ZHIPUAI', ['zhipuai', 'zhipu'], 'open.bigmodel.cn', 'GLM-*,glm-*', true, ['glm-4.6', 'glm-4.5-air']),
    endpoint: (x) => https(String(x.zhipuDomain ?? 'open.bigmodel.cn')),
    extras: [
      { key: 'zhipuDomain', flag: 'zhipuai-domain', label: 'API domain', kind: 'choice', choices: ['open.bigmodel.cn', 'api.z.ai'] },
      { key: 'zhipuCodePlanMode', flag: 'zhipuai-code-plan-mode', label: 'Coding plan mode', kind: 'boolean' },
    ],
  },
  {
    ...simple('minimax', 'minimax', 'Minimax', 'MINIMAX', ['minimax'], 'api.minimax.chat', 'abab-*,MiniMax-*,minimax-*', true, ['MiniMax-M2', 'abab6.5s-chat']),
    extras: [
      { key: 'minimaxApiType', flag: 'minimax-api-type', label: 'API (v2: OpenAI-style ChatCompletion v2; pro: ChatCompletion Pro)', kind: 'choice', choices: ['v2', 'pro'] },
      { key: 'minimaxGroupId', flag: 'minimax-group-id', env: 'MINIMAX_GROUP_ID', label: 'Group id (ChatCompletion Pro only)', kind: 'string' },
    ],
    // minimax.go:41-45 (pro needs the group id), :92,112 (only the pro API sends it).
    check: (x) =>
      x.minimaxApiType === 'pro' && x.minimaxGroupId === undefined
        ? '--minimax-api-type pro needs --minimax-group-id'
        : x.minimaxGroupId !== undefined && x.minimaxApiType !== 'pro'
          ? '--minimax-group-id is used only by the ChatCompletion Pro API: add --minimax-api-type pro (or leave the group id out)'
          : undefined,
  },
  {
    ...simple('azure', 'azure', 'Azure OpenAI', 'AZURE', ['azure'], '', 'gpt-*,o1-*,o3-*', true, ['gpt-4o', 'gpt-4o-mini']),
    // azure.go:265 sends the URL's host (with its port) as Host.
    endpoint: (x) => urlEndpoint(x.azureServiceUrl, https('')),
    extras: [
      {
        key: 'azureServiceUrl', flag: 'azure-service-url', env: 'AZURE_SERVICE_URL', label: 'Deployment URL', kind: 'string', required: true,
        example: 'https://NAME.openai.azure.com/openai/deployments/DEPLOYMENT/chat/completions?api-version=2024-06-01',
        validate: azureUrl,
      },
    ],
    excludes: ['openai'],
  },
  {
    ...simple('bedrock', 'bedrock', 'AWS Bedrock', 'BEDROCK', ['bedrock'], '', '*', false, ['anthropic.claude-3-5-sonnet-20240620-v1:0']),
    endpoint: (x) => https(`bedrock-runtime.${x.awsRegion}.amazonaws.com`),
    extras: [
      { key: 'awsRegion', flag: 'bedrock-region', env: 'BEDROCK_REGION', label: 'AWS region', kind: 'string', required: true, example: 'us-east-1', validate: (v) => (/^[a-z]{2}(-[a-z]+)+-\d$/.test(v) ? undefined : 'must be an AWS region such as us-east-1') },
      { key: 'awsAccessKey', flag: 'bedrock-access-key', env: 'BEDROCK_ACCESS_KEY', label: 'AWS access key id (SigV4)', kind: 'string', secret: true },
      { key: 'awsSecretKey', flag: 'bedrock-secret-key', env: 'BEDROCK_SECRET_KEY', label: 'AWS secret access key (SigV4)', kind: 'string', secret: true },
    ],
    keys: { alternatives: [['awsAccessKey', 'awsSecretKey']] },
    check: (x) => ((x.awsAccessKey === undefined) !== (x.awsSecretKey === undefined) ? '--bedrock-access-key and --bedrock-secret-key go together' : undefined),
  },
  {
    ...simple('vertex', 'vertex', 'Google Vertex AI', 'VERTEX', ['vertex'], '', 'gemini-*', false, ['gemini-2.5-flash', 'gemini-2.5-pro']),
    // vertex.go:179-192: express mode (apiTokens) and region `global` send aiplatform.googleapis.com, else <region>-….
    endpoint: (x, tokens) => https(tokens.length > 0 || x.vertexRegion === 'global' ? 'aiplatform.googleapis.com' : `${x.vertexRegion}-aiplatform.googleapis.com`),
    extraRegistries: (x) =>
      x.vertexAuthKey !== undefined ? [{ name: String(x.vertexAuthServiceName ?? VERTEX_OAUTH_SERVICE), endpoint: https('oauth2.googleapis.com') }] : [],
    extras: [
      { key: 'vertexProjectId', flag: 'vertex-project-id', env: 'VERTEX_PROJECT_ID', label: 'Google Cloud project id (standard mode)', kind: 'string' },
      { key: 'vertexRegion', flag: 'vertex-region', env: 'VERTEX_REGION', label: 'Region, or global (standard mode)', kind: 'string', example: 'us-central1', validate: (v) => (/^[a-z0-9-]+$/.test(v) ? undefined : 'must be a region such as us-central1 or global') },
      { key: 'vertexAuthKey', flag: 'vertex-auth-key-file', label: 'Service-account JSON key file (standard mode)', kind: 'string', secret: true, fromFile: true, validate: serviceAccountKey },
      { key: 'vertexAuthServiceName', flag: 'vertex-auth-service-name', env: 'VERTEX_AUTH_SERVICE_NAME', label: `OAuth registry name (standard mode, default ${VERTEX_OAUTH_SERVICE})`, kind: 'string', validate: registryName },
    ],
    keys: { alternatives: [['vertexAuthKey']] },
    complete: (x) => (x.vertexAuthKey !== undefined && x.vertexAuthServiceName === undefined ? { ...x, vertexAuthServiceName: VERTEX_OAUTH_SERVICE } : x),
    // vertex.go:61-98: express mode needs nothing else; standard mode needs the key, project, region and service name.
    check: (x, tokens) =>
      x.vertexAuthKey !== undefined && tokens.length > 0
        ? 'use either --vertex-key (express mode) or --vertex-auth-key-file (standard mode), not both'
        : x.vertexAuthKey === undefined && x.vertexAuthServiceName !== undefined
          ? '--vertex-auth-service-name goes with --vertex-auth-key-file (standard mode)'
          : x.vertexAuthKey !== undefined && (x.vertexProjectId === undefined || x.vertexRegion === undefined)
            ? `standard mode needs --vertex-project-id and --vertex-region (missing ${[x.vertexProjectId === undefined && '--vertex-project-id', x.vertexRegion === undefined && '--vertex-region'].filter(Boolean).join(' and ')})`
            : undefined,
  },
  { ...simple('openai', 'openai', 'OpenAI', 'OPENAI', ['openai'], 'api.openai.com', 'gpt-*,o1-*,o3-*', true, ['gpt-4o-mini', 'gpt-4o', 'o3-mini']), excludes: ['azure'] },
  simple('openrouter', 'openrouter', 'OpenRouter', 'OPENROUTER', ['openrouter'], 'openrouter.ai', '*', false, ['openai/gpt-4o-mini', 'anthropic/claude-sonnet-4']),
  simple('yi', 'yi', '01.AI (Yi)', 'YI', ['yi'], 'api.lingyiwanwu.com', 'yi-*', true, ['yi-lightning']),
  simple('ai360', 'ai360', '360 Zhinao', 'AI360', ['ai360'], 'api.360.cn', '360GPT-*', true, ['360GPT-S2-V9']),
  simple('baichuan', 'baichuan', 'Baichuan AI', 'BAICHUAN', ['baichuan'], 'api.baichuan-ai.com', 'Baichuan*', true, ['Baichuan4-Turbo', 'Baichuan4']),
  simple('baidu', 'baidu', 'Baidu AI Cloud', 'BAIDU', ['baidu'], 'qianfan.baidubce.com', 'ERNIE-*', true, ['ERNIE-4.0-8K', 'ERNIE-3.5-8K']),
  {
    ...simple('claude', 'claude', 'Claude', 'CLAUDE', ['claude'], 'api.anthropic.com', 'claude-*', true, ['claude-sonnet-4-5', 'claude-opus-4-5', 'claude-haiku-4-5']),
    extras: [{ key: 'claudeVersion', flag: 'claude-version', label: 'API version', kind: 'string', default: '2023-06-01' }],
    keys: { variant: { flag: 'claude-code-key', label: 'Claude Code OAuth token (from `claude setup-token`)', sets: { claudeCodeMode: true } } },
  },
  {
    ...simple('cloudflare', 'cloudflare', 'Cloudflare Workers AI', 'CLOUDFLARE', ['cloudflare'], 'api.cloudflare.com', '*', false, ['@cf/meta/llama-3.1-8b-instruct']),
    extras: [{ key: 'cloudflareAccountId', flag: 'cloudflare-account-id', env: 'CLOUDFLARE_ACCOUNT_ID', label: 'Account id', kind: 'string', required: true }],
  },
  simple('cohere', 'cohere', 'Cohere', 'COHERE', ['cohere'], 'api.cohere.com', 'command*', true, ['command-r-plus', 'command-r']),
  {
    ...simple('deepl', 'deepl', 'DeepL', 'DEEPL', ['deepl'], 'api.deepl.com', 'Pro', false, ['Pro', 'Free']),
    // deepl.go:161-168: model Free -> api-free.deepl.com, Pro -> api.deepl.com; one provider serves one plan.
    endpoint: (_x, tokens) => https(deeplPlan(tokens) === 'Free' ? 'api-free.deepl.com' : 'api.deepl.com'),
    modelsFor: (_x, tokens) => deeplPlan(tokens),
    modelsForHelp: 'Free for keys ending in :fx, else Pro',
    check: (_x, tokens, models) =>
      tokens.some((t) => t.endsWith(':fx')) && deeplPlan(tokens) === 'Pro'
        ? 'DeepL Free keys (ending in :fx) and Pro keys cannot share one key pool (they use different hosts)'
        : models !== deeplPlan(tokens)
          ? `DeepL's model must be ${deeplPlan(tokens)} for ${deeplPlan(tokens) === 'Free' ? 'a Free key (ending in :fx)' : 'a Pro key'} (got "${models}"): the plugin picks the host from the model, Free -> api-free.deepl.com, Pro -> api.deepl.com`
          : undefined,
    extras: [{ key: 'targetLang', flag: 'deepl-target-lang', env: 'DEEPL_TARGET_LANG', label: 'Target language', kind: 'string', required: true, example: 'EN', validate: (v) => (/^[A-Za-z]{2}(-[A-Za-z]{2,4})?$/.test(v) ? undefined : 'must be a language code such as EN, ZH or EN-GB') }],
  },
  {
    ...simple('dify', 'dify', 'Dify', 'DIFY', ['dify'], 'api.dify.ai', '*', false, ['dify']),
    // dify.go:61-77: Host is the URL's host with its port; self-hosted Dify often speaks plain http.
    endpoint: (x) => urlEndpoint(x.difyApiUrl, https('api.dify.ai')),
    extras: [
      { key: 'difyApiUrl', flag: 'dify-api-url', env: 'DIFY_API_URL', label: 'API URL', kind: 'string', example: 'https://api.dify.ai/v1', validate: serverUrl },
      { key: 'botType', flag: 'dify-bot-type', env: 'DIFY_BOT_TYPE', label: 'Bot type', kind: 'choice', choices: ['Chat', 'Completion', 'Agent', 'Workflow'], default: 'Chat' },
      { key: 'inputVariable', flag: 'dify-input-variable', env: 'DIFY_INPUT_VARIABLE', label: 'Workflow input variable', kind: 'string' },
      { key: 'outputVariable', flag: 'dify-output-variable', env: 'DIFY_OUTPUT_VARIABLE', label: 'Workflow output variable', kind: 'string' },
    ],
    check: (x) =>
      x.botType === 'Workflow' && (!x.inputVariable || !x.outputVariable)
        ? 'a Dify Workflow bot needs --dify-input-variable and --dify-output-variable'
        : undefined,
  },
  simple('doubao', 'doubao', 'Doubao', 'DOUBAO', ['doubao'], 'ark.cn-beijing.volces.com', 'doubao-*', true, ['doubao-seed-1-6-250615', 'doubao-1-5-pro-32k-250115']),
  simple('fireworks', 'fireworks', 'Fireworks AI', 'FIREWORKS', ['fireworks'], 'api.fireworks.ai', '*', false, ['accounts/fireworks/models/llama-v3p1-70b-instruct']),
  simple('github', 'github', 'Github Models', 'GITHUB', ['github'], 'models.inference.ai.azure.com', '*', false, ['gpt-4o-mini']),
  simple('gemini', 'gemini', 'Google Gemini', 'GEMINI', ['gemini'], 'generativelanguage.googleapis.com', 'gemini-*', true, ['gemini-2.5-flash', 'gemini-2.5-pro']),
  simple('grok', 'grok', 'Grok', 'GROK', ['grok'], 'api.x.ai', 'grok-*', false, ['grok-4', 'grok-3-mini']),
  simple('groq', 'groq', 'Groq', 'GROQ', ['groq'], 'api.groq.com', '*', false, ['llama-3.3-70b-versatile']),
  simple('mistral', 'mistral', 'Mistral AI', 'MISTRAL', ['mistral'], 'api.mistral.ai', 'mistral-*,open-mistral-*', true, ['mistral-large-latest', 'mistral-small-latest']),
  {
    ...simple('ollama', 'ollama', 'Ollama', 'OLLAMA', ['ollama'], '', 'llama*,codellama*', true, ['llama3.2', 'codellama']),
    endpoint: (x) => ({ host: String(x.ollamaServerHost), port: Number(x.ollamaServerPort ?? 11434), protocol: 'http' }),
    extras: [
      { key: 'ollamaServerHost', flag: 'ollama-host', env: 'OLLAMA_SERVER_HOST', label: 'Ollama host (as the container sees it)', kind: 'string', required: true, example: 'host.docker.internal', validate: (v) => (/^[A-Za-z0-9.-]+$/.test(v) ? reachableHost(v) : 'must be a host name or IPv4 address') },
      { key: 'ollamaServerPort', flag: 'ollama-port', env: 'OLLAMA_SERVER_PORT', label: 'Ollama port', kind: 'number', default: 11434, validate: portNumber },
    ],
    keys: { optional: true },
  },
  {
    ...simple('spark', 'spark', 'iFlyTek Spark', 'SPARK', ['spark'], 'spark-api-open.xf-yun.com', '*', false, ['generalv3.5', '4.0Ultra']),
    keys: { validate: (t) => (/^[^:]+:[^:]+$/.test(t) ? undefined : 'must be APIKey:APISecret') },
  },
  simple('stepfun', 'stepfun', 'Stepfun', 'STEPFUN', ['stepfun'], 'api.stepfun.com', 'step-*', true, ['step-2-16k', 'step-1-8k']),
  {
    ...simple('hunyuan', 'hunyuan', 'Tencent Hunyuan', 'HUNYUAN', ['hunyuan'], 'hunyuan.tencentcloudapi.com', 'hunyuan-*', false, ['hunyuan-turbo', 'hunyuan-lite']),
    extras: [
      { key: 'hunyuanAuthId', flag: 'hunyuan-auth-id', env: 'HUNYUAN_AUTH_ID', label: 'SecretId (36 characters)', kind: 'string', required: true, secret: true, validate: exactLength(36) },
      { key: 'hunyuanAuthKey', flag: 'hunyuan-auth-key', env: 'HUNYUAN_AUTH_KEY', label: 'SecretKey (32 characters)', kind: 'string', required: true, secret: true, validate: exactLength(32) },
    ],
    keys: { none: true },
  },
  simple('togetherai', 'together-ai', 'Together AI', 'TOGETHERAI', ['togetherai', 'together'], 'api.together.xyz', '*', false, ['meta-llama/Llama-3.3-70B-Instruct-Turbo']),
  {
    ...simple('vllm', 'vllm', 'vLLM', 'VLLM', ['vllm'], '', '*', false, ['meta-llama/Llama-3.1-8B-Instruct']),
    // vllm.go:42-76,110-111: vllmCustomUrl gives Host (host:port) and the base path; vllm.go:25-30: the key is optional.
    endpoint: (x) => urlEndpoint(x.vllmCustomUrl, https('')),
    extras: [{ key: 'vllmCustomUrl', flag: 'vllm-url', label: 'vLLM server base URL (as the container sees it)', kind: 'string', required: true, example: 'http://host.docker.internal:8000/v1', validate: serverUrl }],
    keys: { optional: true },
  },
  {
    ...simple('openai-compatible', 'openai', 'OpenAI-compatible server', 'OPENAI_COMPATIBLE', ['openai-compatible', 'compatible'], '', '*', false, ['local-model']),
    // openai.go:82-111,139-140: type openai with openaiCustomUrl sends Host host:port and maps each API onto the
    // URL's base path (…/v1/chat/completions); openai.go:24-26 requires no key. LM Studio, llama.cpp, LocalAI, ….
    endpoint: (x) => urlEndpoint(x.openaiCustomUrl, https('')),
    extras: [{ key: 'openaiCustomUrl', flag: 'openai-compatible-url', label: 'Server base URL (as the container sees it)', kind: 'string', required: true, example: 'http://192.168.1.20:1234/v1', validate: serverUrl }],
    keys: { optional: true },
  },
];

/** The other names a provider answers to (`qwen`, `kimi`, `zhipu`, `together`…): each also gets `--<alias>-key`/`-models`. */
export const aliasNames = (p: Provider): string[] => [...new Set([p.id, ...p.aliases])].filter((name) => name !== p.flag);

/** The name that selects a provider's key variant (`claude-code` for the Claude Code token). */
export const variantName = (p: Provider): string | undefined => p.keys?.variant?.flag.replace(/-key$/, '');

const byName = new Map<string, { provider: Provider; variant: boolean }>();
for (const p of PROVIDERS) {
  for (const name of [p.id, p.flag, ...p.aliases]) byName.set(name.toLowerCase(), { provider: p, variant: false });
  const variant = variantName(p);
  if (variant) byName.set(variant, { provider: p, variant: true });
}

export function findProvider(nameOrAlias: string): Provider | undefined {
  return byName.get(nameOrAlias.trim().toLowerCase())?.provider;
}

/** A provider by id, flag, alias or variant name; `variant` says the name chose the key variant (claude-code). */
export function findProviderChoice(nameOrAlias: string): { provider: Provider; variant: boolean } | undefined {
  return byName.get(nameOrAlias.trim().toLowerCase());
}

/** Every name `--provider` accepts. */
export const providerNameList = (): string[] => [...byName.keys()];

export function providerById(id: string): Provider {
  const p = PROVIDERS.find((x) => x.id === id);
  if (!p) throw new Error(`unknown provider id ${id}`);
  return p;
}

export function endpointOf(p: Provider, extras: Extras, tokens: readonly string[] = []): Endpoint {
  return typeof p.endpoint === 'function' ? p.endpoint(extras, tokens) : p.endpoint;
}

export const keyFlag = (p: Provider): string | undefined => (p.keys?.none ? undefined : `${p.flag}-key`);
export const modelsFlag = (p: Provider): string => `${p.flag}-models`;

/** Names users can type for `--provider`, for error messages: each id with its aliases, `moonshot (kimi)`. */
export const providerNames = (): string =>
  PROVIDERS.map((p) => {
    const others = [...new Set([p.flag, ...p.aliases, variantName(p)])].filter((n): n is string => n !== undefined && n !== p.id);
    return others.length ? `${p.id} (${others.join(', ')})` : p.id;
  }).join(', ');

/** A concrete model name the provider serves under the given patterns, for examples. */
export function exampleModel(p: Provider, matches: (model: string) => boolean, patterns: string): string {
  const usual = p.usualModels.find(matches);
  if (usual) return usual;
  const exact = patterns.split(',').find((item) => item && !item.includes('*'));
  return exact ?? p.usualModels[0] ?? p.id;
}

/** What clients such as OpenClaw need to know about a model; a field is left out where it is not known. */
export interface ModelFacts {
  /** `image` when the model takes images. */
  input?: readonly ('text' | 'image')[];
  reasoning?: boolean;
  contextWindow?: number;
  maxTokens?: number;
}

const facts = (input: 'text' | 'text+image', reasoning: boolean, contextWindow: number, maxTokens?: number): ModelFacts => ({
  input: input === 'text' ? ['text'] : ['text', 'image'],
  reasoning,
  contextWindow,
  ...(maxTokens === undefined ? {} : { maxTokens }),
});

/** Facts about usual models, from the vendors' model pages; models not listed here get none. */
export const USUAL_MODEL_FACTS: Readonly<Record<string, ModelFacts>> = {
  'gpt-4o': facts('text+image', false, 128_000, 16_384),
  'gpt-4o-mini': facts('text+image', false, 128_000, 16_384),
  'o3-mini': facts('text', true, 200_000, 100_000),
  'openai/gpt-4o-mini': facts('text+image', false, 128_000, 16_384),
  'claude-sonnet-4-5': facts('text+image', true, 200_000, 64_000),
  'claude-opus-4-5': facts('text+image', true, 200_000, 64_000),
  'claude-haiku-4-5': facts('text+image', true, 200_000, 64_000),
  'anthropic/claude-sonnet-4': facts('text+image', true, 200_000, 64_000),
  'anthropic.claude-3-5-sonnet-20240620-v1:0': facts('text+image', false, 200_000, 4_096),
  'gemini-2.5-flash': facts('text+image', true, 1_048_576, 65_536),
  'gemini-2.5-pro': facts('text+image', true, 1_048_576, 65_536),
  'deepseek-chat': facts('text', false, 128_000, 8_192),
  'deepseek-reasoner': facts('text', true, 128_000, 65_536),
  'qwen-max': facts('text', false, 32_768, 8_192),
  'glm-4.6': facts('text', true, 200_000, 128_000),
  'glm-4.5-air': facts('text', true, 128_000, 96_000),
  'MiniMax-M2': facts('text', true, 204_800),
  'moonshot-v1-8k': facts('text', false, 8_192),
  'yi-lightning': facts('text', false, 16_384),
  'command-r-plus': facts('text', false, 128_000, 4_096),
  'command-r': facts('text', false, 128_000, 4_096),
  'llama-3.3-70b-versatile': facts('text', false, 131_072, 32_768),
  'meta-llama/Llama-3.3-70B-Instruct-Turbo': facts('text', false, 131_072, 8_192),
};
