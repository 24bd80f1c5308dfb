// Access keys on a live gateway (the double, whose key-auth follows the real plugin: test/double/keyauth.mjs):
// keys are required once on, both header styles work, remove and rotate act on the next request without a
// restart, start beyond loopback turns them on, and no key is ever printed in full except when it is created.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { listFiles, runCli, tempDir } from '../helpers/cli.js';
import { hostAddressForContainers, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { dockerExec, dockerFor, fetchWithTimeout, freePorts, loadTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
let upstream: MockUpstream;
let hostIp: string;
const containers: string[] = [];
/** Every stdout and stderr of every command, and where each full key may appear. */
const transcript: { args: string[]; text: string }[] = [];
const env = () => ({ DOCKER_HOST: bed.dockerHost });

async function cli(args: string[], extraEnv: Record<string, string> = {}, input?: string) {
  const res = await runCli(args, { env: { ...env(), ...extraEnv }, input });
  transcript.push({ args, text: res.stdout + res.stderr });
  return res;
}

async function startGateway(name: string, extra: string[]) {
  const data = join(tempDir(), 'data');
  const [http, https, consolePort] = await freePorts(3);
  containers.push(name);
  const res = await cli([
    'start', '--non-interactive', '--container-name', name, '--data-folder', data, '--image-repo', bed.imageRepo, '--image-tag', bed.imageTag,
    '--http-port', String(http), '--https-port', String(https), '--console-port', String(consolePort),
    '--ollama-host', hostIp, '--ollama-port', String(upstream.port), ...extra,
  ]);
  return { res, data, http: http! };
}

function chat(port: number, headers: Record<string, string> = {}, model = 'llama3.2') {
  return fetchWithTimeout(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello there' }] }),
  });
}

/** The one line after "shown only now" in a command's human output. */
function shownKey(stdout: string): string {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.includes('shown only now'));
  expect(at, stdout).toBeGreaterThanOrEqual(0);
  return lines[at + 1]!.trim();
}

beforeAll(async () => {
  bed = loadTestBed();
  upstream = await startMockUpstream();
  hostIp = await hostAddressForContainers(bed);
});

afterAll(async () => {
  for (const name of containers) await dockerFor(bed).getContainer(name).remove({ force: true }).catch(() => {});
  await upstream?.close();
});

describe('access keys on a live gateway (loopback)', () => {
  const name = `gag-access-${Math.random().toString(36).slice(2, 8)}`;
  let data: string;
  let http: number;
  let alice: string;
  let bob = 'bob-key-from-ci-0123456789';
  const keysShown: string[] = [];
  const on = (args: string[], extraEnv: Record<string, string> = {}, input?: string) => cli([...args, '--container-name', name], extraEnv, input);
  const startedAt = async () => (await dockerFor(bed).getContainer(name).inspect()).State.StartedAt;

  beforeAll(async () => {
    const started = await startGateway(name, ['--ollama-key', 'provider-key-0001']);
    if (started.res.exitCode !== 0) throw new Error(`start failed: ${started.res.stderr}`);
    data = started.data;
    http = started.http;
  });

  test('a key added while access is off is not needed yet; enable then requires one', async () => {
    const add = await on(['access', 'add', '--name', 'alice']);
    expect(add.exitCode, add.stderr).toBe(0);
    alice = shownKey(add.stdout);
    keysShown.push(alice);
    expect(alice).toMatch(/^gag_[A-Za-z0-9_-]{43}$/);
    expect(add.stdout).toContain('Access control is off');
    expect((await chat(http)).status).toBe(200);

    const enable = await on(['access', 'enable']);
    expect(enable.exitCode, enable.stderr).toBe(0);
    expect(enable.stdout).toMatch(/Hot-reloaded in \d+ ms/);
    expect(enable.stdout).not.toContain(alice);
    expect(statSync(join(data, 'wasmplugins/key-auth.internal.yaml')).mode & 0o777).toBe(0o600);
  });

  test('no key → 401, a wrong key → 403 (as the real plugin), both header styles → the upstream with X-Mse-Consumer', async () => {
    upstream.clear();
    expect((await chat(http)).status).toBe(401);
    expect((await chat(http, { authorization: 'Bearer gag_wrong' })).status).toBe(403);
    expect((await chat(http, { authorization: alice })).status).toBe(200); // the bare key in Authorization matches as is
    upstream.clear();
    expect((await chat(http, { authorization: `Bearer ${alice}x` })).status).toBe(403);
    expect((await chat(http, { authorization: `Bearer ${alice}`, 'x-api-key': alice })).status).toBe(401); // two key headers
    expect(upstream.requests).toHaveLength(0);

    const openai = await chat(http, { authorization: `Bearer ${alice}` });
    expect(openai.status).toBe(200);
    expect(upstream.requests.at(-1)?.headers['x-mse-consumer']).toBe('alice');
    expect(upstream.requests.at(-1)?.headers.authorization).toBe('Bearer provider-key-0001');
    const anthropic = await chat(http, { 'x-api-key': alice });
    expect(anthropic.status).toBe(200);
  });

  test('/v1/models needs a key too', async () => {
    expect((await fetchWithTimeout(`http://127.0.0.1:${http}/v1/models`)).status).toBe(401);
    const listed = await fetchWithTimeout(`http://127.0.0.1:${http}/v1/models`, { headers: { authorization: `Bearer ${alice}` } });
    expect(listed.status).toBe(200); // custom-response (UNSPECIFIED_PHASE) answers after key-auth (AUTHN)
    expect(JSON.stringify(await listed.json())).toContain('ollama/');
  });

  test('a key from --key-env (CI), then remove: refused on the next request, no restart', async () => {
    const before = await startedAt();
    const add = await on(['access', 'add', '--name', 'bob', '--key-env', 'BOB_KEY', '--json'], { BOB_KEY: bob });
    expect(add.exitCode, add.stderr).toBe(0);
    const result = JSON.parse(add.stdout);
    expect(result).toMatchObject({ action: 'added', name: 'bob', generated: false, enabled: true, reload: { confirmed: true } });
    expect(add.stdout + add.stderr).not.toContain(bob);
    expect((await chat(http, { 'x-api-key': bob })).status).toBe(200);

    const remove = await on(['access', 'remove', '--name', 'bob']);
    expect(remove.exitCode, remove.stderr).toBe(0);
    expect(remove.stdout).toMatch(/Hot-reloaded in \d+ ms/);
    expect((await chat(http, { 'x-api-key': bob })).status).toBe(403);
    expect((await chat(http, { 'x-api-key': alice })).status).toBe(200);
    expect(await startedAt()).toBe(before);
  });

  test('rotate: the old key is refused, the new one works, no restart', async () => {
    const before = await startedAt();
    const rotate = await on(['access', 'rotate', '--name', 'alice', '--json']);
    expect(rotate.exitCode, rotate.stderr).toBe(0);
    const result = JSON.parse(rotate.stdout);
    expect(result).toMatchObject({ action: 'rotated', name: 'alice', generated: true, reload: { confirmed: true } });
    const old = alice;
    alice = result.key;
    keysShown.push(alice);
    expect(alice).not.toBe(old);
    expect((await chat(http, { authorization: `Bearer ${old}` })).status).toBe(403);
    expect((await chat(http, { authorization: `Bearer ${alice}` })).status).toBe(200);
    expect(await startedAt()).toBe(before);
  });

  test('the last key cannot be removed while access is on: exit 2, one line, nothing changed', async () => {
    const file = join(data, 'wasmplugins/key-auth.internal.yaml');
    const before = readFileSync(file, 'utf8');
    const res = await on(['access', 'remove', '--name', 'alice']);
    expect(res.exitCode).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain('last key');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  test('list and status show names, masked keys and dates; usage --by consumer counts per key', async () => {
    const list = JSON.parse((await on(['access', 'list', '--json'])).stdout);
    expect(list.enabled).toBe(true);
    expect(list.keys).toEqual([{ name: 'alice', key: `${alice.slice(0, 4)}***${alice.slice(-4)}`, created: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }]);
    const status = JSON.parse((await on(['access', 'status', '--json'])).stdout);
    expect(status).toMatchObject({ enabled: true, keys: 1, bindAddress: '127.0.0.1', exposed: false });

    expect((await chat(http, { authorization: `Bearer ${alice}` }, 'llama-by-consumer')).status).toBe(200);
    const usage = await on(['usage', '--by', 'consumer', '--json']);
    expect(usage.exitCode, usage.stderr).toBe(0);
    const report = JSON.parse(usage.stdout);
    const row = report.rows.find((r: { key: string }) => r.key === 'alice');
    expect(row?.requests, usage.stdout).toBeGreaterThanOrEqual(1);
  });

  test('disable: no key needed again, keys kept', async () => {
    const res = await on(['access', 'disable']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect((await chat(http)).status).toBe(200);
    expect(JSON.parse((await on(['access', 'list', '--json'])).stdout)).toMatchObject({ enabled: false, keys: [{ name: 'alice' }] });
  });

  test('no key in full anywhere but its creation output: commands, container env, default.cfg, logs', async () => {
    for (const key of [...keysShown, bob]) {
      const where = transcript.filter((t) => t.text.includes(key));
      // each generated key appears in exactly the one output that created it; bob's (brought from CI) in none
      expect(where.length, `${key.slice(0, 6)}…: ${where.map((w) => w.args.join(' ')).join(' | ')}`).toBe(key === bob ? 0 : 1);
    }
    const inspect = await dockerFor(bed).getContainer(name).inspect();
    const logs = (await dockerFor(bed).getContainer(name).logs({ stdout: true, stderr: true })).toString('utf8');
    const inside = await dockerExec(dockerFor(bed).getContainer(name), ['sh', '-c', 'cat /var/log/higress/*.log']);
    const cfg = readFileSync(join(data, 'default.cfg'), 'utf8');
    const cliLogs = await on(['logs', '--tail', '500']);
    for (const key of [...keysShown, bob]) {
      expect(JSON.stringify(inspect.Config.Env)).not.toContain(key);
      expect(logs).not.toContain(key);
      expect(inside.stdout).not.toContain(key);
      expect(cfg).not.toContain(key);
      expect(cliLogs.stdout + cliLogs.stderr).not.toContain(key);
    }
    // the only files holding keys are the key-auth plugin (0600)
    const holders = listFiles(data).filter((f) => !f.startsWith('logs/') && [...keysShown, bob].some((k) => readFileSync(join(data, f), 'utf8').includes(k)));
    expect(holders).toEqual(['wasmplugins/key-auth.internal.yaml']);
  });
});

describe('start beyond loopback', () => {
  test('a fresh --bind-address 0.0.0.0 turns access keys on: the welcome shows the first key once and calls with it', async () => {
    const name = `gag-exposed-${Math.random().toString(36).slice(2, 8)}`;
    const { res, http, data } = await startGateway(name, ['--ollama-key', 'provider-key-0003', '--bind-address', '0.0.0.0']);
    expect(res.exitCode, res.stderr).toBe(0);
    const key = shownKey(res.stdout);
    expect(key).toMatch(/^gag_/);
    expect(res.stdout.split(key)).toHaveLength(2); // once
    expect(res.stderr).not.toContain(key);
    expect(res.stdout).toContain('-H "Authorization: Bearer $GET_AI_GATEWAY_KEY"');
    expect(res.stdout).toContain('Access keys       required (1)');
    expect((await chat(http)).status).toBe(401);
    expect((await chat(http, { authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await chat(http, { 'x-api-key': key })).status).toBe(200);
    const inspect = await dockerFor(bed).getContainer(name).inspect();
    expect(JSON.stringify(inspect.Config.Env)).not.toContain(key);
    expect(readFileSync(join(data, 'default.cfg'), 'utf8')).not.toContain(key);
  });


  test('a first start that fails after turning keys on in a kept folder prints no key and says how to get one', async () => {
    const name = `gag-failed-${Math.random().toString(36).slice(2, 8)}`;
    const data = join(tempDir(), 'data');
    // A folder prepared before the first start (kept when the start fails), and an image that exits at once.
    const prepared = await cli(['config', 'add', '--provider', 'ollama', '--ollama-host', hostIp, '--ollama-port', String(upstream.port), '--data-folder', data]);
    expect(prepared.exitCode, prepared.stderr).toBe(0);
    const docker = dockerFor(bed);
    const base = await docker.createContainer({ Image: `${bed.imageRepo}:${bed.imageTag}`, Cmd: ['/bin/true'] });
    const tag = `exits-${Date.now()}`;
    await base.commit({ repo: 'gag-e2e/exits', tag, changes: ['CMD ["/bin/sh","-c","echo gateway exits on purpose; exit 3"]'] });
    await base.remove({ force: true });
    const [h, s2, c] = await freePorts(3);
    containers.push(name);
    const res = await cli([
      'start', '--non-interactive', '--container-name', name, '--data-folder', data, '--image-repo', 'gag-e2e/exits', '--image-tag', tag,
      '--http-port', String(h), '--https-port', String(s2), '--console-port', String(c), '--bind-address', '0.0.0.0', '--timeout', '20',
    ]);
    await docker.getImage(`gag-e2e/exits:${tag}`).remove({ force: true }).catch(() => {});
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('access rotate --name default');
    const key = parse(readFileSync(join(data, 'wasmplugins/key-auth.internal.yaml'), 'utf8')).spec.defaultConfig.consumers[1].credential as string;
    expect(key).toMatch(/^gag_/);
    expect(res.stdout + res.stderr).not.toContain(key);
  });

  test('--bind-address 0.0.0.0 --allow-open leaves it open; without --allow-open access keys go on, the key shown once in the welcome', async () => {
    const name = `gag-open-${Math.random().toString(36).slice(2, 8)}`;
    const open = await startGateway(name, ['--ollama-key', 'provider-key-0002', '--bind-address', '0.0.0.0', '--allow-open']);
    expect(open.res.exitCode, open.res.stderr).toBe(0);
    expect(open.res.stderr).toContain('--allow-open');
    expect((await chat(open.http)).status).toBe(200);

    const again = await cli(['start', '--non-interactive', '--container-name', name, '--data-folder', open.data, '--bind-address', '0.0.0.0', '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    const welcome = JSON.parse(again.stdout);
    expect(welcome.access).toMatchObject({ enabled: true, keys: 1, newKey: { name: 'default' } });
    const key = welcome.access.newKey.key as string;
    expect(welcome.examples[0]).toContain('Authorization: Bearer $GET_AI_GATEWAY_KEY');
    expect(welcome.examples.join('\n')).not.toContain(key);
    expect((await chat(open.http)).status).toBe(401);
    expect((await chat(open.http, { authorization: `Bearer ${key}` })).status).toBe(200);

    // once on, a later start shows no key again
    const third = await cli(['start', '--non-interactive', '--container-name', name, '--data-folder', open.data, '--bind-address', '0.0.0.0']);
    expect(third.exitCode, third.stderr).toBe(0);
    expect(third.stdout + third.stderr).not.toContain(key);
    expect(third.stdout).toContain('Access keys       required (1)');
  });
});
