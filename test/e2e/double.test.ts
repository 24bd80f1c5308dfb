// Proves the gateway double (test/double/) on the real engine, with dockerode directly (no CLI): the files
// it reads, hot reload, routing, auth, auto-routing, access log, console delay and the marker check.
import { mkdtemp, mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAddressForContainers, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import {
  dockerExec,
  dockerFor,
  doubleImage,
  ensureImage,
  fetchWithTimeout,
  freePorts,
  loadTestBed,
  REPO_ROOT,
  waitFor,
  type TestBed,
} from '../helpers/test-bed.js';

interface DoubleState {
  startedAt: string;
  reloadCount: number;
  resources: Record<string, any>;
  events: { time: string; type: string; kind: string; name: string }[];
}

const LABEL = 'get-ai-gateway.test';
let bed: TestBed;
let docker: Docker;
let upstream: MockUpstream;
let hostIp: string;
const containers: Docker.Container[] = [];
const tempDirs: string[] = [];

function aiProxyYaml(token: string, resourceVersion: string): string {
  return `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: ai-proxy.internal
  namespace: higress-system
  resourceVersion: "${resourceVersion}"
spec:
  defaultConfig:
    providers:
    - id: ollama
      type: ollama
      apiTokens:
      - "${token}"
      ollamaServerHost: "${hostIp}"
      ollamaServerPort: ${upstream.port}
  defaultConfigDisable: false
  matchRules:
  - service:
    - llm-ollama.internal.static
    configDisable: false
    config:
      activeProviderId: ollama
  failStrategy: FAIL_OPEN
  phase: UNSPECIFIED_PHASE
  priority: 100
  url: http://localhost:8002/plugins/ai-proxy/1.0.0/plugin.wasm
`;
}

async function writeDataFolder(dir: string): Promise<void> {
  for (const kind of ['wasmplugins', 'ingresses', 'mcpbridges', 'configmaps', 'envoyfilters', 'logs']) {
    await mkdir(path.join(dir, kind), { recursive: true });
  }
  await writeFile(path.join(dir, '.ai-gateway-configured'), '');
  await writeFile(path.join(dir, 'wasmplugins', 'ai-proxy.internal.yaml'), aiProxyYaml('tok-one', '1'));
  await writeFile(
    path.join(dir, 'wasmplugins', 'model-router.internal.yaml'),
    `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: model-router.internal
  namespace: higress-system
  resourceVersion: "1"
spec:
  defaultConfig:
    modelToHeader: x-higress-llm-model
    autoRouting:
      enable: true
      defaultModel: llama-small
      rules:
      - pattern: "(?=lookahead is not RE2)"
        model: never-chosen
      - pattern: ""
        model: never-chosen-either
      - pattern: (?i)^(deep thinking|think hard)
        model: llama-large
  defaultConfigDisable: false
  failStrategy: FAIL_OPEN
  phase: AUTHN
  priority: 900
  url: http://localhost:8002/plugins/model-router/1.0.0/plugin.wasm
`,
  );
  await writeFile(
    path.join(dir, 'wasmplugins', 'ai-statistics-1.0.0.yaml'),
    `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: ai-statistics-1.0.0
  namespace: higress-system
  resourceVersion: "1"
spec:
  defaultConfig:
    use_default_attributes: true
  defaultConfigDisable: false
  priority: 900
  url: http://localhost:8002/plugins/ai-statistics/1.0.0/plugin.wasm
`,
  );
  await writeFile(
    path.join(dir, 'mcpbridges', 'default.yaml'),
    `apiVersion: networking.higress.io/v1
kind: McpBridge
metadata:
  name: default
  namespace: higress-system
  resourceVersion: "1"
spec:
  registries:
  - domain: 127.0.0.1:8001
    name: higress-console
    port: 80
    type: static
  - name: llm-ollama.internal
    type: static
    protocol: http
    domain: "${hostIp}:${upstream.port}"
    port: 80
`,
  );
  await writeFile(
    path.join(dir, 'ingresses', 'ai-route-ollama.internal.yaml'),
    `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  annotations:
    higress.io/destination: "llm-ollama.internal.static:80"
    higress.io/ignore-path-case: "false"
    higress.io/regex-match-header-x-higress-llm-model: "llama.*|codellama.*"
  labels:
    higress.io/resource-definer: higress
  name: ai-route-ollama.internal
  namespace: higress-system
  resourceVersion: "1"
spec:
  ingressClassName: higress
  rules:
  - http:
      paths:
      - backend:
          resource:
            apiGroup: networking.higress.io
            kind: McpBridge
            name: default
        path: /
        pathType: Prefix
`,
  );
}

interface Ports {
  http: number;
  https: number;
  console: number;
}

async function runDouble(dataDir: string, ports: Ports, env: string[] = []): Promise<Docker.Container> {
  const portSpec = [ports.http, ports.https, ports.console];
  const container = await docker.createContainer({
    Image: doubleImage(bed),
    name: `double-e2e-${process.pid}-${Date.now()}-${containers.length}`,
    Labels: { [LABEL]: 'double.test' },
    Env: [
      'MODE=full',
      'CONFIG_TEMPLATE=ai-gateway',
      `GATEWAY_HTTP_PORT=${ports.http}`,
      `GATEWAY_HTTPS_PORT=${ports.https}`,
      `CONSOLE_PORT=${ports.console}`,
      ...env,
    ],
    ExposedPorts: Object.fromEntries(portSpec.map((p) => [`${p}/tcp`, {}])),
    HostConfig: {
      Binds: [`${dataDir}:/data`, `${path.join(dataDir, 'logs')}:/var/log/proxy`],
      PortBindings: Object.fromEntries(portSpec.map((p) => [`${p}/tcp`, [{ HostIp: '127.0.0.1', HostPort: String(p) }]])),
    },
  });
  containers.push(container);
  await container.start();
  return container;
}

async function newPorts(): Promise<Ports> {
  const [http, https, console] = await freePorts(3);
  return { http: http!, https: https!, console: console! };
}

function chat(port: number, model: string, content = 'hello there', extra: Record<string, unknown> = {}) {
  return fetchWithTimeout(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }], ...extra }),
  });
}

async function state(port: number): Promise<DoubleState> {
  const res = await fetchWithTimeout(`http://127.0.0.1:${port}/__double/state`);
  if (!res.ok) throw new Error(`state: HTTP ${res.status}`);
  return (await res.json()) as DoubleState;
}

/** write `<name>.yaml.tmp` then rename it onto `<name>.yaml`, as the installer and the console do */
async function atomicWrite(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text, { flag: 'wx' });
  await rename(`${file}.tmp`, file);
}

beforeAll(async () => {
  bed = loadTestBed();
  docker = dockerFor(bed);
  await ensureImage(docker, doubleImage(bed));
  upstream = await startMockUpstream();
  hostIp = await hostAddressForContainers(bed);
});

afterAll(async () => {
  for (const c of containers) await c.remove({ force: true }).catch(() => undefined);
  await upstream?.close();
  for (const d of tempDirs) await rm(d, { recursive: true, force: true });
});

describe('gateway double on the real engine', () => {
  let dataDir: string;
  let ports: Ports;
  let container: Docker.Container;
  let consoleEarly: string; // what the console port said right after the gateway came up
  const CONSOLE_DELAY_MS = 4000;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'double-e2e-'));
    tempDirs.push(dataDir);
    await writeDataFolder(dataDir);
    ports = await newPorts();
    container = await runDouble(dataDir, ports, [`DOUBLE_CONSOLE_DELAY_MS=${CONSOLE_DELAY_MS}`]);
    await waitFor('the gateway HTTP port to answer', async () => (await fetchWithTimeout(`http://127.0.0.1:${ports.http}/`, {}, 2000)).status, {
      timeoutMs: 30_000,
    });
    consoleEarly = await fetchWithTimeout(`http://127.0.0.1:${ports.console}/`, {}, 1000).then(
      (res) => `HTTP ${res.status}`,
      () => 'no answer',
    );
  });

  it('copies the image defaults into /data without overwriting and logs to docker logs', async () => {
    const config = await readFile(path.join(dataDir, 'configmaps', 'higress-config.yaml'), 'utf8');
    expect(config).toContain('accessLogFormat');
    const bridge = await readFile(path.join(dataDir, 'mcpbridges', 'default.yaml'), 'utf8');
    expect(bridge).toContain('llm-ollama.internal'); // ours, not the image default
    const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
    expect(logs).toContain(`double: gateway listening on :${ports.http}`);
  });

  it('routes a chat request to the provider with its token and the model header', async () => {
    upstream.clear();
    const res = await chat(ports.http, 'llama3');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-double-provider')).toBe('ollama');
    const body = (await res.json()) as any;
    expect(body.model).toBe('llama3');
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(upstream.requests).toHaveLength(1);
    const seen = upstream.requests[0];
    expect(seen.method).toBe('POST');
    expect(seen.path).toBe('/v1/chat/completions');
    expect(seen.headers.authorization).toBe('Bearer tok-one');
    expect(seen.headers['x-higress-llm-model']).toBe('llama3');
    expect(seen.body.model).toBe('llama3');
  });

  it('answers 404 for a model no Ingress matches, and on the HTTPS port (plain HTTP) routes the same', async () => {
    expect((await chat(ports.http, 'gpt-4o')).status).toBe(404);
    expect((await chat(ports.https, 'codellama-7b')).status).toBe(200);
  });

  it('auto-routes higress/auto by the last user message with RE2 rules, skipping bad rules', async () => {
    upstream.clear();
    const res = await fetchWithTimeout(`http://127.0.0.1:${ports.http}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'higress/auto',
        messages: [
          { role: 'user', content: 'hello' },
          { role: 'assistant', content: 'hi' },
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }, { type: 'text', text: 'Deep Thinking: why?' }] },
        ],
      }),
    });
    expect(res.status).toBe(200);
    expect(upstream.requests.at(-1)?.body.model).toBe('llama-large');
    expect(upstream.requests.at(-1)?.headers['x-higress-llm-model']).toBe('llama-large');

    const fallback = await chat(ports.http, 'higress/auto', 'just a question');
    expect(fallback.status).toBe(200);
    expect(upstream.requests.at(-1)?.body.model).toBe('llama-small');
  });

  it('writes the access log with ai_log token counts to the gateway log when O11Y is off', async () => {
    const res = await chat(ports.http, 'llama-log-check', 'count these four words');
    expect(res.status).toBe(200);
    const line = await waitFor('the access log line', async () => {
      const { stdout } = await dockerExec(container, ['cat', '/var/log/higress/gateway.log']);
      return stdout.split('\n').find((l) => l.includes('llama-log-check'));
    });
    const entry = JSON.parse(line);
    expect(entry).toMatchObject({ method: 'POST', path: '/v1/chat/completions', response_code: 200, route_name: 'ai-route-ollama.internal' });
    expect(typeof entry.ai_log).toBe('string');
    const aiLog = JSON.parse(entry.ai_log);
    expect(aiLog).toMatchObject({ model: 'llama-log-check', input_token: 4, output_token: 4 });
    expect(typeof aiLog.llm_service_duration).toBe('number');
  });

  it('writes a file access log only for an EnvoyFilter that MERGEs a file logger into the HTTP connection manager', async () => {
    const proxyLog = async () => (await dockerExec(container, ['cat', '/var/log/proxy/access.log'])).stdout;
    const loaded = (name: string) => waitFor(`EnvoyFilter ${name} loaded`, async () => Boolean((await state(ports.http)).resources[`envoyfilters/${name}`]));
    // The product's EnvoyFilter, and the same patch aimed at another filter (which Envoy would not apply to the HCM).
    const ours = await readFile(path.join(REPO_ROOT, 'templates', 'envoyfilters', 'access-log-file.internal.yaml'), 'utf8');
    const elsewhere = ours.replace('name: access-log-file.internal', 'name: elsewhere').replace(/(filter:\n\s+name: )envoy\.filters\.network\.http_connection_manager/, '$1envoy.filters.network.tcp_proxy');
    await writeFile(path.join(dataDir, 'envoyfilters', 'elsewhere.yaml'), elsewhere);
    await loaded('elsewhere');
    await (await chat(ports.http, 'llama-no-file', 'not in a file')).text();
    expect(await proxyLog()).toBe('');

    await writeFile(path.join(dataDir, 'envoyfilters', 'access-log-file.internal.yaml'), ours);
    await loaded('access-log-file.internal');
    await (await chat(ports.http, 'llama-file-log', 'in the file')).text();
    const line = await waitFor('the line in /var/log/proxy/access.log', async () => (await proxyLog()).split('\n').find((l) => l.includes('llama-file-log')));
    expect(JSON.parse(line)).toMatchObject({ method: 'POST', path: '/v1/chat/completions', response_code: 200 });
    // The mount: the host sees it in <data>/logs/access.log.
    expect(await readFile(path.join(dataDir, 'logs', 'access.log'), 'utf8')).toContain('llama-file-log');
    // The mesh's stdout log (gateway.log) keeps every line too: the patch appends a logger, it replaces none.
    expect((await dockerExec(container, ['cat', '/var/log/higress/gateway.log'])).stdout).toContain('llama-file-log');
  });

  it('hot-reloads a rewritten ai-proxy file: new token upstream, reloadCount up, apiserver.log event', async () => {
    const before = await state(ports.http);
    expect(before.resources['wasmplugins/ai-proxy.internal'].spec.defaultConfig.providers[0].apiTokens).toEqual(['tok-one']);

    await atomicWrite(path.join(dataDir, 'wasmplugins', 'ai-proxy.internal.yaml'), aiProxyYaml('tok-two', '2'));

    await waitFor('the new token upstream', async () => {
      upstream.clear();
      const res = await chat(ports.http, 'llama3');
      return res.status === 200 && upstream.requests.at(-1)?.headers.authorization === 'Bearer tok-two';
    });
    const after = await state(ports.http);
    expect(after.reloadCount).toBeGreaterThan(before.reloadCount);
    expect(after.events.at(-1)).toMatchObject({ type: 'MODIFIED', kind: 'wasmplugins', name: 'ai-proxy.internal' });
    const { stdout } = await dockerExec(container, ['cat', '/var/log/higress/apiserver.log']);
    expect(stdout).toMatch(/event MODIFIED wasmplugins higress-system\/ai-proxy\.internal resourceVersion=2/);
  });

  it('keeps the previous version when a file does not parse, and ignores .tmp names', async () => {
    const before = await state(ports.http);
    await writeFile(path.join(dataDir, 'wasmplugins', 'ai-proxy.internal.yaml.tmp'), 'not: [valid');
    await writeFile(path.join(dataDir, 'wasmplugins', 'ai-proxy.internal.yaml'), 'spec: [unclosed');
    await waitFor('the parse error in apiserver.log', async () => {
      const { stdout } = await dockerExec(container, ['cat', '/var/log/higress/apiserver.log']);
      return stdout.includes('error failed to parse wasmplugins higress-system/ai-proxy.internal');
    });
    const after = await state(ports.http);
    expect(after.reloadCount).toBe(before.reloadCount);
    expect(after.resources['wasmplugins/ai-proxy.internal'].metadata.resourceVersion).toBe('2');
    await unlink(path.join(dataDir, 'wasmplugins', 'ai-proxy.internal.yaml.tmp'));
    await atomicWrite(path.join(dataDir, 'wasmplugins', 'ai-proxy.internal.yaml'), aiProxyYaml('tok-two', '3'));
    await waitFor('resourceVersion 3 loaded', async () =>
      (await state(ports.http)).resources['wasmplugins/ai-proxy.internal']?.metadata.resourceVersion === '3',
    );
  });

  it('reloads a file written inside the container with docker exec sh -c (tmp + mv), like the console', async () => {
    expect((await chat(ports.http, 'gpt-4o')).status).toBe(404);
    const yaml = [
      'apiVersion: networking.k8s.io/v1',
      'kind: Ingress',
      'metadata:',
      '  name: ai-route-exact.internal',
      '  namespace: higress-system',
      '  resourceVersion: "1"',
      '  annotations:',
      '    higress.io/destination: "llm-ollama.internal.static:80"',
      '    higress.io/exact-match-header-x-higress-llm-model: "gpt-4o"',
      // Without a rule and path the controller makes no route from an Ingress.
      'spec:',
      '  rules:',
      '  - http:',
      '      paths:',
      '      - path: /',
      '        pathType: Prefix',
      '',
    ].join('\n');
    const target = '/data/ingresses/ai-route-exact.internal.yaml';
    const script = `cat > ${target}.tmp <<'EOF'\n${yaml}EOF\nmv ${target}.tmp ${target}`;
    const result = await dockerExec(container, ['sh', '-c', script]);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    await waitFor('the exact-match route', async () => (await chat(ports.http, 'gpt-4o')).status === 200);
    expect((await chat(ports.http, 'gpt-4o-mini')).status).toBe(404); // exact, not prefix
    const s = await state(ports.http);
    expect(s.events.at(-1)).toMatchObject({ type: 'ADDED', kind: 'ingresses', name: 'ai-route-exact.internal' });
  });

  it('deleting the Ingress file removes the route (404), seen as a DELETED event', async () => {
    expect((await chat(ports.http, 'llama3')).status).toBe(200);
    await unlink(path.join(dataDir, 'ingresses', 'ai-route-ollama.internal.yaml'));
    await waitFor('the route to disappear', async () => (await chat(ports.http, 'llama3')).status === 404);
    const s = await state(ports.http);
    expect(s.resources['ingresses/ai-route-ollama.internal']).toBeUndefined();
    expect(s.events.at(-1)).toMatchObject({ type: 'DELETED', kind: 'ingresses', name: 'ai-route-ollama.internal' });
  });

  it('answers on the console port only after the console delay', async () => {
    expect(consoleEarly).toBe('no answer');
    const body = await waitFor(
      'the console',
      async () => {
        const res = await fetchWithTimeout(`http://127.0.0.1:${ports.console}/`, {}, 2000);
        return res.status === 200 ? await res.json() : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(body).toEqual({ console: 'ok' });
  });

  it('writes the access log to /var/log/proxy/access.log (the mounted <data>/logs) when O11Y=on', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'double-e2e-o11y-'));
    tempDirs.push(dir);
    await writeDataFolder(dir);
    const p = await newPorts();
    await runDouble(dir, p, ['O11Y=on']);
    await waitFor('the gateway HTTP port', async () => (await fetchWithTimeout(`http://127.0.0.1:${p.http}/`, {}, 2000)).status, { timeoutMs: 30_000 });
    expect((await chat(p.http, 'llama-o11y')).status).toBe(200);
    const line = await waitFor('access.log on the host', async () =>
      (await readFile(path.join(dir, 'logs', 'access.log'), 'utf8')).split('\n').find((l) => l.includes('llama-o11y')),
    );
    expect(JSON.parse(JSON.parse(line).ai_log).model).toBe('llama-o11y');
  });

  it('key-auth: 401 without a key, 403 with a wrong one, X-Mse-Consumer upstream and in ai_log, consumers hot-reloaded', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'double-e2e-keyauth-'));
    tempDirs.push(dir);
    await writeDataFolder(dir);
    // Written by hand from the plugin's own example (key-auth README "Enabling at the Instance Level"),
    // with an attribute that makes ai-statistics log the consumer.
    const keyAuth = (consumers: string, rv: string) => `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: key-auth.internal
  namespace: higress-system
  resourceVersion: "${rv}"
spec:
  defaultConfig:
    global_auth: true
    in_header: true
    keys: [authorization, x-api-key]
    consumers:
${consumers}
  defaultConfigDisable: false
  failStrategy: FAIL_CLOSE
  phase: AUTHN
  priority: 310
  url: http://localhost:8002/plugins/key-auth/1.0.0/plugin.wasm
`;
    await writeFile(
      path.join(dir, 'wasmplugins', 'key-auth.internal.yaml'),
      keyAuth('    - {name: alice, credential: "Bearer k-alice-1"}\n    - {name: alice, credential: "k-alice-1"}\n    - {name: bob, credential: "k-bob-1"}', '1'),
    );
    const stats = path.join(dir, 'wasmplugins', 'ai-statistics-1.0.0.yaml');
    await writeFile(stats, (await readFile(stats, 'utf8')).replace('use_default_attributes: true', 'attributes: [{key: consumer, value_source: request_header, value: x-mse-consumer, apply_to_log: true}]'));
    const p = await newPorts();
    const c = await runDouble(dir, p);
    await waitFor('the gateway HTTP port', async () => (await fetchWithTimeout(`http://127.0.0.1:${p.http}/`, {}, 2000)).status, { timeoutMs: 30_000 });
    const call = (headers: Record<string, string>, model = 'llama-auth') =>
      fetchWithTimeout(`http://127.0.0.1:${p.http}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });

    upstream.clear();
    const none = await call({});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Key realm=MSE Gateway');
    expect((await call({ authorization: 'Bearer wrong' })).status).toBe(403);
    expect((await call({ authorization: 'k-alice-1-not' })).status).toBe(403);
    expect((await call({ authorization: 'Bearer k-alice-1', 'x-api-key': 'k-alice-1' })).status).toBe(401);
    // a models listing needs the key as well: without one 401, with one the missing route (404)
    expect((await fetchWithTimeout(`http://127.0.0.1:${p.http}/v1/models`)).status).toBe(401);
    expect((await fetchWithTimeout(`http://127.0.0.1:${p.http}/v1/models`, { headers: { 'x-api-key': 'k-bob-1' } })).status).toBe(404);
    expect(upstream.requests).toHaveLength(0);

    expect((await call({ authorization: 'Bearer k-alice-1' })).status).toBe(200);
    expect(upstream.requests.at(-1)?.headers['x-mse-consumer']).toBe('alice');
    expect((await call({ 'x-api-key': 'k-alice-1' }, 'llama-consumer-log')).status).toBe(200);
    const line = await waitFor('the access log line with the consumer', async () => {
      const { stdout } = await dockerExec(c, ['cat', '/var/log/higress/gateway.log']);
      return stdout.split('\n').find((l) => l.includes('llama-consumer-log'));
    });
    expect(JSON.parse(JSON.parse(line).ai_log)).toMatchObject({ consumer: 'alice', model: 'llama-consumer-log' });

    // hot reload: alice removed, bob kept; no restart
    const before = await state(p.http);
    await atomicWrite(path.join(dir, 'wasmplugins', 'key-auth.internal.yaml'), keyAuth('    - {name: bob, credential: "k-bob-1"}', '2'));
    await waitFor('alice to be refused', async () => (await call({ authorization: 'Bearer k-alice-1' })).status === 403);
    expect((await call({ 'x-api-key': 'k-bob-1' })).status).toBe(200);
    const after = await state(p.http);
    expect(after.startedAt).toBe(before.startedAt);
    expect(after.events.at(-1)).toMatchObject({ type: 'MODIFIED', kind: 'wasmplugins', name: 'key-auth.internal' });

    // defaultConfigDisable: true (no match rules) removes the plugin: no key needed
    await atomicWrite(
      path.join(dir, 'wasmplugins', 'key-auth.internal.yaml'),
      keyAuth('    - {name: bob, credential: "k-bob-1"}', '3').replace('defaultConfigDisable: false', 'defaultConfigDisable: true'),
    );
    await waitFor('requests without a key to pass', async () => (await call({})).status === 200);
  });

  it('exits non-zero when the marker is missing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'double-e2e-nomarker-'));
    tempDirs.push(dir);
    await writeDataFolder(dir);
    await unlink(path.join(dir, '.ai-gateway-configured'));
    const c = await runDouble(dir, await newPorts());
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    expect(StatusCode).not.toBe(0);
    const logs = (await c.logs({ stdout: true, stderr: true })).toString('utf8');
    expect(logs).toContain('marker missing');
  });
});

// What the real apiserver, ai-proxy and registry watcher refuse, the double refuses too (contract 9.2, 9.3):
// test/double/yaml11.mjs and the rules in test/double/dataplane.mjs, proven here through the container.
describe('gateway double: what the real gateway rejects', () => {
  let dataDir: string;
  let ports: Ports;
  let container: Docker.Container;

  const apiserverLog = async () => (await dockerExec(container, ['cat', '/var/log/higress/apiserver.log'])).stdout;
  const loadedVersion = async (key: string) => (await state(ports.http)).resources[key]?.metadata?.resourceVersion;
  const ingressYaml = (name: string, destination: string, model: string, rv: string) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  annotations:
    higress.io/destination: "${destination}"
    higress.io/exact-match-header-x-higress-llm-model: ${model}
  name: ${name}
  namespace: higress-system
  resourceVersion: "${rv}"
spec:
  ingressClassName: higress
  rules:
  - http:
      paths:
      - backend:
          resource:
            apiGroup: networking.higress.io
            kind: McpBridge
            name: default
        path: /
        pathType: Prefix
`;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'double-e2e-rejects-'));
    tempDirs.push(dataDir);
    await writeDataFolder(dataDir);
    ports = await newPorts();
    container = await runDouble(dataDir, ports);
    await waitFor('the gateway HTTP port to answer', async () => (await fetchWithTimeout(`http://127.0.0.1:${ports.http}/`, {}, 2000)).status, {
      timeoutMs: 30_000,
    });
  });

  it('decodes YAML 1.1: an Ingress whose annotation is a plain `on` is rejected; quoted, it routes', async () => {
    const file = path.join(dataDir, 'ingresses', 'ai-route-yaml11.internal.yaml');
    await atomicWrite(file, ingressYaml('ai-route-yaml11.internal', 'llm-ollama.internal.static:80', 'on', '1'));
    await waitFor('the decode error in apiserver.log', async () => (await apiserverLog()).includes('error failed to parse ingresses higress-system/ai-route-yaml11.internal'));
    expect(await apiserverLog()).toMatch(/ai-route-yaml11\.internal: json: cannot unmarshal boolean/);
    expect((await state(ports.http)).resources['ingresses/ai-route-yaml11.internal']).toBeUndefined();
    expect((await chat(ports.http, 'on')).status).toBe(404);

    await atomicWrite(file, ingressYaml('ai-route-yaml11.internal', 'llm-ollama.internal.static:80', '"on"', '2'));
    await waitFor('the quoted Ingress', async () => (await loadedVersion('ingresses/ai-route-yaml11.internal')) === '2');
    expect((await chat(ports.http, 'on')).status).toBe(200);
  });

  it('decodes YAML 1.1: a plain `on` key is sent as `Bearer true`, a quoted one as `Bearer on`', async () => {
    const file = path.join(dataDir, 'wasmplugins', 'ai-proxy.internal.yaml');
    await atomicWrite(file, aiProxyYaml('tok-one', '2').replace('      - "tok-one"', '      - on'));
    await waitFor('the plain key', async () => (await loadedVersion('wasmplugins/ai-proxy.internal')) === '2');
    upstream.clear();
    expect((await chat(ports.http, 'llama3')).status).toBe(200);
    expect(upstream.requests.at(-1)?.headers.authorization).toBe('Bearer true');

    await atomicWrite(file, aiProxyYaml('on', '3'));
    await waitFor('the quoted key', async () => (await loadedVersion('wasmplugins/ai-proxy.internal')) === '3');
    upstream.clear();
    expect((await chat(ports.http, 'llama3')).status).toBe(200);
    expect(upstream.requests.at(-1)?.headers.authorization).toBe('Bearer on');
  });

  it('an unknown provider type fails the whole ai-proxy config: FAIL_OPEN passes requests through without keys', async () => {
    const file = path.join(dataDir, 'wasmplugins', 'ai-proxy.internal.yaml');
    const broken = aiProxyYaml('tok-one', '4')
      .replace('  defaultConfigDisable: false', '    - id: together\n      type: togetherai\n      apiTokens:\n      - "tg-key"\n  defaultConfigDisable: false')
      .replace('  failStrategy:', '  - service:\n    - llm-together.internal.dns\n    configDisable: false\n    config:\n      activeProviderId: together\n  failStrategy:');
    await atomicWrite(file, broken);
    await waitFor('the broken config', async () => (await loadedVersion('wasmplugins/ai-proxy.internal')) === '4');
    upstream.clear();
    const res = await fetchWithTimeout(`http://127.0.0.1:${ports.http}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer the-client-own' },
      body: JSON.stringify({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-double-provider')).toBeNull();
    expect(upstream.requests.at(-1)?.headers.authorization).toBe('Bearer the-client-own');

    await atomicWrite(file, broken.replace('type: togetherai', 'type: together-ai').replace('resourceVersion: "4"', 'resourceVersion: "5"'));
    await waitFor('the fixed config', async () => (await loadedVersion('wasmplugins/ai-proxy.internal')) === '5');
    upstream.clear();
    expect((await chat(ports.http, 'llama3')).status).toBe(200);
    expect(upstream.requests.at(-1)?.headers.authorization).toBe('Bearer tok-one');
  });

  it('a single-label dns domain gets no upstream (503)', async () => {
    const bridgeFile = path.join(dataDir, 'mcpbridges', 'default.yaml');
    const bridge = await readFile(bridgeFile, 'utf8');
    const withSingleLabel = bridge
      .replace('resourceVersion: "1"', 'resourceVersion: "2"')
      .concat('  - name: llm-single.internal\n    type: dns\n    protocol: http\n    domain: ollama\n    port: 11434\n');
    await atomicWrite(bridgeFile, withSingleLabel);
    await waitFor('the new bridge', async () => (await loadedVersion('mcpbridges/default')) === '2');
    await atomicWrite(path.join(dataDir, 'ingresses', 'ai-route-single.internal.yaml'), ingressYaml('ai-route-single.internal', 'llm-single.internal.dns:11434', '"single-model"', '1'));
    await waitFor('the route', async () => (await loadedVersion('ingresses/ai-route-single.internal')) === '1');
    const res = await chat(ports.http, 'single-model');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('no healthy upstream');
  });
});
