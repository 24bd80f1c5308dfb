// The command lines agents' skill documents run against upstream's get-ai-gateway.sh work verbatim with ours:
// each block of test/fixtures/skill-documents/commands.sh runs through bash, in order, where ./get-ai-gateway.sh
// runs this project's CLI, against the real engine and the gateway double.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, tempDir } from '../helpers/cli.js';
import { dockerFor, freePorts, loadTestBed, type TestBed } from '../helpers/test-bed.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/skill-documents/commands.sh');
const blocks = readFileSync(FIXTURE, 'utf8')
  .split(/\n\s*\n/)
  .map((block) => block.split('\n').filter((line) => !line.startsWith('#')).join('\n').trim())
  .filter(Boolean);

let bed: TestBed;
const name = `gag-e2e-skill-${Math.random().toString(36).slice(2, 8)}`;
const cwd = tempDir('gag-skill-');
const data = join(cwd, 'higress');
const proxy = () => readFileSync(join(data, 'wasmplugins/ai-proxy.internal.yaml'), 'utf8');

beforeAll(async () => {
  bed = loadTestBed();
  // The machine: free ports, a unique name and the test registry's tag, as a user's earlier choices in default.cfg.
  const [http, https, console] = await freePorts(3);
  mkdirSync(data);
  writeFileSync(
    join(data, 'default.cfg'),
    `CONTAINER_NAME=${name}\nGATEWAY_HTTP_PORT=${http}\nGATEWAY_HTTPS_PORT=${https}\nCONSOLE_PORT=${console}\nIMAGE_TAG=${bed.imageTag}\n`,
  );
  writeFileSync(join(cwd, 'get-ai-gateway.sh'), `#!/bin/sh\nexec node ${JSON.stringify(BIN)} "$@"\n`);
  chmodSync(join(cwd, 'get-ai-gateway.sh'), 0o755);
});

afterAll(async () => {
  await dockerFor(bed).getContainer(name).remove({ force: true }).catch(() => {});
});

describe('skill documents', () => {
  test('the fixture holds the documents\' command lines', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(25);
    expect(blocks.every((b) => b.includes('./get-ai-gateway.sh '))).toBe(true);
  });

  test('every command line works verbatim, in order', async () => {
    const results: { block: string; exitCode: number; output: string }[] = [];
    for (const block of blocks) {
      const res = await execa('bash', ['-c', block], {
        cwd,
        reject: false,
        stdin: 'ignore',
        timeout: 120_000,
        env: { DOCKER_HOST: bed.dockerHost, IMAGE_REPO: bed.imageRepo, CI: 'true', NO_COLOR: '1', GET_AI_GATEWAY_DOCTOR_MIRRORS: 'none' },
      });
      results.push({ block, exitCode: res.exitCode ?? -1, output: `${res.stdout}\n${res.stderr}` });
      if (block.includes('--zhipuai-domain api.z.ai')) expect(proxy()).toContain('zhipuDomain: api.z.ai');
      if (block.includes('zhipuDomain=open.bigmodel.cn')) expect(proxy()).toContain('zhipuDomain: open.bigmodel.cn');
      if (block.endsWith('config remove --provider deepseek')) expect(proxy()).not.toContain('sk-deepseek-0001');
    }
    const failed = results.filter((r) => r.exitCode !== 0);
    expect(failed.map((r) => `${r.block}\n→ exit ${r.exitCode}: ${r.output.trim()}`).join('\n\n')).toBe('');
    // The aliases landed on their providers, and the last `delete` removed the container.
    expect(proxy()).toContain('id: moonshot');
    expect(proxy()).toContain('id: aliyun');
    expect(await dockerFor(bed).getContainer(name).inspect().catch(() => null)).toBeNull();
  });
});
