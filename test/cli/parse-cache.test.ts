// The built CLI keeps the parses of the files it read (src/core/parse-cache.ts) after a change: later commands
// answer exactly as without them, see a file edited by hand, and the kept file holds no key.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };

describe('parses kept between commands', () => {
  test('same answers with and without them; a hand edit is seen; no key in them', async () => {
    const data = join(tempDir(), 'gateway');
    const cli = (args: string[]) => runCli([...args, '--data-folder', data], { env: NO_ENGINE });
    expect((await cli(['config', 'add', '--provider', 'deepseek', '--key', 'sk-kept-deepseek-0123456789'])).exitCode).toBe(0);
    expect((await cli(['config', 'add', '--provider', 'openai', '--key', 'sk-kept-openai-0123456789'])).exitCode).toBe(0);
    expect((await cli(['route', 'add', '--model', 'deepseek-chat', '--trigger', 'think', '--default-model', 'gpt-4o'])).exitCode).toBe(0);
    expect((await cli(['route', 'add', '--model', 'gpt-4o', '--trigger', 'draw'])).exitCode).toBe(0);

    const kept = join(data, '.get-ai-gateway', 'parsed.json');
    const text = readFileSync(kept, 'utf8');
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect(text).not.toContain('sk-kept');
    // Every route and the rules (written by route add's text edit) are there.
    expect(Object.keys(JSON.parse(text).files)).toEqual(expect.arrayContaining(['ingresses/ai-route-deepseek.internal.yaml', 'wasmplugins/model-router.internal.yaml']));

    const answers = async () => Promise.all([['config', 'list', '--json'], ['route', 'list', '--json'], ['models', 'resolve', 'deepseek-chat', '--json']].map(async (args) => (await cli(args)).stdout));
    const withKept = await answers();
    rmSync(kept);
    expect(await answers()).toEqual(withKept);
    expect(JSON.parse(withKept[1]!).rules).toHaveLength(2);

    // Kept again by the next change; then a person edits a route file: its new text is read, not the kept parse.
    expect((await cli(['config', 'add', '--provider', 'deepseek', '--key', 'sk-kept-deepseek-9876543210'])).exitCode).toBe(0);
    expect(readFileSync(kept, 'utf8')).toContain('ai-route-deepseek.internal.yaml');
    const route = join(data, 'ingresses', 'ai-route-deepseek.internal.yaml');
    writeFileSync(route, readFileSync(route, 'utf8').replace('get-ai-gateway.io/models: "deepseek-*"', 'get-ai-gateway.io/models: "deepseek-*,my-own-model"'));
    const { providers } = JSON.parse((await cli(['config', 'list', '--json'])).stdout) as { providers: { id: string; models: string }[] };
    expect(providers.find((p) => p.id === 'deepseek')?.models).toBe('deepseek-*,my-own-model');
  });
});
