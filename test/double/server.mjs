// Gateway double: TEST EQUIPMENT, NOT PRODUCT.
//
// A small stand-in for the Higress "all-in-one" image, mirroring the contract in
// shared/reference/gateway-contract.md closely enough for the installer's end-to-end tests to run without
// the real (large, network-hungry) image:
//   - the same env (MODE, GATEWAY_HTTP_PORT 8080, GATEWAY_HTTPS_PORT 8443, CONSOLE_PORT 8001, O11Y) and the
//     same ports inside as outside; the HTTPS port speaks plain HTTP (no TLS in the double);
//   - the console answers only after DOUBLE_CONSOLE_DELAY_MS (default 1500; connection refused before),
//     like the slow Java console;
//   - first start: image defaults copied into /data without overwriting (`cp -rn`), and a missing
//     /data/.ai-gateway-configured marker is fatal (the real ai-gateway template would overwrite the AI files
//     from env, which the double cannot do, and an installer that writes the files itself must set it);
//   - /data/<kind>/*.yaml watched and hot-reloaded like the real file API server (./store.mjs), decoded with its
//     YAML 1.1 rules and typed metadata (./yaml11.mjs);
//   - the data path: model-router, key-auth (./keyauth.mjs), Ingress header routing, McpBridge registries,
//     ai-proxy tokens and the JSON access log (./dataplane.mjs);
//   - component logs under /var/log/higress/, access log to /var/log/proxy/access.log when O11Y=on, else
//     stdout and /var/log/higress/gateway.log; plus every file access logger an EnvoyFilter in
//     /data/envoyfilters/ adds to the HTTP connection manager (./access-log-filters.mjs);
//   - ai-proxy's own log lines (key failover) in /var/log/higress/gateway.log, kept or dropped by
//     GATEWAY_LOG_LEVEL (default warning) as Envoy does (./proxy-log.mjs, ./keypool.mjs).
// Extra, double-only: `GET /__double/state` on the gateway HTTP port returns
//   { startedAt, reloadCount, resources: { "<kind>/<name>": object }, events: [{ time, type, kind, name }] }.
// DOUBLE_DATA_DIR and DOUBLE_LOG_ROOT (defaults /data and /var/log) exist only to run it outside a container.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from './store.mjs';
import { createDataPlane } from './dataplane.mjs';
import { fileAccessLogPaths } from './access-log-filters.mjs';
import { passes, wasmLogLine } from './proxy-log.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const DATA_DIR = env.DOUBLE_DATA_DIR || '/data';
const LOG_ROOT = env.DOUBLE_LOG_ROOT || '/var/log';
const HIGRESS_LOGS = path.join(LOG_ROOT, 'higress');
const PROXY_LOGS = path.join(LOG_ROOT, 'proxy');
const MODE = env.MODE || 'full';
const HTTP_PORT = Number(env.GATEWAY_HTTP_PORT || 8080);
const HTTPS_PORT = Number(env.GATEWAY_HTTPS_PORT || 8443);
const CONSOLE_PORT = Number(env.CONSOLE_PORT || 8001);
const CONSOLE_DELAY_MS = Number(env.DOUBLE_CONSOLE_DELAY_MS ?? 1500);
const O11Y = env.O11Y === 'on';
const MARKER = path.join(DATA_DIR, '.ai-gateway-configured');
const COMPONENTS = ['apiserver', 'controller', 'pilot', 'gateway', 'console', 'plugin-server'];
// kind folders the real image's defaults bring along
const STANDARD_KINDS = ['configmaps', 'ingresses', 'mcpbridges', 'secrets', 'wasmplugins'];

const startedAt = new Date().toISOString();
const componentLog = (c) => path.join(HIGRESS_LOGS, `${c}.log`);
const logTo = (c, line) => fs.appendFileSync(componentLog(c), `${new Date().toISOString()} ${line}\n`);

process.on('SIGTERM', () => process.exit(0)); // PID 1 gets no default signal handling
process.on('SIGINT', () => process.exit(0));

fs.mkdirSync(HIGRESS_LOGS, { recursive: true });
for (const c of COMPONENTS) logTo(c, `double: ${c} starting (mode ${MODE})`);
// start-gateway.sh:20-21 creates the proxy log folder and an empty access.log whatever O11Y says.
fs.mkdirSync(PROXY_LOGS, { recursive: true });
fs.closeSync(fs.openSync(path.join(PROXY_LOGS, 'access.log'), 'a'));

if (!fs.existsSync(MARKER)) {
  const msg = `double: marker missing: the real ai-gateway template would overwrite the AI files (${MARKER} not found)`;
  console.error(msg);
  logTo('apiserver', msg);
  process.exit(1);
}

/** `cp -rn defaults/. /data/`: copy missing files, never overwrite. */
function copyDefaults(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyDefaults(src, dst);
    else if (!fs.existsSync(dst)) fs.copyFileSync(src, dst);
  }
}
copyDefaults(path.join(here, 'defaults'), DATA_DIR);
for (const kind of STANDARD_KINDS) fs.mkdirSync(path.join(DATA_DIR, kind), { recursive: true });

const store = new Store({ dataDir: DATA_DIR, apiserverLog: componentLog('apiserver') });
store.loadAll();
store.watchAll();

/** A path inside the image, where this process sees it (DOUBLE_LOG_ROOT stands for /var/log). */
const logPath = (p) => (p.startsWith('/var/log/') ? path.join(LOG_ROOT, p.slice('/var/log/'.length)) : p);

function writeAccessLog(entry) {
  const line = `${JSON.stringify(entry)}\n`;
  // The mesh access log (start-gateway.sh:23-27): the file with O11Y on, else stdout (-> gateway.log).
  const meshFile = O11Y ? path.join(PROXY_LOGS, 'access.log') : undefined;
  if (meshFile) {
    fs.mkdirSync(PROXY_LOGS, { recursive: true });
    fs.appendFileSync(meshFile, line);
  } else {
    process.stdout.write(line);
    fs.appendFileSync(componentLog('gateway'), line);
  }
  for (const file of fileAccessLogPaths(store.list('envoyfilters').map((r) => r.obj)).map(logPath)) {
    if (file === meshFile) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, line);
  }
}

/** A plugin's log line, kept or dropped by Envoy's level as the real gateway does (./proxy-log.mjs). */
function writeGatewayLog(line) {
  if (!passes(line.level, env.GATEWAY_LOG_LEVEL || 'warning')) return;
  const text = `${wasmLogLine(line)}\n`;
  process.stderr.write(text);
  fs.appendFileSync(componentLog('gateway'), text);
}

const dataPlane = createDataPlane({ store, writeAccessLog, writeGatewayLog });
async function gateway(req, res) {
  try {
    if (req.method === 'GET' && req.url === '/__double/state') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(store.state(startedAt)));
      return;
    }
    await dataPlane(req, res);
  } catch (err) {
    logTo('gateway', `double: error handling ${req.method} ${req.url}: ${err.stack ?? err}`);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('double: internal error');
  }
}

function listen(server, port, what) {
  server.on('error', (err) => {
    console.error(`double: ${what} cannot listen on :${port}: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, '0.0.0.0', () => {
    const line = `double: ${what} listening on :${port}`;
    console.log(line);
    logTo(what === 'console' ? 'console' : 'gateway', line);
  });
}

if (MODE !== 'console') {
  listen(http.createServer(gateway), HTTP_PORT, 'gateway');
  listen(http.createServer(gateway), HTTPS_PORT, 'gateway (https port, plain http)');
}
if (MODE !== 'gateway') {
  setTimeout(() => {
    const consoleServer = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ console: 'ok' }));
    });
    listen(consoleServer, CONSOLE_PORT, 'console');
  }, CONSOLE_DELAY_MS);
}
