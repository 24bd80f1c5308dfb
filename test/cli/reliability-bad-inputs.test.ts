// Bad input across every command, table-driven: each case must exit with its code, say what is wrong in
// one line, and leave the whole test folder (data folder, home, everything else) byte-identical.
import { chmodSync, cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { renderDataFolder } from '../helpers/data-folder.js';
import { hashFolder } from '../helpers/folder-hash.js';

interface Ctx {
  root: string;
  /** A gateway data folder (dashscope configured, auto-routing on with a default model). */
  data: string;
  /** $HOME for the run, with a personal file in it. */
  home: string;
}

interface Case {
  name: string;
  args: (c: Ctx) => string[];
  exit: 1 | 2;
  message: RegExp;
  setup?: (c: Ctx) => void;
  env?: (c: Ctx) => Record<string, string>;
  input?: string;
}

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
let base: string;

beforeAll(async () => {
  base = join(tempDir('gag-bad-base-'), 'data');
  await renderDataFolder(base, ['--dashscope-key', 'sk-dash-0001', '--auto-routing', '--auto-routing-default-model', 'qwen-turbo']);
});

const d = (c: Ctx) => ['--data-folder', c.data];
const aFile = (c: Ctx) => {
  writeFileSync(join(c.root, 'a-file'), 'not a folder\n');
  return join(c.root, 'a-file');
};
const foreign = (c: Ctx) => {
  mkdirSync(join(c.root, 'photos'));
  writeFileSync(join(c.root, 'photos', 'holiday.jpg'), 'jpeg');
  return join(c.root, 'photos');
};
const dangling = (c: Ctx) => {
  symlinkSync(join(c.root, 'nowhere'), join(c.root, 'dangling'));
  return join(c.root, 'dangling');
};
const damage = (rel: string, text: string) => (c: Ctx) => writeFileSync(join(c.data, rel), text, { mode: 0o600 });
const envFile = (mode: number) => (c: Ctx) => {
  writeFileSync(join(c.root, 'keys.env'), 'OPENAI_API_KEY=sk-from-file\n');
  chmodSync(join(c.root, 'keys.env'), mode);
};

// `start` validates before it needs an engine; every case runs with and without --dry-run (the same checks).
const startCases: Omit<Case, 'exit'>[] = [
  { name: '--timeout abc', args: (c) => ['--timeout', 'abc', '--openai-key', 'sk-x', ...d(c)], message: /--timeout must be a positive number/ },
  { name: '--timeout -5', args: (c) => ['--timeout=-5', '--openai-key', 'sk-x', ...d(c)], message: /--timeout must be a positive number/ },
  { name: '--timeout 0', args: (c) => ['--timeout', '0', '--openai-key', 'sk-x', ...d(c)], message: /--timeout must be a positive number/ },
  { name: '--timeout 1e3', args: (c) => ['--timeout', '1e3', '--openai-key', 'sk-x', ...d(c)], message: /--timeout must be a positive number/ },
  { name: '--timeout empty', args: (c) => ['--timeout', '', '--openai-key', 'sk-x', ...d(c)], message: /--timeout must be a positive number/ },
  { name: '--http-port 0', args: (c) => ['--http-port', '0', ...d(c)], message: /--http-port must be a port number/ },
  { name: '--http-port 65536', args: (c) => ['--http-port', '65536', ...d(c)], message: /--http-port must be a port number/ },
  { name: '--http-port abc', args: (c) => ['--http-port', 'abc', ...d(c)], message: /--http-port must be a port number/ },
  { name: '--http-port 80.5', args: (c) => ['--http-port', '80.5', ...d(c)], message: /--http-port must be a port number/ },
  { name: '--https-port -1', args: (c) => ['--https-port=-1', ...d(c)], message: /--https-port must be a port number/ },
  { name: '--console-port 99999', args: (c) => ['--console-port', '99999', ...d(c)], message: /--console-port must be a port number/ },
  { name: 'equal ports', args: (c) => ['--http-port', '9000', '--https-port', '9000', ...d(c)], message: /ports must differ/ },
  { name: '--bind-address 127.0.0.256', args: (c) => ['--bind-address', '127.0.0.256', ...d(c)], message: /not an IPv4 or IPv6 address/ },
  { name: '--bind-address cafe', args: (c) => ['--bind-address', 'cafe', ...d(c)], message: /not an IPv4 or IPv6 address/ },
  { name: '--bind-address ::::', args: (c) => ['--bind-address', '::::', ...d(c)], message: /not an IPv4 or IPv6 address/ },
  { name: '--bind-address localhost', args: (c) => ['--bind-address', 'localhost', ...d(c)], message: /not an IPv4 or IPv6 address/ },
  { name: '--bind-address [::1]', args: (c) => ['--bind-address', '[::1]', ...d(c)], message: /not an IPv4 or IPv6 address/ },
  { name: '--bind-address 1.2.3', args: (c) => ['--bind-address', '1.2.3', ...d(c)], message: /not an IPv4 or IPv6 address/ },
  // An address beyond loopback is no bad input: start turns access keys on (test/cli/reliability-write.test.ts, e2e/access.test.ts).
  { name: '--container-name a/../b', args: (c) => ['--container-name', 'a/../b', ...d(c)], message: /--container-name "a\/\.\.\/b" is not a valid container name/ },
  { name: '--container-name "a b"', args: (c) => ['--container-name', 'a b', ...d(c)], message: /is not a valid container name/ },
  { name: '--container-name a', args: (c) => ['--container-name', 'a', ...d(c)], message: /is not a valid container name/ },
  { name: '--container-name .hidden', args: (c) => ['--container-name', '.hidden', ...d(c)], message: /is not a valid container name/ },
  { name: '--container-name a:b', args: (c) => ['--container-name', 'a:b', ...d(c)], message: /is not a valid container name/ },
  { name: '--container-name non-ASCII', args: (c) => ['--container-name', 'gätewäy', ...d(c)], message: /is not a valid container name/ },
  { name: '--image-tag with a space', args: (c) => ['--image-tag', 'bad tag', ...d(c)], message: /--image-tag "bad tag" is not a valid image tag/ },
  { name: '--image-repo with a space', args: (c) => ['--image-repo', 'a b/c', ...d(c)], message: /is not a valid image repository/ },
  { name: '--image-repo a//b', args: (c) => ['--image-repo', 'a//b', ...d(c)], message: /is not a valid image repository/ },
  { name: 'a data folder that is a file', args: (c) => ['--openai-key', 'sk-x', '--data-folder', aFile(c)], message: /is a file, not a folder/ },
  { name: 'a data folder inside a file', args: (c) => ['--openai-key', 'sk-x', '--data-folder', join(aFile(c), 'x')], message: /is inside a file/ },
  { name: 'the data folder /', args: () => ['--openai-key', 'sk-x', '--data-folder', '/'], message: /refusing to use \/ as the data folder: it is the file system root/ },
  { name: 'the home folder', args: (c) => ['--openai-key', 'sk-x', '--data-folder', c.home], message: /it is your home folder/ },
  { name: 'a dangling symlink as data folder', args: (c) => ['--openai-key', 'sk-x', '--data-folder', dangling(c)], message: /is a symlink to nothing/ },
  { name: 'a folder of personal files', args: (c) => ['--openai-key', 'sk-x', '--data-folder', foreign(c)], message: /is not empty and holds no gateway configuration/ },
  { name: '--openai-key with a control character', args: (c) => ['--openai-key', 'sk-\u0001x', ...d(c)], message: /--openai-key contains U\+0001/ },
  { name: '--openai-key with an escape', args: (c) => ['--openai-key', 'sk-\u001b[2Jx', ...d(c)], message: /--openai-key contains U\+001B/ },
  { name: '--openai-key with a tab', args: (c) => ['--openai-key', 'sk-\tx', ...d(c)], message: /--openai-key contains a tab/ },
  { name: '--openai-key with DEL', args: (c) => ['--openai-key', 'sk-\u007fx', ...d(c)], message: /--openai-key contains U\+007F/ },
  { name: '--openai-key with a line break', args: (c) => ['--openai-key', 'sk-a\nsk-b', ...d(c)], message: /--openai-key contains a line break/ },
  { name: '--openai-models with a control character', args: (c) => ['--openai-key', 'sk-x', '--openai-models', 'gpt-\u0002*', ...d(c)], message: /--openai-models contains U\+0002/ },
  { name: '--openai-key empty', args: (c) => ['--openai-key', ',', ...d(c)], message: /--openai-key is empty/ },
  { name: '--env-file readable by others', args: (c) => ['--env-file', join(c.root, 'keys.env'), ...d(c)], setup: envFile(0o644), message: /--env-file .* can be read or changed by others \(mode 644\).*chmod 600/ },
  { name: '--env-file readable by the group', args: (c) => ['--env-file', join(c.root, 'keys.env'), ...d(c)], setup: envFile(0o640), message: /can be read or changed by others \(mode 640\)/ },
  // (A missing --env-file is reported by Node 20 itself, which wrongly parses --env-file after the script name.)
  { name: '--env-file readable by the world only', args: (c) => ['--env-file', join(c.root, 'keys.env'), ...d(c)], setup: envFile(0o604), message: /can be read or changed by others \(mode 604\)/ },
  { name: '--env-file writable by the group', args: (c) => ['--env-file', join(c.root, 'keys.env'), ...d(c)], setup: envFile(0o620), message: /can be read or changed by others \(mode 620\)/ },
  { name: '--keys-from-env with a control character in a key', args: (c) => ['--keys-from-env', ...d(c)], env: () => ({ DEEPSEEK_API_KEY: 'sk-\u0007bell' }), message: /--deepseek-key contains a control character/ },
  { name: '--auto-routing without a default model', args: (c) => ['--auto-routing', ...d(c)], message: /--auto-routing needs --auto-routing-default-model/ },
  { name: '--azure-key without the service URL', args: (c) => ['--azure-key', 'k', ...d(c)], message: /azure-service-url/ },
  { name: '--bedrock-region bad', args: (c) => ['--bedrock-key', 'k', '--bedrock-region', 'mars', ...d(c)], message: /--bedrock-region .*must be an AWS region/ },
  { name: '--hunyuan-auth-id too short', args: (c) => ['--hunyuan-auth-id', 'x', '--hunyuan-auth-key', 'y', ...d(c)], message: /--hunyuan-auth-id/ },
  { name: '--deepl-target-lang bad', args: (c) => ['--deepl-key', 'k', '--deepl-target-lang', 'english!', ...d(c)], message: /--deepl-target-lang/ },
  { name: '--data-folder with a control character', args: (c) => ['--data-folder', join(c.root, 'x\u0001y')], message: /--data-folder contains U\+0001/ },
];

const START: Case[] = startCases.flatMap((c) => [
  { ...c, exit: 2 as const, name: `start ${c.name}`, args: (x: Ctx) => ['start', '--non-interactive', ...c.args(x)] },
  { ...c, exit: 2 as const, name: `start --dry-run ${c.name}`, args: (x: Ctx) => ['start', '--non-interactive', '--dry-run', ...c.args(x)] },
]);

const CONFIG: Case[] = [
  { name: 'config add unknown provider', args: (c) => ['config', 'add', '--provider', 'nope', '--key', 'k', ...d(c)], exit: 2, message: /nope/ },
  { name: 'config add without --provider', args: (c) => ['config', 'add', '--key', 'k', ...d(c)], exit: 2, message: /--provider/ },
  { name: 'config add --key empty', args: (c) => ['config', 'add', '--provider', 'openai', '--key', '', ...d(c)], exit: 2, message: /--key is empty/ },
  { name: 'config add --key with NUL from the environment', args: (c) => ['config', 'add', '--provider', 'openai', '--key-stdin', ...d(c)], input: 'sk-\u0000nul\n', exit: 2, message: /--key-stdin contains a control character/ },
  { name: 'config add --key with U+0001', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'sk-\u0001', ...d(c)], exit: 2, message: /--key contains U\+0001/ },
  { name: 'config add --key with an escape sequence', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'sk-\u001b[31m', ...d(c)], exit: 2, message: /--key contains U\+001B/ },
  { name: 'config add --key with a tab', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'sk\tx', ...d(c)], exit: 2, message: /--key contains a tab/ },
  { name: 'config add --key with DEL', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'sk\u007f', ...d(c)], exit: 2, message: /--key contains U\+007F/ },
  { name: 'config add --key with a line break', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'sk-a\nsk-b', ...d(c)], exit: 2, message: /--key contains a line break/ },
  { name: 'config add --key-env with a control character', args: (c) => ['config', 'add', '--provider', 'openai', '--key-env', 'GAG_K', ...d(c)], env: () => ({ GAG_K: 'sk-\u0003' }), exit: 2, message: /--key-env contains a control character/ },
  { name: 'config add --key-env unset', args: (c) => ['config', 'add', '--provider', 'openai', '--key-env', 'GAG_UNSET_VAR', ...d(c)], exit: 2, message: /GAG_UNSET_VAR is not set/ },
  { name: 'config add --key-env empty', args: (c) => ['config', 'add', '--provider', 'openai', '--key-env', 'GAG_K', ...d(c)], env: () => ({ GAG_K: ' , ' }), exit: 2, message: /is empty/ },
  { name: 'config add --key and --key-env', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'k', '--key-env', 'HOME', ...d(c)], exit: 2, message: /use only one of --key, --key-stdin and --key-env/ },
  { name: 'config add --key-stdin with nothing', args: (c) => ['config', 'add', '--provider', 'openai', '--key-stdin', ...d(c)], input: '\n\n', exit: 2, message: /--key-stdin got no key/ },
  { name: 'config add --write-mode bogus', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'k', '--write-mode', 'bogus', ...d(c)], exit: 2, message: /--write-mode must be auto, host or container/ },
  { name: 'config add --models with a control character', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'k', '--models', 'gpt\u0005', ...d(c)], exit: 2, message: /--models contains U\+0005/ },
  { name: 'config add --container-name "a b"', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'k', '--container-name', 'a b', ...d(c)], exit: 2, message: /not a valid container name/ },
  { name: 'config add --container-name a/../b', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'k', '--container-name', 'a/../b', ...d(c)], exit: 2, message: /not a valid container name/ },
  { name: 'config add into a file', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'k', '--data-folder', aFile(c)], exit: 2, message: /is a file, not a folder/ },
  { name: 'config add under a file', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'k', '--data-folder', join(aFile(c), 'sub')], exit: 2, message: /inside a file/ },
  { name: 'config add into /', args: () => ['config', 'add', '--provider', 'openai', '--key', 'k', '--data-folder', '/'], exit: 2, message: /file system root/ },
  { name: 'config add into the home folder', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'k', '--data-folder', c.home], exit: 2, message: /your home folder/ },
  { name: 'config add into ~ through a symlink', args: (c) => {
    symlinkSync(c.home, join(c.root, 'home-link'));
    return ['config', 'add', '--provider', 'openai', '--key', 'k', '--data-folder', join(c.root, 'home-link')];
  }, exit: 2, message: /your home folder/ },
  { name: 'config add into a folder of personal files', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'k', '--data-folder', foreign(c)], exit: 2, message: /not empty and holds no gateway configuration/ },
  { name: 'config add into a dangling symlink', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'k', '--data-folder', dangling(c)], exit: 2, message: /symlink to nothing/ },
  { name: 'config add a keyless provider with a key', args: (c) => ['config', 'add', '--provider', 'hunyuan', '--key', 'k', ...d(c)], exit: 2, message: /takes no API key/ },
  { name: 'config add azure without its URL', args: (c) => ['config', 'add', '--provider', 'azure', '--key', 'k', ...d(c)], exit: 2, message: /azure-service-url/ },
  { name: 'config add azure with an http URL', args: (c) => ['config', 'add', '--provider', 'azure', '--key', 'k', '--azure-service-url', 'ftp://x', ...d(c)], exit: 2, message: /azure-service-url/ },
  { name: 'config add bedrock with a bad region', args: (c) => ['config', 'add', '--provider', 'bedrock', '--key', 'k', '--bedrock-region', 'moon', ...d(c)], exit: 2, message: /--bedrock-region/ },
  { name: 'config add hunyuan with short ids', args: (c) => ['config', 'add', '--provider', 'hunyuan', '--hunyuan-auth-id', 'a', '--hunyuan-auth-key', 'b', ...d(c)], exit: 2, message: /--hunyuan-auth-id/ },
  { name: 'config add with an unknown option', args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'k', '--frobnicate', ...d(c)], exit: 2, message: /unknown option '--frobnicate'/ },
  { name: 'config add on damaged YAML', setup: damage('wasmplugins/ai-proxy.internal.yaml', 'spec:\n  a: [1\n  b: 2\n'), args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'k', ...d(c)], exit: 1, message: /wasmplugins\/ai-proxy\.internal\.yaml line \d+ in the data folder is not valid YAML/ },
  { name: 'config add on a list instead of a resource', setup: damage('mcpbridges/default.yaml', '- a\n- b\n'), args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'k', ...d(c)], exit: 1, message: /mcpbridges\/default\.yaml in the data folder is damaged: it holds a list/ },
  { name: 'config list on damaged YAML', setup: damage('wasmplugins/ai-proxy.internal.yaml', 'a: b: c\n'), args: (c) => ['config', 'list', ...d(c)], exit: 1, message: /ai-proxy\.internal\.yaml line 1 in the data folder is not valid YAML/ },
  { name: 'config add when spec is a list', setup: damage('wasmplugins/ai-proxy.internal.yaml', 'kind: WasmPlugin\nspec:\n  - a\n'), args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'k', ...d(c)], exit: 1, message: /ai-proxy\.internal\.yaml in the data folder is damaged: spec is a list, not a mapping/ },
  { name: 'config list when spec.defaultConfig is a number', setup: damage('wasmplugins/ai-proxy.internal.yaml', 'kind: WasmPlugin\nspec:\n  defaultConfig: 5\n'), args: (c) => ['config', 'list', ...d(c)], exit: 1, message: /damaged: spec\.defaultConfig is a number, not a mapping/ },
  { name: 'config remove when a provider entry is not a mapping', setup: damage('wasmplugins/ai-proxy.internal.yaml', 'kind: WasmPlugin\nspec:\n  defaultConfig:\n    providers: [1]\n'), args: (c) => ['config', 'remove', '--provider', 'qwen', ...d(c)], exit: 1, message: /damaged: an item of spec\.defaultConfig\.providers is not a mapping/ },
  { name: 'config add when the registries are a mapping', setup: damage('mcpbridges/default.yaml', 'kind: McpBridge\nspec:\n  registries: {a: 1}\n'), args: (c) => ['config', 'add', '--provider', 'openai', '--key', 'k', ...d(c)], exit: 1, message: /mcpbridges\/default\.yaml in the data folder is damaged: spec\.registries is a mapping, not a list/ },
  { name: 'config list on a scalar resource', setup: damage('wasmplugins/ai-proxy.internal.yaml', 'just text\n'), args: (c) => ['config', 'list', ...d(c)], exit: 1, message: /damaged: it holds a string/ },
  { name: 'config remove unknown provider', args: (c) => ['config', 'remove', '--provider', 'nope', ...d(c)], exit: 2, message: /nope/ },
  { name: 'config remove without --provider', args: (c) => ['config', 'remove', ...d(c)], exit: 2, message: /--provider/ },
  { name: 'config remove --write-mode x', args: (c) => ['config', 'remove', '--provider', 'qwen', '--write-mode', 'x', ...d(c)], exit: 2, message: /--write-mode/ },
  { name: 'config remove from a folder of personal files', args: (c) => ['config', 'remove', '--provider', 'qwen', '--data-folder', foreign(c)], exit: 2, message: /not empty and holds no gateway configuration/ },
  { name: 'config remove on damaged YAML', setup: damage('mcpbridges/default.yaml', 'spec: {\n'), args: (c) => ['config', 'remove', '--provider', 'qwen', ...d(c)], exit: 1, message: /mcpbridges\/default\.yaml line \d+ in the data folder is not valid YAML/ },
  { name: 'config with an unknown subcommand', args: (c) => ['config', 'frob', ...d(c)], exit: 2, message: /unknown command 'frob'|unknown option/ },
];

const ROUTE: Case[] = [
  { name: 'route add without --model', args: (c) => ['route', 'add', '--trigger', 'x', ...d(c)], exit: 2, message: /--model/ },
  { name: 'route add --model with a space', args: (c) => ['route', 'add', '--model', 'a b', '--trigger', 'x', ...d(c)], exit: 2, message: /--model "a b" contains white space/ },
  { name: 'route add --model empty', args: (c) => ['route', 'add', '--model', ' ', '--trigger', 'x', ...d(c)], exit: 2, message: /--model is empty/ },
  { name: 'route add with --trigger and --pattern', args: (c) => ['route', 'add', '--model', 'm', '--trigger', 'x', '--pattern', 'y', ...d(c)], exit: 2, message: /exactly one of --trigger and --pattern/ },
  { name: 'route add with neither', args: (c) => ['route', 'add', '--model', 'm', ...d(c)], exit: 2, message: /exactly one of --trigger and --pattern/ },
  { name: 'route add --pattern look-behind', args: (c) => ['route', 'add', '--model', 'm', '--pattern', '(?<=a)b', ...d(c)], exit: 2, message: /not a valid RE2 pattern/ },
  { name: 'route add --pattern unbalanced', args: (c) => ['route', 'add', '--model', 'm', '--pattern', '(', ...d(c)], exit: 2, message: /not a valid RE2 pattern/ },
  { name: 'route add --pattern back-reference', args: (c) => ['route', 'add', '--model', 'm', '--pattern', '(a)\\1', ...d(c)], exit: 2, message: /not a valid RE2 pattern/ },
  { name: 'route add --pattern empty', args: (c) => ['route', 'add', '--model', 'm', '--pattern', ' ', ...d(c)], exit: 2, message: /--pattern is empty/ },
  { name: 'route add --trigger empty', args: (c) => ['route', 'add', '--model', 'm', '--trigger', '', ...d(c)], exit: 2, message: /--trigger/ },
  { name: 'route add --trigger with a control character', args: (c) => ['route', 'add', '--model', 'm', '--trigger', 'a\u0004b', ...d(c)], exit: 2, message: /--trigger contains U\+0004/ },
  { name: 'route add --trigger with a line break', args: (c) => ['route', 'add', '--model', 'm', '--trigger', 'a\nb', ...d(c)], exit: 2, message: /--trigger contains a line break/ },
  { name: 'route add --model with NUL-like U+0000 escape', args: (c) => ['route', 'add', '--model', 'm\u001f', '--trigger', 'x', ...d(c)], exit: 2, message: /--model contains U\+001F/ },
  { name: 'route add --position abc', args: (c) => ['route', 'add', '--model', 'm', '--trigger', 'x', '--position', 'abc', ...d(c)], exit: 2, message: /--position/ },
  { name: 'route add --position -1', args: (c) => ['route', 'add', '--model', 'm', '--trigger', 'x', '--position=-1', ...d(c)], exit: 2, message: /--position/ },
  { name: 'route add --position 99', args: (c) => ['route', 'add', '--model', 'm', '--trigger', 'x', '--position', '99', ...d(c)], exit: 2, message: /--position/ },
  { name: 'route add --default-model with a space', args: (c) => ['route', 'add', '--model', 'm', '--trigger', 'x', '--default-model', 'a b', ...d(c)], exit: 2, message: /--default-model "a b" contains white space/ },
  { name: 'route add --write-mode bogus', args: (c) => ['route', 'add', '--model', 'm', '--trigger', 'x', '--write-mode', 'bogus', ...d(c)], exit: 2, message: /--write-mode/ },
  { name: 'route add without a default model on a new folder', args: (c) => ['route', 'add', '--model', 'm', '--trigger', 'x', '--data-folder', join(c.root, 'new')], exit: 2, message: /no default model yet/ },
  { name: 'route add without a default model on a deep new path', args: (c) => ['route', 'add', '--model', 'm', '--trigger', 'x', '--data-folder', join(c.root, 'deep', 'new', 'path')], exit: 2, message: /no default model yet/ },
  { name: 'route add into /', args: () => ['route', 'add', '--model', 'm', '--trigger', 'x', '--data-folder', '/'], exit: 2, message: /file system root/ },
  { name: 'route add into the home folder', args: (c) => ['route', 'add', '--model', 'm', '--trigger', 'x', '--data-folder', c.home], exit: 2, message: /home folder/ },
  { name: 'route add into a folder of personal files', args: (c) => ['route', 'add', '--model', 'm', '--trigger', 'x', '--data-folder', foreign(c)], exit: 2, message: /not empty and holds no gateway configuration/ },
  { name: 'route add into a file', args: (c) => ['route', 'add', '--model', 'm', '--trigger', 'x', '--data-folder', aFile(c)], exit: 2, message: /is a file, not a folder/ },
  { name: 'route add on damaged YAML', setup: damage('wasmplugins/model-router.internal.yaml', 'spec:\n\t- x\n'), args: (c) => ['route', 'add', '--model', 'm', '--trigger', 'x', ...d(c)], exit: 1, message: /model-router\.internal\.yaml line \d+ in the data folder is not valid YAML/ },
  { name: 'route remove --rule-id abc', args: (c) => ['route', 'remove', '--rule-id', 'abc', ...d(c)], exit: 2, message: /rule/ },
  { name: 'route remove --rule-id -1', args: (c) => ['route', 'remove', '--rule-id=-1', ...d(c)], exit: 2, message: /rule/ },
  { name: 'route remove --rule-id 1.5', args: (c) => ['route', 'remove', '--rule-id', '1.5', ...d(c)], exit: 2, message: /rule/ },
  { name: 'route remove --rule-id 99 (no such rule)', args: (c) => ['route', 'remove', '--rule-id', '99', ...d(c)], exit: 2, message: /rule/ },
  { name: 'route remove --rule-id empty', args: (c) => ['route', 'remove', '--rule-id', '', ...d(c)], exit: 2, message: /rule/ },
  { name: 'route remove without --rule-id', args: (c) => ['route', 'remove', ...d(c)], exit: 2, message: /--rule-id/ },
  { name: 'route remove from a folder of personal files', args: (c) => ['route', 'remove', '--rule-id', '0', '--data-folder', foreign(c)], exit: 2, message: /not empty and holds no gateway configuration/ },
  { name: 'route default --model empty', args: (c) => ['route', 'default', '--model', '', ...d(c)], exit: 2, message: /--model is empty/ },
  { name: 'route default --model with a space', args: (c) => ['route', 'default', '--model', 'x y', ...d(c)], exit: 2, message: /white space/ },
  { name: 'route default --model with a control character', args: (c) => ['route', 'default', '--model', 'x\u0008', ...d(c)], exit: 2, message: /--model contains U\+0008/ },
  { name: 'route default without --model', args: (c) => ['route', 'default', ...d(c)], exit: 2, message: /--model/ },
  { name: 'route default into the home folder', args: (c) => ['route', 'default', '--model', 'm', '--data-folder', c.home], exit: 2, message: /home folder/ },
  { name: 'route test without a message', args: (c) => ['route', 'test', ...d(c)], exit: 2, message: /missing required argument/ },
  { name: 'route list on damaged YAML', setup: damage('wasmplugins/model-router.internal.yaml', 'spec: [\n'), args: (c) => ['route', 'list', ...d(c)], exit: 1, message: /model-router\.internal\.yaml line \d+ in the data folder is not valid YAML/ },
  { name: 'route test on damaged YAML', setup: damage('wasmplugins/model-router.internal.yaml', 'spec: [\n'), args: (c) => ['route', 'test', 'hello', ...d(c)], exit: 1, message: /not valid YAML/ },
  { name: 'route with an unknown option', args: (c) => ['route', 'list', '--frobnicate', ...d(c)], exit: 2, message: /unknown option '--frobnicate'/ },
];

const OTHERS: Case[] = [
  { name: 'stop --container-name "a b"', args: () => ['stop', '--container-name', 'a b'], exit: 2, message: /not a valid container name/ },
  { name: 'stop --container-name a/../b', args: () => ['stop', '--container-name', 'a/../b'], exit: 2, message: /not a valid container name/ },
  { name: 'stop --container-name empty', args: () => ['stop', '--container-name', ''], exit: 2, message: /not a valid container name/ },
  { name: 'stop with an unknown option', args: () => ['stop', '--frobnicate'], exit: 2, message: /unknown option/ },
  { name: 'delete --container-name "a b"', args: () => ['delete', '--container-name', 'a b'], exit: 2, message: /not a valid container name/ },
  { name: 'delete --container-name with a control character', args: () => ['delete', '--container-name', 'a\u0001b'], exit: 2, message: /--container-name contains U\+0001/ },
  { name: 'delete --purge --yes the home folder', args: (c) => ['delete', '--purge', '--yes', '--data-folder', c.home], exit: 2, message: /your home folder/ },
  { name: 'delete --purge --yes /', args: () => ['delete', '--purge', '--yes', '--data-folder', '/'], exit: 2, message: /file system root/ },
  { name: 'delete --purge --yes a folder of personal files', args: (c) => ['delete', '--purge', '--yes', '--data-folder', foreign(c)], exit: 2, message: /not empty and holds no gateway configuration/ },
  { name: 'delete --purge --yes an upstream-made folder', args: (c) => {
    mkdirSync(join(c.root, 'upstream'));
    writeFileSync(join(c.root, 'upstream', 'default.cfg'), 'MODE=full\n');
    return ['delete', '--purge', '--yes', '--data-folder', join(c.root, 'upstream')];
  }, exit: 2, message: /does not carry get-ai-gateway's marker/ },
  { name: 'delete --purge --yes a file', args: (c) => ['delete', '--purge', '--yes', '--data-folder', aFile(c)], exit: 2, message: /is a file, not a folder/ },
  { name: 'delete --purge --yes a dangling symlink', args: (c) => ['delete', '--purge', '--yes', '--data-folder', dangling(c)], exit: 2, message: /symlink to nothing/ },
  { name: 'status --container-name "a b"', args: () => ['status', '--container-name', 'a b'], exit: 2, message: /not a valid container name/ },
  { name: 'logs --container-name "a b"', args: () => ['logs', '--container-name', 'a b'], exit: 2, message: /not a valid container name/ },
  { name: 'logs --component with a control character', args: () => ['logs', '--component', 'gate\u0001way'], exit: 2, message: /--component contains U\+0001/ },
  { name: 'usage --by bogus', args: (c) => ['usage', '--by', 'bogus', ...d(c)], exit: 2, message: /--by/ },
  { name: 'usage --since bogus', args: (c) => ['usage', '--since', 'yesterday-ish', ...d(c)], exit: 2, message: /--since/ },
  { name: 'usage --since with a control character', args: (c) => ['usage', '--since', '1h\u0001', ...d(c)], exit: 2, message: /--since contains U\+0001/ },
  { name: 'models --container-name a/../b', args: (c) => ['models', '--container-name', 'a/../b', ...d(c)], exit: 2, message: /not a valid container name/ },
  { name: 'openclaw --config with a control character', args: (c) => ['openclaw', '--config', 'x\u0001.json', ...d(c)], exit: 2, message: /--config contains U\+0001/ },
  { name: 'doctor --container-name "a b"', args: () => ['doctor', '--container-name', 'a b'], exit: 2, message: /not a valid container name/ },
  { name: 'an unknown command', args: () => ['frobnicate'], exit: 2, message: /unknown command "frobnicate"/ },
];

const CASES: Case[] = [...START, ...CONFIG, ...ROUTE, ...OTHERS];

describe(`${CASES.length} bad inputs across every command`, () => {
  test('the table has at least 150 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(150);
  });

  test.concurrent.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const root = tempDir('gag-bad-');
    const ctx: Ctx = { root, data: join(root, 'data'), home: join(root, 'home') };
    cpSync(base, ctx.data, { recursive: true });
    mkdirSync(ctx.home);
    writeFileSync(join(ctx.home, 'notes.txt'), 'personal\n');
    c.setup?.(ctx);
    const args = c.args(ctx);
    const before = hashFolder(root);
    const res = await runCli(args, { env: { ...NO_ENGINE, HOME: ctx.home, ...c.env?.(ctx) }, input: c.input, cwd: root });
    const lines = res.stderr.split('\n').filter((l) => l.trim() !== '' && l !== '(run with --help for usage)');
    expect(res.exitCode, res.stderr).toBe(c.exit);
    expect(lines, res.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(c.message);
    expect(res.stdout).toBe('');
    expect(hashFolder(root), `${c.name} changed the folder`).toBe(before);
  });
});
