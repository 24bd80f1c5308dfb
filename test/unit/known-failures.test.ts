import { describe, expect, test } from 'vitest';
import { diagnose, distinctLines, INOTIFY_FIX, KNOWN_FAILURE_IDS, splitRef } from '../../src/core/known-failures.js';

describe('known failures', () => {
  test.each([
    ['log', '2024-05-01T10:00:00Z apiserver: failed to create fsnotify watcher: too many open files', 'inotify'],
    ['log', '[critical] listener(0.0.0.0:8080): cannot bind: Address already in use', 'address-in-use'],
    ['log', 'open /data/configmaps/higress-config.yaml: permission denied', 'data-permission'],
    ['log', "mkdir /var/log/proxy/x: read-only file system", 'data-permission'],
    ['pull', 'Get "https://no-such-registry.invalid/v2/": dial tcp: lookup no-such-registry.invalid on 127.0.0.53:53: no such host', 'dns'],
    ['pull', 'Get "https://r/v2/": dial tcp: lookup r: Temporary failure in name resolution', 'dns'],
    ['pull', 'manifest for 127.0.0.1:5000/higress/all-in-one:nope not found: manifest unknown: manifest unknown', 'manifest-unknown'],
    ['pull', "pull access denied for x, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", 'unauthorized'],
    ['pull', 'Get "https://r/v2/": net/http: TLS handshake timeout', 'unreachable'],
  ] as const)('%s: %s → %s', (source, text, id) => {
    expect(diagnose(text, source)?.id).toBe(id);
  });

  test('log failures are not pull failures and the other way round', () => {
    expect(diagnose('too many open files', 'pull')).toBeUndefined();
    expect(diagnose('no such host', 'log')).toBeUndefined();
    expect(diagnose('all fine', 'log')).toBeUndefined();
  });

  test('each has a message and a fix in words; the inotify fix is the sysctl upstream advises', () => {
    const inotify = diagnose('x\ntoo many open files\ny', 'log')!;
    expect(inotify.fix).toBe(INOTIFY_FIX);
    expect(inotify.fix).toContain('fs.inotify.max_user_instances=8192');
    expect(inotify.evidence).toBe('too many open files');
    const dns = diagnose('lookup reg.example on 1.1.1.1:53: no such host', 'pull', { registry: 'reg.example' })!;
    expect(dns.message).toBe('this machine cannot resolve reg.example: offline, DNS or proxy');
    const tag = diagnose('manifest unknown', 'pull', { repo: 'r.example/higress/all-in-one', tag: 'v9' })!;
    expect(tag.message).toBe('r.example/higress/all-in-one:v9 does not exist (manifest unknown)');
    expect(tag.fix).toMatch(/--image-tag/);
    expect(diagnose('unauthorized: authentication required', 'pull', { registry: 'r.example' })!.fix).toMatch(/^docker login r\.example/);
    expect(KNOWN_FAILURE_IDS).toEqual(['inotify', 'address-in-use', 'data-permission', 'dns', 'manifest-unknown', 'unauthorized', 'unreachable']);
  });

  test('distinct lines: a crash loop\'s repeats (timestamps aside) are shown once, the newest last', () => {
    const log = ['2024-05-01T10:00:00.1Z boom', '2024-05-01T10:00:01.2Z boom', 'start', '2024-05-01T10:00:02.3Z boom', 'end'].join('\n');
    expect(distinctLines(log)).toEqual(['2024-05-01T10:00:00.1Z boom', 'start', 'end']);
  });

  test('a reference splits into repo and tag; a registry port is not a tag', () => {
    expect(splitRef('127.0.0.1:5000/higress/all-in-one:v1')).toEqual({ repo: '127.0.0.1:5000/higress/all-in-one', tag: 'v1' });
    expect(splitRef('127.0.0.1:5000/higress/all-in-one')).toEqual({ repo: '127.0.0.1:5000/higress/all-in-one', tag: 'latest' });
  });
});
