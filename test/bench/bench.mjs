// `npm run bench`: start-up, listing and hot-reload figures (medians and p95 over repeated runs).
// Not a timed test: it prints numbers beside their targets. Needs `npm run build`; provisions the test bed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(root, 'bin/get-ai-gateway.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const { GatewayFiles } = await import(join(root, 'dist/core/gateway-files.js'));
const { PROVIDERS, endpointOf } = await import(join(root, 'dist/core/catalog.js'));
const { formatSettings, DEFAULT_SETTINGS } = await import(join(root, 'dist/core/settings.js'));

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const fmt = (ms) => `${ms.toFixed(0)} ms`;

function time(args, env = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(args[0], args.slice(1), { env: { ...process.env, CI: 'true', ...env }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}

function series(label, args, env) {
  const times = Array.from({ length: RUNS }, () => time(args, env));
  return { label, median: quantile(times, 0.5), p95: quantile(times, 0.95) };
}

async function writeFolder(folder, files) {
  for (const change of files.changes()) {
    mkdirSync(join(folder, dirname(change.path)), { recursive: true });
    writeFileSync(join(folder, change.path), change.content, { mode: 0o600 });
  }
  writeFileSync(join(folder, 'default.cfg'), formatSettings(DEFAULT_SETTINGS));
  writeFileSync(join(folder, '.ai-gateway-configured'), '');
}

const sample = { azureServiceUrl: 'https://x.openai.azure.com/d?api-version=2024-06-01', awsRegion: 'us-east-1', vertexRegion: 'us-central1', vertexProjectId: 'p', ollamaServerHost: '10.0.0.9', ollamaServerPort: 11434, vllmCustomUrl: 'http://10.0.0.9:8000/v1', openaiCustomUrl: 'http://10.0.0.9:1234/v1', minimaxApiType: 'v2' };

async function folderWithAllProviders() {
  const folder = mkdtempSync(join(tmpdir(), 'bench-31-'));
  const files = await GatewayFiles.empty();
  for (const p of PROVIDERS) {
    const extras = Object.fromEntries((p.extras ?? []).map((f) => [f.key, sample[f.key] ?? f.default ?? 'x'.repeat(f.key === 'hunyuanAuthId' ? 36 : 32)]));
    endpointOf(p, extras);
    await files.upsertProvider({ id: p.id, tokens: [`key-${p.id}-0000000000`], models: p.defaultModels, extras });
  }
  await writeFolder(folder, files);
  return folder;
}

async function folderWithRules(count) {
  const folder = mkdtempSync(join(tmpdir(), 'bench-rules-'));
  const files = await GatewayFiles.empty();
  await files.upsertProvider({ id: 'aliyun', tokens: ['k'], models: 'qwen*', extras: {} });
  files.setAutoRouting({ enabled: true, defaultModel: 'qwen-turbo', rules: Array.from({ length: count }, (_, i) => ({ pattern: `(?i)^(topic ${i}|thema ${i})`, model: `model-${i}` })) });
  await writeFolder(folder, files);
  return folder;
}

const noEngine = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
const all31 = await folderWithAllProviders();
const rules = await folderWithRules(1000);
const small = await folderWithRules(3);
const startup = [
  series('node -e 0', ['node', '-e', '0']),
  series('config list', ['node', bin, 'config', 'list', '--data-folder', small], noEngine),
  series('route list', ['node', bin, 'route', 'list', '--data-folder', small], noEngine),
  series('--help', ['node', bin, '--help']),
];
const base = startup[0].median;
console.log(`Start-up on a small deployment (${RUNS} runs each, no Docker engine involved)`);
for (const s of startup) console.log(`  ${s.label.padEnd(14)} median ${fmt(s.median).padStart(7)}  p95 ${fmt(s.p95).padStart(7)}  ${(s.median / base).toFixed(2)}x node`);
console.log('  target: config list and route list <= 1.5x node -e 0');

const large = [
  series(`config list, ${PROVIDERS.length} providers`, ['node', bin, 'config', 'list', '--data-folder', all31], noEngine),
  series('route list, 1000 rules', ['node', bin, 'route', 'list', '--data-folder', rules], noEngine),
];
const addTimes = [];
for (let i = 0; i < RUNS; i++) {
  addTimes.push(time(['node', bin, 'route', 'add', '--model', `extra-${i}`, '--trigger', `extra ${i}`, '--data-folder', rules], noEngine));
}
large.push({ label: 'route add, 1000+ rules', median: quantile(addTimes, 0.5), p95: quantile(addTimes, 0.95) });
console.log('Large configurations (target <= 200 ms each)');
for (const s of large) console.log(`  ${s.label.padEnd(26)} median ${fmt(s.median).padStart(7)}  p95 ${fmt(s.p95).padStart(7)}`);

// Hot reload: from command start until the gateway double serves the new key.
execFileSync('bash', [join(root, 'test/bed/provision.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
const bed = JSON.parse(readFileSync(join(root, '.test-bed/bed.json'), 'utf8'));
const freePort = () => new Promise((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const name = `gag-bench-${process.pid}`;
const data = mkdtempSync(join(tmpdir(), 'bench-live-'));
const http = await freePort();
const engineEnv = { DOCKER_HOST: bed.dockerHost };
try {
  time(['node', bin, 'start', '--non-interactive', '--container-name', name, '--data-folder', data, '--image-repo', bed.imageRepo, '--image-tag', bed.imageTag,
    '--http-port', String(http), '--https-port', String(await freePort()), '--console-port', String(await freePort()), '--deepseek-key', 'bench-0'], engineEnv);
  const reload = [];
  const commandDone = [];
  for (let i = 1; i <= RUNS; i++) {
    const key = `bench-key-${i}`;
    const started = performance.now();
    const child = spawn('node', [bin, 'config', 'add', '--provider', 'deepseek', '--key', key, '--data-folder', data, '--container-name', name], { env: { ...process.env, ...engineEnv, CI: 'true' }, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve({ code, at: performance.now() })));
    // Poll the gateway while the command runs: the figure is when the gateway serves the new key.
    for (;;) {
      const state = await (await fetch(`http://127.0.0.1:${http}/__double/state`)).json();
      const provider = state.resources['wasmplugins/ai-proxy.internal']?.spec.defaultConfig.providers.find((p) => p.id === 'deepseek');
      if (provider?.apiTokens[0] === key) break;
      if (performance.now() - started > 5000) throw new Error('reload not seen within 5 s');
      await new Promise((r) => setTimeout(r, 2));
    }
    reload.push(performance.now() - started);
    const { code, at } = await exited;
    if (code !== 0) throw new Error(`config add exited ${code}`);
    commandDone.push(at - started);
  }
  console.log(`Hot reload, command start until the double serves the new key (${RUNS} runs; target p50 <= 250 ms)`);
  console.log(`  gateway serves the new key  median ${fmt(quantile(reload, 0.5)).padStart(7)}  p95 ${fmt(quantile(reload, 0.95)).padStart(7)}`);
  console.log(`  config add exits (reload confirmed)  median ${fmt(quantile(commandDone, 0.5)).padStart(7)}  p95 ${fmt(quantile(commandDone, 0.95)).padStart(7)}`);
} finally {
  spawnSync('node', [bin, 'delete', '--container-name', name, '--force'], { env: { ...process.env, ...engineEnv } });
}
