import { describe, expect, test } from 'vitest';
import { containerDrift, describeDrift, splitImageRef, type ContainerFacts } from '../../../src/core/ops/drift.js';
import { printStatus, startCommand, type StatusReport } from '../../../src/core/ops/status.js';
import { DEFAULT_SETTINGS, type Settings } from '../../../src/core/settings.js';
import type { Output } from '../../../src/ui/output.js';

const settings: Settings = { ...DEFAULT_SETTINGS, httpPort: 18080, httpsPort: 18443, consolePort: 18001, imageRepo: '127.0.0.1:5000/higress/all-in-one', imageTag: 'double-1' };
const published = (ports: number[], hostIp = '127.0.0.1') => ports.map((p) => ({ containerPort: p, hostIp, hostPort: p }));
const container = (over: Partial<ContainerFacts> = {}): ContainerFacts => ({
  image: '127.0.0.1:5000/higress/all-in-one:double-1',
  ports: published([18080, 18443, 18001]),
  bindLabel: '127.0.0.1',
  ...over,
});

describe('drift between default.cfg and the container', () => {
  test('none when they agree', () => {
    expect(containerDrift(settings, container())).toEqual([]);
  });

  test('image repo and tag', () => {
    expect(containerDrift(settings, container({ image: 'other.example/higress/all-in-one:2.1.0' }))).toEqual([
      { field: 'image repo', settings: '127.0.0.1:5000/higress/all-in-one', container: 'other.example/higress/all-in-one' },
      { field: 'image tag', settings: 'double-1', container: '2.1.0' },
    ]);
  });

  test('no repo in the settings: any mirror of the all-in-one image is fine; the tag defaults to latest', () => {
    const s = { ...settings, imageRepo: undefined, imageTag: undefined };
    expect(containerDrift(s, container({ image: 'higress-registry.us-west-1.cr.aliyuncs.com/higress/all-in-one:latest' }))).toEqual([]);
    expect(containerDrift(s, container({ image: 'nginx:latest' })).map((d) => d.field)).toEqual(['image repo']);
    expect(containerDrift(s, container({ image: 'higress-registry.cn-hangzhou.cr.aliyuncs.com/higress/all-in-one:2.0.0' }))).toEqual([
      { field: 'image tag', settings: 'latest', container: '2.0.0' },
    ]);
  });

  test('ports changed in the settings after the container was made', () => {
    const drift = containerDrift({ ...settings, httpPort: 28080 }, container());
    expect(drift).toEqual([{ field: 'http port', settings: '28080', container: 'not published (published: 18001, 18080, 18443)' }]);
    expect(describeDrift(drift[0]!)).toBe('http port: settings 28080, container not published (published: 18001, 18080, 18443)');
  });

  test('bind address (label, else the published address; wildcard spelled either way)', () => {
    expect(containerDrift(settings, container({ bindLabel: '0.0.0.0' }))).toEqual([{ field: 'bind address', settings: '127.0.0.1', container: '0.0.0.0' }]);
    expect(containerDrift(settings, container({ bindLabel: undefined, ports: published([18080, 18443, 18001], '0.0.0.0') })).map((d) => d.field)).toEqual(['bind address']);
    expect(containerDrift({ ...settings, bindAddress: '0.0.0.0' }, container({ bindLabel: undefined, ports: published([18080, 18443, 18001], '') }))).toEqual([]);
  });

  test('image references', () => {
    expect(splitImageRef('127.0.0.1:5000/higress/all-in-one:double-1')).toEqual({ repo: '127.0.0.1:5000/higress/all-in-one', tag: 'double-1' });
    expect(splitImageRef('127.0.0.1:5000/higress/all-in-one')).toEqual({ repo: '127.0.0.1:5000/higress/all-in-one', tag: 'latest' });
    expect(splitImageRef('repo/x@sha256:abc')).toEqual({ repo: 'repo/x', tag: 'sha256:abc' });
  });
});

function capture(): Output & { lines: string[] } {
  const lines: string[] = [];
  return { json: false, lines, say: (l = '') => lines.push(l), note: (l) => lines.push(l), warn: (l) => lines.push(`warning: ${l}`), result: () => {} };
}

const base: StatusReport = {
  containerName: 'higress-ai-gateway',
  dataFolder: '/srv/higress',
  dataFolderSource: '--data-folder',
  containerNameSource: 'default',
  engine: { reachable: true, endpoint: 'unix:///var/run/docker.sock', version: '26.1.5' },
  container: null,
  ready: { gateway: false, console: false, gatewayUrl: null, consoleUrl: null },
  settingsFile: true,
  providers: [{ id: 'openai', name: 'OpenAI', keys: ['sk-t***abcd'], models: 'gpt-*', settings: {}, health: null }],
  filesError: null,
  autoRouting: { enabled: true, defaultModel: 'gpt-4o', rules: [{ pattern: '(?i)^think', model: 'o3-mini' }], problems: [] },
  drift: [],
  health: null,
  ok: false,
  startCommand: 'get-ai-gateway start --data-folder /srv/higress',
};

describe('status text', () => {
  test('the start command names the data folder and a non-default container', () => {
    expect(startCommand({ containerName: 'gw', dataFolder: '/my data' })).toMatch(/ start --data-folder '\/my data' --container-name gw$/);
  });

  test('no container: says how to start it, still lists the providers', () => {
    const out = capture();
    printStatus(base, out);
    expect(out.lines[0]).toContain('not created');
    expect(out.lines.join('\n')).toContain('start:    get-ai-gateway start --data-folder /srv/higress');
    expect(out.lines.join('\n')).toContain('OpenAI (openai)  keys sk-t***abcd  models gpt-*');
    expect(out.lines.join('\n')).toContain('Auto-routing: on for model higress/auto, default gpt-4o, 1 rule');
  });

  test('no engine: says so, still lists the providers', () => {
    const out = capture();
    printStatus({ ...base, engine: { reachable: false, error: 'Docker engine not reachable (tried x)', hint: 'Start Docker' } }, out);
    const text = out.lines.join('\n');
    expect(text).toContain('no Docker engine');
    expect(text).toContain('Docker engine not reachable (tried x)');
    expect(text).toContain('OpenAI (openai)');
  });

  test('running: uptime, image digest, ports, restart policy, readiness and drift with the fix', () => {
    const out = capture();
    printStatus(
      {
        ...base,
        ok: true,
        container: {
          id: 'abc',
          state: 'running',
          managed: true,
          exitCode: null,
          startedAt: '2024-05-01T10:00:00.123456Z',
          uptimeMs: 2 * 3600_000 + 5 * 60_000,
          image: 'reg/higress/all-in-one:2.1.0',
          imageId: 'sha256:1',
          digests: ['reg/higress/all-in-one@sha256:feed'],
          restartPolicy: 'always',
          bindAddress: '127.0.0.1',
          ports: [
            { name: 'console', containerPort: 8001, hostIp: '127.0.0.1', hostPort: 8001 },
            { name: 'http', containerPort: 8080, hostIp: '127.0.0.1', hostPort: 8080 },
          ],
          dataFolderLabel: '/srv/higress',
        },
        ready: { gateway: true, console: false, gatewayUrl: 'http://127.0.0.1:8080', consoleUrl: 'http://127.0.0.1:8001' },
        drift: [{ field: 'image tag', settings: '2.2.0', container: '2.1.0' }],
      },
      out,
    );
    const text = out.lines.join('\n');
    expect(text).toContain('running for 2h 5m');
    expect(text).toContain('reg/higress/all-in-one@sha256:feed');
    expect(text).toContain('ports:    console 127.0.0.1:8001, http 127.0.0.1:8080');
    expect(text).toContain('restart:  always');
    expect(text).toContain('gateway:  ready (http://127.0.0.1:8080)');
    expect(text).toContain('console:  not answering yet');
    expect(text).toContain('image tag: settings 2.2.0, container 2.1.0');
    expect(text).toContain('get-ai-gateway start --data-folder /srv/higress --recreate');
  });
});
