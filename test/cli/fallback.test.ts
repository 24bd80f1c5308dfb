// `route fallback` without an engine: validation (exit 2, one line, nothing changed) and the files written,
// checked against the controller oracle (test/helpers/higress-controller.ts: the double's routing and ai-proxy
// rule matcher, written from the Go source), not against our resolver.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { listFiles, listGatewayFiles, runCli, tempDir } from '../helpers/cli.js';
import { renderDataFolder } from '../helpers/data-folder.js';
import { hashFolder } from '../helpers/folder-hash.js';
import { chatRequest, controllerRoutes } from '../helpers/higress-controller.js';

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
let data: string;
const cli = (args: string[]) => runCli([...args, '--data-folder', data], { env: NO_ENGINE });
const resources = () => new Map(listFiles(data).filter((f) => f.endsWith('.yaml')).map((f) => [f, parse(readFileSync(join(data, f), 'utf8'))]));
const FROM = 'x-higress-fallback-from';

beforeEach(async () => {
  data = join(tempDir(), 'data');
  // openai lists gpt-4o exactly; claude and deepseek their globs; dashscope (aliyun) lists qwen-*.
  await renderDataFolder(data, ['--openai-key', 'sk-open-0001', '--openai-models', 'gpt-4o,gpt-4o-mini', '--claude-key', 'sk-ant-0001', '--deepseek-key', 'sk-deep-0001', '--dashscope-key', 'sk-dash-0001']);
});

describe('route fallback: bad input exits 2 with one line and changes nothing', () => {
  const cases: [string, string[], RegExp][] = [
    ['a glob model', ['--model', 'gpt-*', '--to', 'deepseek-chat'], /--model "gpt-\*" is a glob/],
    ['the model in its own chain', ['--model', 'gpt-4o', '--to', 'deepseek-chat,gpt-4o'], /--to names gpt-4o itself/],
    ['a model twice', ['--model', 'gpt-4o', '--to', 'deepseek-chat,deepseek-chat'], /--to names deepseek-chat twice/],
    ['an empty item', ['--model', 'gpt-4o', '--to', 'deepseek-chat,'], /--to "deepseek-chat," has an empty item/],
    ['a step no provider takes', ['--model', 'gpt-4o', '--to', 'deepseek-chat,mistral-large'], /--to mistral-large reaches no provider/],
    ['a model no provider takes', ['--model', 'mistral-large', '--to', 'deepseek-chat'], /mistral-large reaches no provider, so there is nothing to fall back from/],
    ['the same request twice', ['--model', 'gpt-4o', '--to', 'openai/gpt-4o'], /--to openai\/gpt-4o is gpt-4o on openai again/],
    ['neither --to nor --remove', ['--model', 'gpt-4o'], /give exactly one of --to and --remove/],
    ['both --to and --remove', ['--model', 'gpt-4o', '--to', 'deepseek-chat', '--remove'], /give exactly one of --to and --remove/],
    ['a success status', ['--model', 'gpt-4o', '--to', 'deepseek-chat', '--on', '429,200'], /"200" is not an error status/],
    ['a glob status', ['--model', 'gpt-4o', '--to', 'deepseek-chat', '--on', '5*'], /"5\*" is not an error status/],
    ['removing a chain that does not exist', ['--model', 'gpt-4o', '--remove'], /gpt-4o has no fallback chain/],
    ['--on with --remove', ['--model', 'gpt-4o', '--remove', '--on', '5xx'], /--on goes with --to, not with --remove/],
  ];
  for (const [name, args, message] of cases) {
    test(name, async () => {
      const before = hashFolder(data);
      const r = await cli(['route', 'fallback', ...args]);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('hint') && !/^\s/.test(l))).toHaveLength(1);
      expect(r.stdout).toBe('');
      expect(hashFolder(data)).toBe(before);
    });
  }
});

describe('route fallback: the files, as the controller and ai-proxy read them', () => {
  test('head and steps route as intended; each step gets its derived entry; other models are untouched', async () => {
    const r = await cli(['route', 'fallback', '--model', 'gpt-4o', '--to', 'claude-sonnet-4-5,deepseek-chat', '--on', '429,5xx']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('gpt-4o (openai) falls back on 429,5xx to claude-sonnet-4-5 (claude), then deepseek-chat (deepseek).');
    const res = resources();
    const view = controllerRoutes(res);
    expect(view.duplicated).toEqual([]);
    const head = chatRequest(res, view, 'gpt-4o')!;
    expect(head).toEqual({ provider: 'openai', model: 'gpt-4o', ingress: expect.stringMatching(/^ai-fallback-[0-9a-f]{8}\.internal$/) });
    // A redirected request carries the header naming the route it left; the 2-header routes sort first.
    const step1 = chatRequest(res, view, 'gpt-4o', { [FROM]: head.ingress })!;
    expect(step1).toEqual({ provider: `claude~${head.ingress.replace('.internal', '')}-1`, model: 'claude-sonnet-4-5', ingress: head.ingress.replace('.internal', '-1.internal') });
    const step2 = chatRequest(res, view, 'gpt-4o', { [FROM]: step1.ingress })!;
    expect(step2).toEqual({ provider: `deepseek~${head.ingress.replace('.internal', '')}-2`, model: 'deepseek-chat', ingress: head.ingress.replace('.internal', '-2.internal') });
    // Without the header, and for every other model, nothing changed.
    for (const [model, provider] of [['gpt-4o-mini', 'openai'], ['claude-sonnet-4-5', 'claude'], ['deepseek-chat', 'deepseek'], ['qwen-max', 'aliyun'], ['openai/gpt-4o', 'openai']]) {
      expect(chatRequest(res, view, model!)?.provider, model).toBe(provider);
      expect(chatRequest(res, view, model!, { [FROM]: head.ingress })?.provider, `${model} redirected`).toBe(provider);
    }

    // The EnvoyFilter: the head and step 1 redirect (on the listed statuses), the last step does not.
    const filter = res.get(`envoyfilters/${head.ingress}.yaml`);
    const patches = filter.spec.configPatches;
    expect(patches.map((p: any) => p.match.routeConfiguration.vhost.route.name)).toEqual([head.ingress, step1.ingress]);
    const policy = (p: any) => p.patch.value.typed_per_filter_config['envoy.filters.http.custom_response'].value;
    const redirect = (p: any) => policy(p).custom_response_matcher.matcher_list.matchers[0].on_match.action.typed_config.value;
    expect(redirect(patches[0])).toMatchObject({ max_internal_redirects: 2, use_original_request_uri: true, use_original_request_body: true, keep_original_response_code: false, only_redirect_upstream_code: false, request_headers_to_add: [{ header: { key: FROM, value: head.ingress } }] });
    expect(redirect(patches[1]).request_headers_to_add[0].header.value).toBe(step1.ingress);
    const inputs = policy(patches[0]).custom_response_matcher.matcher_list.matchers[0].predicate.or_matcher.predicate.map((p: any) => [p.single_predicate.input.typed_config['@type'].split('.').pop(), p.single_predicate.value_match.exact]);
    expect(inputs).toEqual([['HttpResponseStatusCodeMatchInput', '429'], ['HttpResponseStatusCodeClassMatchInput', '5xx']]);

    // config list shows three providers, not the derived entries; route list and models resolve show the chain.
    expect(JSON.parse((await cli(['config', 'list', '--json'])).stdout).providers.map((p: any) => p.id).sort()).toEqual(['aliyun', 'claude', 'deepseek', 'openai']);
    expect(JSON.parse((await cli(['route', 'list', '--json'])).stdout).fallbackChains).toEqual([
      { model: 'gpt-4o', provider: 'openai', on: '429,5xx', active: true, to: [{ model: 'claude-sonnet-4-5', provider: 'claude', upstreamModel: 'claude-sonnet-4-5' }, { model: 'deepseek-chat', provider: 'deepseek', upstreamModel: 'deepseek-chat' }] },
    ]);
    expect((await cli(['models', 'resolve', 'gpt-4o'])).stdout).toContain('gpt-4o -> openai (exact name); on 429,5xx falls back to claude-sonnet-4-5 (claude), then deepseek-chat (deepseek)');
  });

  test('a key rotation reaches the derived entries; removing the provider skips its step; removing the chain leaves no trace', async () => {
    const before = new Set(listGatewayFiles(data));
    expect((await cli(['route', 'fallback', '--model', 'gpt-4o', '--to', 'claude-sonnet-4-5,deepseek-chat'])).exitCode).toBe(0);
    expect((await cli(['config', 'add', '--provider', 'claude', '--key', 'sk-ant-0002'])).exitCode).toBe(0);
    const derived = () => resources().get('wasmplugins/ai-proxy.internal.yaml').spec.defaultConfig.providers.filter((p: any) => p.id.includes('~'));
    expect(derived().map((p: any) => [p.id.split('~')[0], p.apiTokens])).toEqual([['claude', ['sk-ant-0002']], ['deepseek', ['sk-deep-0001']]]);

    expect((await cli(['config', 'remove', '--provider', 'claude'])).exitCode).toBe(0);
    let res = resources();
    let view = controllerRoutes(res);
    const head = chatRequest(res, view, 'gpt-4o')!.ingress;
    expect(chatRequest(res, view, 'gpt-4o', { [FROM]: head })).toMatchObject({ provider: expect.stringMatching(/^deepseek~/), model: 'deepseek-chat' });
    expect(JSON.parse((await cli(['route', 'list', '--json'])).stdout).fallbackChains[0].to[0]).toEqual({ model: 'claude-sonnet-4-5', provider: null, upstreamModel: null });
    expect((await cli(['doctor', '--json'])).stdout).toContain('claude-sonnet-4-5 (reaches no provider: skipped)');

    const removed = await cli(['route', 'fallback', '--model', 'gpt-4o', '--remove', '--json']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({ fallback: null, removed: true });
    res = resources();
    view = controllerRoutes(res);
    expect(chatRequest(res, view, 'gpt-4o')).toEqual({ provider: 'openai', model: 'gpt-4o', ingress: expect.stringMatching(/^model-1-openai-/) });
    const after = listGatewayFiles(data).filter((f) => !before.has(f));
    expect(after).toEqual([]);
    expect(listFiles(data).filter((f) => f.includes('fallback'))).toEqual([]);
    expect(JSON.stringify(res.get('wasmplugins/ai-proxy.internal.yaml'))).not.toContain('~ai-fallback');
  });

  test('warnings: a keyless step provider gets the previous key; access keys on refuse the handed-on request', async () => {
    expect((await cli(['config', 'add', '--provider', 'ollama', '--ollama-host', '192.168.1.50', '--models', 'llama3.2'])).exitCode).toBe(0);
    const keyless = await cli(['route', 'fallback', '--model', 'gpt-4o', '--to', 'llama3.2']);
    expect(keyless.exitCode, keyless.stderr).toBe(0);
    expect(keyless.stderr).toContain("ollama (for llama3.2) has no key: a request handed on to it carries the previous provider's key");
    expect(keyless.stderr).not.toContain('access keys are on');
    expect((await cli(['access', 'enable'])).exitCode).toBe(0);
    const guarded = await cli(['route', 'fallback', '--model', 'gpt-4o', '--to', 'deepseek-chat']);
    expect(guarded.exitCode, guarded.stderr).toBe(0);
    expect(guarded.stderr).toContain('gateway access keys are on');
    expect((await cli(['doctor', '--json'])).stdout).toContain('fallback chains with gateway access keys on');
  });

  test('doctor says when a chain exists but the image\'s global custom_response filter is missing', async () => {
    expect((await cli(['route', 'fallback', '--model', 'gpt-4o', '--to', 'deepseek-chat'])).exitCode).toBe(0);
    const doctor = JSON.parse((await cli(['doctor', '--json'])).stdout);
    const text = JSON.stringify(doctor);
    expect(text).toContain('envoyfilters/higress-gateway-global-custom-response.yaml is missing');
  });
});
