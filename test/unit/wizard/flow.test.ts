// The wizard's flows, driven through an in-memory terminal with the real @inquirer prompts: what is asked,
// what is refused and re-asked, and the options object handed to the same planStart as `start --non-interactive`.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InterruptedError } from '../../../src/core/errors.js';
import type { ProviderInput } from '../../../src/core/provider-config.js';
import { planStart, renderFreshDataFolder } from '../../../src/core/start-plan.js';
import { runWizard, type WizardSeed } from '../../../src/wizard/flow.js';
import { runWizardIfNeeded, shouldPrompt } from '../../../src/wizard/index.js';
import { FakeTerminal, KEY } from './fake-terminal.js';

const timezone = { timezone: 'Europe/Berlin', source: 'env' } as never;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'gag-wizard-'));
  dirs.push(dir);
  return dir;
};

function seed(extra: Partial<WizardSeed> = {}): WizardSeed {
  return {
    dataFolder: '/tmp/gag-wizard-test',
    bindAddress: '127.0.0.1',
    ports: { http: 8080, https: 8443, console: 8001 },
    configured: [],
    fromFlags: new Map<string, ProviderInput>(),
    autoRouting: { enabled: false, alreadyOn: false },
    ...extra,
  };
}

const allFree = async () => true;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Picks a provider in the search list by typing part of its name. */
async function pick(t: FakeTerminal, filter: string, name: string): Promise<void> {
  await t.waitFor('Add, change or remove a provider');
  t.type(filter);
  await t.waitFor(new RegExp(`[❯>] ${escapeRe(name)}`));
  t.answer();
}

async function done(t: FakeTerminal, label = 'Done: continue with'): Promise<void> {
  await t.waitFor(new RegExp(`[❯>] ${escapeRe(label)}`));
  t.answer();
}

async function defaultPorts(t: FakeTerminal): Promise<void> {
  for (const label of ['HTTP port', 'HTTPS port', 'Console port']) {
    await t.waitFor(label);
    t.answer();
  }
}

async function noRoutingAndConfirm(t: FakeTerminal): Promise<void> {
  await t.waitFor('Turn on auto-routing');
  t.answer('n');
  await t.waitFor('Write this configuration and start the gateway?');
  t.answer();
}

/** DeepSeek with a key and default models: the provider part every one-provider flow shares. */
async function addDeepSeek(t: FakeTerminal): Promise<void> {
  await pick(t, 'deeps', 'DeepSeek');
  await t.waitFor('DeepSeek API key');
  t.answer('sk-test-1234567890');
  await t.waitFor('DeepSeek model patterns');
  t.answer();
  await done(t);
}

/** A one-provider setup up to the confirmation question; returns the summary screen. */
async function upToConfirmation(t: FakeTerminal): Promise<string> {
  await addDeepSeek(t);
  await defaultPorts(t);
  await t.waitFor('Turn on auto-routing');
  t.answer('n');
  return t.waitFor('Write this configuration and start the gateway?');
}

/** planStart on the wizard's options, in a fresh data folder: the same path as flags. */
function planOf(options: Record<string, unknown>) {
  return planStart({ options: { ...options, dataFolder: tempDir() }, env: {}, timezone });
}

describe('setup wizard flows', () => {
  it('sets up one provider and returns the options non-interactive start takes', async () => {
    const t = new FakeTerminal();
    const result = runWizard({ dataFolder: '/tmp/x' }, seed(), t.io({ isPortFree: allFree }));

    const screen = await upToConfirmation(t);
    expect(screen).toContain('DeepSeek: key sk-t***7890');
    expect(screen).toContain('Ports on 127.0.0.1: HTTP 8080, HTTPS 8443, console 8001');
    expect(screen).not.toContain('sk-test-1234567890');
    t.answer();

    const options = await result;
    expect(options).toMatchObject({
      dataFolder: '/tmp/x',
      deepseekKey: ['sk-test-1234567890'],
      deepseekModels: 'deepseek-*',
      httpPort: '8080',
      httpsPort: '8443',
      consolePort: '8001',
    });
    expect(options.autoRouting).toBeUndefined();
    expect(planOf(options).providers).toEqual([{ id: 'deepseek', tokens: ['sk-test-1234567890'], models: 'deepseek-*', extras: {} }]);
  });

  it('sets up several providers with their extra fields, a key pool and auto-routing', async () => {
    const t = new FakeTerminal();
    const result = runWizard({}, seed(), t.io({ isPortFree: allFree }));

    await pick(t, 'azure', 'Azure OpenAI');
    await t.waitFor('Azure OpenAI API key');
    t.answer('az-key-1111111111, az-key-2222222222');
    await t.waitFor('Deployment URL');
    t.answer('http://x.openai.azure.com/chat');
    await t.waitFor('Deployment URL must start with https://');
    t.type(KEY.clearLine);
    t.answer('https://x.openai.azure.com/openai/deployments/d/chat/completions');
    await t.waitFor('Deployment URL must carry an api-version query parameter');
    t.type(KEY.clearLine);
    t.answer('https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-06-01');
    await t.waitFor('Azure OpenAI model patterns');
    t.answer();

    await pick(t, 'ollama', 'Ollama');
    await t.waitFor('Ollama API key (optional)');
    t.answer();
    await t.waitFor('Ollama host (as the container sees it)');
    t.answer('not a host!');
    await t.waitFor('must be a host name or IPv4 address');
    t.type(KEY.clearLine);
    t.answer('host.docker.internal');
    await t.waitFor('Ollama port');
    t.answer();
    await t.waitFor('Ollama model patterns');
    t.answer('llama*, qwen2*');

    await done(t, 'Done: continue with 2 providers');
    await defaultPorts(t);
    await t.waitFor('Turn on auto-routing');
    t.answer('y');
    await t.waitFor(/Default model for higress\/auto:[\s\S]*[❯>] gpt-4o/);
    t.type(KEY.down);
    t.type(KEY.down);
    await t.waitFor(/[❯>] llama3\.2/);
    t.answer();
    const screen = await t.waitFor('Write this configuration');
    expect(screen).toContain('Azure OpenAI: key pool az-k***1111, az-k***2222');
    expect(screen).toContain('Ollama: no key');
    expect(screen).toContain('Ollama host (as the container sees it): host.docker.internal');
    expect(screen).toContain('Auto-routing: on, default model llama3.2');
    t.answer();

    const options = await result;
    expect(options).toMatchObject({
      azureKey: ['az-key-1111111111', 'az-key-2222222222'],
      azureServiceUrl: 'https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-06-01',
      azureModels: 'gpt-*,o1-*,o3-*',
      ollamaHost: 'host.docker.internal',
      ollamaPort: '11434',
      ollamaModels: 'llama*,qwen2*',
      autoRouting: true,
      autoRoutingDefaultModel: 'llama3.2',
    });
    expect(options.ollamaKey).toBeUndefined();
    const plan = planOf(options);
    expect(plan.providers.map((p) => [p.id, p.extras])).toEqual([
      ['azure', { azureServiceUrl: 'https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-06-01' }],
      ['ollama', { ollamaServerHost: 'host.docker.internal', ollamaServerPort: 11434 }],
    ]);
    expect(plan.autoRouting).toEqual({ enabled: true, defaultModel: 'llama3.2' });
  });

  it('shows a field\'s problem as you type, before Enter (live validation)', async () => {
    const t = new FakeTerminal();
    const outcome = runWizard({}, seed(), t.io({ isPortFree: allFree })).then(
      () => undefined,
      (error: unknown) => error,
    );
    await pick(t, 'azure', 'Azure OpenAI');
    await t.waitFor('Azure OpenAI API key');
    t.answer('az-key-1111111111');
    await t.waitFor('Deployment URL');
    t.type('http://x');
    await t.waitFor('http://x  <- Deployment URL must start with https://');
    t.type(KEY.clearLine);
    t.type('https://x.ai/c');
    await t.waitFor('https://x.ai/c  <- Deployment URL must carry an api-version');
    t.type('?api-version=1');
    await t.waitFor(/https:\/\/x\.ai\/c\?api-version=1(?!\s*<-)/);
    t.answer();
    await t.waitFor('Azure OpenAI model patterns');
    t.type(',bad pattern[');
    await t.waitFor('<- ');
    t.type(KEY.ctrlC);
    expect(await outcome).toBeInstanceOf(InterruptedError);
  });

  it('a provider given as flags can be removed in the list: its flags are dropped from the options', async () => {
    const t = new FakeTerminal();
    const fromFlags = new Map<string, ProviderInput>([['deepseek', { tokens: ['sk-flag-1234567890'], extras: {} }]]);
    const result = runWizard({ deepseekKey: ['sk-flag-1234567890'] }, seed({ fromFlags }), t.io({ isPortFree: allFree }));
    await pick(t, 'deeps', 'DeepSeek [configured]');
    await t.waitFor(/[❯>] Change its settings/);
    t.type(KEY.down);
    await t.waitFor(/[❯>] Remove it from this setup/);
    t.answer();
    await pick(t, 'moon', 'Moonshot');
    await t.waitFor('Moonshot (Kimi) API key');
    t.answer('sk-moon-1234567890');
    await t.waitFor('Moonshot (Kimi) model patterns');
    t.answer();
    await done(t, 'Done: continue with 1 provider');
    await defaultPorts(t);
    await noRoutingAndConfirm(t);
    const options = await result;
    expect(options.deepseekKey).toBeUndefined();
    expect(options.removeProviders).toBeUndefined();
    expect(planOf(options).providers.map((p) => p.id)).toEqual(['moonshot']);
  });

  it('refuses OpenAI together with Azure OpenAI, says why and asks again', async () => {
    const t = new FakeTerminal();
    const result = runWizard({}, seed(), t.io({ isPortFree: allFree }));

    await pick(t, 'openai', 'OpenAI');
    await t.waitFor('OpenAI API key');
    t.answer('sk-openai-123456789');
    await t.waitFor('OpenAI model patterns');
    t.answer();
    await pick(t, 'azure', 'Azure OpenAI');
    await t.waitFor('Refused: Azure OpenAI and OpenAI cannot be configured together');
    await t.waitFor('OpenAI is already picked');
    await t.waitFor('Add, change or remove a provider');
    await done(t, 'Done: continue with 1 provider');
    await defaultPorts(t);
    await noRoutingAndConfirm(t);

    const options = await result;
    expect(options.openaiKey).toEqual(['sk-openai-123456789']);
    expect(options.azureKey).toBeUndefined();
    expect(planOf(options).providers.map((p) => p.id)).toEqual(['openai']);
  });

  it('refuses a provider that excludes one already in the data folder', async () => {
    const t = new FakeTerminal();
    const configured = [{ id: 'openai', tokens: ['sk-old-123456789'], models: 'gpt-*', extras: {} }];
    const result = runWizard({}, seed({ configured }), t.io({ isPortFree: allFree }));
    await t.waitFor('OpenAI [configured]');
    await pick(t, 'azure', 'Azure OpenAI');
    await t.waitFor('OpenAI is configured in');
    await t.waitFor('pick it and choose Remove first');
    await done(t, 'Done: keep the configured providers');
    await defaultPorts(t);
    await noRoutingAndConfirm(t);
    const options = await result;
    expect(Object.keys(options).filter((k) => /Key$|Models$/.test(k))).toEqual([]);
  });

  it('re-asks a port that is invalid, taken or already used, with the reason', async () => {
    const t = new FakeTerminal();
    const checked: string[] = [];
    const isPortFree = async (host: string, port: number) => {
      checked.push(`${host}:${port}`);
      return port !== 18080;
    };
    const result = runWizard({}, seed({ bindAddress: '127.0.0.2' }), t.io({ isPortFree }));
    await addDeepSeek(t);

    await t.waitFor('HTTP port on 127.0.0.2');
    t.answer('18080');
    await t.waitFor('port 18080 on 127.0.0.2 is in use; pick another');
    t.type(KEY.clearLine);
    t.answer('18081');
    await t.waitFor('HTTPS port');
    t.answer('18081');
    await t.waitFor('18081 is already the HTTP port; the ports must differ');
    t.type(KEY.clearLine);
    t.answer('70000');
    await t.waitFor('must be a port number from 1 to 65535');
    t.type(KEY.clearLine);
    t.answer('18443');
    await t.waitFor('Console port');
    t.answer();
    await noRoutingAndConfirm(t);

    const options = await result;
    expect(options).toMatchObject({ httpPort: '18081', httpsPort: '18443', consolePort: '8001' });
    expect(checked).toEqual(['127.0.0.2:18080', '127.0.0.2:18081', '127.0.0.2:18443', '127.0.0.2:8001']);
  });

  it('asks the authentication mode first, then only its fields (Bedrock SigV4)', async () => {
    const t = new FakeTerminal();
    const result = runWizard({}, seed(), t.io({ isPortFree: allFree }));
    await pick(t, 'bedrock', 'AWS Bedrock');
    await t.waitFor(/How does AWS Bedrock authenticate\?[\s\S]*[❯>] API key[\s\S]*SigV4: AWS access key id \+ AWS secret access key/);
    t.type(KEY.down);
    await t.waitFor(/[❯>] SigV4/);
    t.answer();
    await t.waitFor('AWS region');
    t.answer('us-east-1');
    await t.waitFor('AWS access key id (SigV4)');
    t.answer();
    await t.waitFor('AWS access key id (SigV4) is required');
    t.answer('AKIAEXAMPLE123');
    await t.waitFor('AWS secret access key (SigV4)');
    t.answer('secret-example-123456');
    await t.waitFor('AWS Bedrock model patterns');
    t.answer();
    await done(t);
    await defaultPorts(t);
    await t.waitFor('Turn on auto-routing');
    t.answer('n');
    const screen = await t.waitFor('Write this configuration');
    expect(screen).not.toContain('AWS Bedrock API key');
    expect(screen).toContain('AWS secret access key (SigV4): secr***3456');
    t.answer();
    const options = await result;
    expect(options).toMatchObject({ bedrockRegion: 'us-east-1', bedrockAccessKey: 'AKIAEXAMPLE123', bedrockSecretKey: 'secret-example-123456' });
    expect(options.bedrockKey).toBeUndefined();
    expect(planOf(options).providers[0]).toMatchObject({ id: 'bedrock', tokens: [] });
  });

  it('offers the catalog key variant as an authentication mode (Claude Code token)', async () => {
    const t = new FakeTerminal();
    const result = runWizard({}, seed(), t.io({ isPortFree: allFree }));
    await pick(t, 'claude', 'Claude');
    await t.waitFor(/How does Claude authenticate\?[\s\S]*[❯>] API key/);
    t.type(KEY.down);
    await t.waitFor(/[❯>] Claude Code OAuth token/);
    t.answer();
    await t.waitFor('? Claude Code OAuth token');
    t.answer('oauth-token-0123456789');
    await t.waitFor('API version (2023-06-01)');
    t.answer();
    await t.waitFor('Claude model patterns');
    t.answer();
    await done(t);
    await defaultPorts(t);
    await noRoutingAndConfirm(t);
    const options = await result;
    expect(options.claudeCodeKey).toEqual(['oauth-token-0123456789']);
    expect(options.claudeKey).toBeUndefined();
    expect(planOf(options).providers[0]).toMatchObject({ tokens: ['oauth-token-0123456789'], extras: { claudeVersion: '2023-06-01', claudeCodeMode: true } });
  });

  it('requires the Vertex key file to exist and hold the fields the plugin signs with (standard mode)', async () => {
    const dir = tempDir();
    const keyFile = join(dir, 'sa.json');
    const key = { type: 'service_account', project_id: 'p', client_email: 'sa@p.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n', token_uri: 'https://oauth2.googleapis.com/token' };
    writeFileSync(keyFile, JSON.stringify(key));
    const partialFile = join(dir, 'partial.json');
    writeFileSync(partialFile, JSON.stringify({ type: 'service_account', project_id: 'p' }));
    const t = new FakeTerminal();
    const result = runWizard({}, seed(), t.io({ isPortFree: allFree }));
    await pick(t, 'vertex', 'Google Vertex AI');
    await t.waitFor('How does Google Vertex AI authenticate?');
    t.type(KEY.down);
    await t.waitFor(/[❯>] standard mode: Service-account JSON key file/);
    t.answer();
    await t.waitFor('Google Cloud project id');
    t.answer('my-project');
    await t.waitFor('Region');
    t.answer('us-central1');
    await t.waitFor('Service-account JSON key file (standard mode)');
    t.answer(join(dir, 'missing.json'));
    await t.waitFor('> Service-account JSON key file (standard mode):');
    await t.waitFor('does not exist');
    t.type(KEY.clearLine);
    t.answer(partialFile);
    await t.waitFor('is missing client_email');
    t.type(KEY.clearLine);
    t.answer(keyFile);
    await t.waitFor('OAuth registry name');
    t.answer('vertex-auth');
    await t.waitFor('model patterns');
    t.answer();
    await done(t);
    await defaultPorts(t);
    await noRoutingAndConfirm(t);
    const options = await result;
    expect(options).toMatchObject({ vertexProjectId: 'my-project', vertexRegion: 'us-central1', vertexAuthKeyFile: keyFile, vertexAuthServiceName: 'vertex-auth' });
    expect(JSON.parse(String(planOf(options).providers[0]!.extras.vertexAuthKey))).toEqual(key);
  });

  it('offers the DeepL model of the key\'s plan (Free for a key ending in :fx)', async () => {
    const t = new FakeTerminal();
    const result = runWizard({}, seed(), t.io({ isPortFree: allFree }));
    await pick(t, 'deepl', 'DeepL');
    await t.waitFor('DeepL API key');
    t.answer('0123456789abcdef:fx');
    await t.waitFor('Target language');
    t.answer('DE');
    await t.waitFor(/DeepL model patterns.*\(Free\)/);
    t.answer();
    await done(t);
    await defaultPorts(t);
    await noRoutingAndConfirm(t);
    const options = await result;
    expect(planOf(options).providers[0]).toMatchObject({ id: 'deepl', models: 'Free', extras: { targetLang: 'DE' } });
  });

  it('re-asks the whole provider when a rule across its fields fails (Dify Workflow)', async () => {
    const t = new FakeTerminal();
    const result = runWizard({}, seed(), t.io({ isPortFree: allFree }));
    await pick(t, 'dify', 'Dify');
    await t.waitFor('Dify API key');
    t.answer('app-123456789');
    await t.waitFor('API URL (optional)');
    t.answer();
    await t.waitFor(/Bot type[\s\S]*[❯>] Chat/);
    for (let i = 0; i < 3; i++) t.type(KEY.down);
    await t.waitFor(/[❯>] Workflow/);
    t.answer();
    await t.waitFor('Workflow input variable (optional)');
    t.answer();
    await t.waitFor('Workflow output variable (optional)');
    t.answer();
    await t.waitFor('Dify model patterns');
    t.answer();
    await t.waitFor('Not accepted: a Dify Workflow bot needs --dify-input-variable and');
    await t.waitFor('Dify API key (enter keeps app-***6789)');
    t.answer();
    await t.waitFor('API URL (optional)');
    t.answer();
    await t.waitFor(/Bot type[\s\S]*[❯>] Workflow/);
    t.answer();
    await t.waitFor('Workflow input variable');
    t.answer('query');
    await t.waitFor('Workflow output variable');
    t.answer('answer');
    await t.waitFor('Dify model patterns');
    t.answer();
    await done(t);
    await defaultPorts(t);
    await noRoutingAndConfirm(t);
    const options = await result;
    expect(options).toMatchObject({ difyKey: ['app-123456789'], difyBotType: 'Workflow', difyInputVariable: 'query', difyOutputVariable: 'answer' });
  });

  it('asks for what the flags leave out and keeps what they gave as defaults', async () => {
    const t = new FakeTerminal();
    const fromFlags = new Map<string, ProviderInput>([['azure', { tokens: ['flag-key-123456789'], extras: {} }]]);
    const result = runWizard({ azureKey: ['flag-key-123456789'] }, seed({ fromFlags, ports: { http: 18090, https: 8443, console: 8001 } }), t.io({ isPortFree: allFree }));
    await t.waitFor('Azure OpenAI from the flags: Azure OpenAI needs --azure-service-url');
    await t.waitFor('Azure OpenAI API key (enter keeps flag***6789)');
    t.answer();
    await t.waitFor('Deployment URL');
    t.answer('https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-06-01');
    await t.waitFor('model patterns');
    t.answer();
    await t.waitFor('Azure OpenAI [configured]');
    await done(t);
    await t.waitFor('HTTP port on 127.0.0.1 (18090)');
    t.answer();
    await t.waitFor('HTTPS port');
    t.answer();
    await t.waitFor('Console port');
    t.answer();
    await noRoutingAndConfirm(t);
    expect(await result).toMatchObject({ azureKey: ['flag-key-123456789'], httpPort: '18090' });
  });
});

describe('leaving the wizard', () => {
  /** A fresh data folder path that does not exist yet, and start's options for it. */
  function fresh() {
    const folder = join(tempDir(), 'gateway');
    return { folder, options: { dataFolder: folder, pull: 'missing', timeout: '120' } };
  }
  const terminal = { stdin: { isTTY: true }, stdout: { isTTY: true } };

  it('Ctrl-C at the confirmation exits 130 and leaves nothing behind', async () => {
    const { folder, options } = fresh();
    const t = new FakeTerminal();
    const result = runWizardIfNeeded(options, { env: {}, timezone, terminal, io: t.io({ isPortFree: allFree }), containerExists: async () => false });
    const outcome = result.then(
      () => undefined,
      (error: unknown) => error,
    );
    await upToConfirmation(t);
    t.type(KEY.ctrlC);

    const error = await outcome;
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).exitCode).toBe(130);
    expect(((error as Error).cause as Error).name).toBe('ExitPromptError');
    expect(existsSync(folder)).toBe(false);
    expect(readdirSync(dirname(folder))).toEqual([]);
  });

  it('Esc in a provider\'s questions goes back to the list (provider left out); Esc in the list, the first step, exits 130', async () => {
    const { folder, options } = fresh();
    const t = new FakeTerminal();
    const outcome = runWizardIfNeeded(options, { env: {}, timezone, terminal, io: t.io(), containerExists: async () => false }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await pick(t, 'deeps', 'DeepSeek');
    await t.waitFor('DeepSeek API key');
    t.type('sk-half');
    t.escape();
    await t.waitFor('(Esc: DeepSeek left as it was)');
    await t.waitFor(/Add, change or remove a provider[\s\S]*- Done \(pick a provider first\)/);
    t.escape();
    const error = await outcome;
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).exitCode).toBe(130);
    expect(((error as Error).cause as Error).name).toBe('AbortPromptError');
    expect(existsSync(folder)).toBe(false);
  });

  it('Esc goes back one step at a time: console port → HTTPS port → routing → … keeping the answers', async () => {
    const t = new FakeTerminal();
    const result = runWizard({}, seed(), t.io({ isPortFree: allFree }));
    await addDeepSeek(t);
    await t.waitFor('HTTP port');
    t.answer('18080');
    await t.waitFor('HTTPS port');
    t.answer('18443');
    await t.waitFor('Console port');
    t.escape();
    // Back at the HTTPS port with its answer as the default; then forward again.
    await t.waitFor('HTTPS port on 127.0.0.1 (18443)');
    t.answer();
    await t.waitFor('Console port');
    t.answer('18001');
    await t.waitFor('Turn on auto-routing');
    t.escape();
    await t.waitFor('Console port on 127.0.0.1 (18001)');
    t.escape();
    await t.waitFor('HTTPS port');
    t.escape();
    await t.waitFor('HTTP port on 127.0.0.1 (18080)');
    t.escape();
    // Out of the ports: the provider list, DeepSeek still picked.
    await t.waitFor(/[❯>] Done: continue with 1 provider/);
    t.answer();
    for (const label of ['HTTP port on 127.0.0.1 (18080)', 'HTTPS port on 127.0.0.1 (18443)', 'Console port on 127.0.0.1 (18001)']) {
      await t.waitFor(label);
      t.answer();
    }
    await noRoutingAndConfirm(t);
    expect(await result).toMatchObject({ deepseekKey: ['sk-test-1234567890'], httpPort: '18080', httpsPort: '18443', consolePort: '18001' });
  });

  it('the summary edits one section, comes back to the summary and keeps every other answer', async () => {
    const t = new FakeTerminal();
    const result = runWizard({}, seed(), t.io({ isPortFree: allFree }));
    await upToConfirmation(t);
    // Change the ports: the three questions again, answers as defaults, then the summary again.
    t.type(KEY.down);
    t.type(KEY.down);
    await t.waitFor(/[❯>] Change the ports/);
    t.answer();
    await t.waitFor('HTTP port on 127.0.0.1 (8080)');
    t.answer('9090');
    await t.waitFor('HTTPS port');
    t.answer();
    await t.waitFor('Console port');
    t.answer();
    const screen = await t.waitFor('Write this configuration and start the gateway?');
    expect(screen).toContain('DeepSeek: key sk-t***7890');
    expect(screen).toContain('HTTP 9090, HTTPS 8443, console 8001');
    // Change the providers: add a second one; DeepSeek is still there.
    t.type(KEY.down);
    await t.waitFor(/[❯>] Change the providers/);
    t.answer();
    await pick(t, 'moon', 'Moonshot');
    await t.waitFor('Moonshot (Kimi) API key');
    t.answer('sk-moon-1234567890');
    await t.waitFor('Moonshot (Kimi) model patterns');
    t.answer();
    await done(t, 'Done: continue with 2 providers');
    // Straight back to the summary: ports and routing as they were.
    const again = await t.waitFor('Write this configuration and start the gateway?');
    expect(again).toContain('DeepSeek: key sk-t***7890');
    expect(again).toContain('Moonshot (Kimi): key sk-m***7890');
    expect(again).toContain('HTTP 9090');
    t.answer();
    expect(await result).toMatchObject({ deepseekKey: ['sk-test-1234567890'], moonshotKey: ['sk-moon-1234567890'], httpPort: '9090' });
  });

  it('"No, cancel" at the summary (typing n) cancels without writing', async () => {
    const t = new FakeTerminal();
    const outcome = runWizard({}, seed(), t.io({ isPortFree: allFree })).then(
      () => undefined,
      (error: unknown) => error,
    );
    await upToConfirmation(t);
    t.type('n');
    await t.waitFor(/[❯>] No, cancel: nothing is written/);
    t.answer();
    expect(await outcome).toBeInstanceOf(InterruptedError);
  });
});

describe('when the wizard runs', () => {
  const tty = { stdin: { isTTY: true }, stdout: { isTTY: true } };

  it('only for a person at a terminal who did not opt out', () => {
    expect(shouldPrompt({}, {}, tty)).toBe(true);
    expect(shouldPrompt({}, { CI: 'true' }, tty)).toBe(false);
    expect(shouldPrompt({ nonInteractive: true }, {}, tty)).toBe(false);
    expect(shouldPrompt({ batch: true }, {}, tty)).toBe(false);
    expect(shouldPrompt({ json: true }, {}, tty)).toBe(false);
    expect(shouldPrompt({}, {}, { stdin: { isTTY: false }, stdout: { isTTY: true } })).toBe(false);
    expect(shouldPrompt({}, {}, { stdin: { isTTY: true }, stdout: {} })).toBe(false);
  });

  it('without a terminal returns the options untouched and prompts nothing', async () => {
    const t = new FakeTerminal();
    const options = { dataFolder: tempDir() };
    const result = await runWizardIfNeeded(options, {
      env: {},
      timezone,
      terminal: { stdin: {}, stdout: {} },
      io: t.io(),
      containerExists: async () => {
        throw new Error('must not be asked');
      },
    });
    expect(result).toBe(options);
    expect(t.text).toBe('');
  });

  /** A data folder `start --deepseek-key` would have made. */
  async function configuredFolder(): Promise<string> {
    const folder = tempDir();
    const plan = planStart({ options: { dataFolder: folder, deepseekKey: ['sk-old-1234567890'] }, env: {}, timezone });
    for (const file of await renderFreshDataFolder(plan)) {
      mkdirSync(dirname(join(folder, file.path)), { recursive: true });
      writeFileSync(join(folder, file.path), file.content);
    }
    return folder;
  }

  it('skips an existing deployment (data folder or container) unless --reconfigure', async () => {
    const folder = await configuredFolder();
    const t = new FakeTerminal();
    const ctx = { env: {}, timezone, terminal: tty, io: t.io(), containerExists: async () => false };
    const options = { dataFolder: folder };
    expect(await runWizardIfNeeded(options, ctx)).toBe(options);
    const other = { dataFolder: join(tempDir(), 'new') };
    expect(await runWizardIfNeeded(other, { ...ctx, containerExists: async () => true })).toBe(other);
    expect(t.text).toBe('');
  });

  it('with --reconfigure shows the configured providers and keeps them when nothing is picked', async () => {
    const folder = await configuredFolder();
    const t = new FakeTerminal();
    const result = runWizardIfNeeded(
      { dataFolder: folder, reconfigure: true },
      { env: {}, timezone, terminal: tty, io: t.io({ isPortFree: allFree }), containerExists: async () => false },
    );
    await t.waitFor(/[❯>] Done: keep the configured providers[\s\S]*DeepSeek \[configured\]/);
    t.answer();
    await defaultPorts(t);
    await t.waitFor('Turn on auto-routing');
    t.answer('n');
    const screen = await t.waitFor('Write this configuration');
    expect(screen).toContain('Unchanged: DeepSeek');
    t.answer();
    const options = await result;
    expect(options.deepseekKey).toBeUndefined();
  });

  it('with --reconfigure offers the stored key and models as defaults, and leaves the ports of a container alone', async () => {
    const folder = await configuredFolder();
    const t = new FakeTerminal();
    const result = runWizardIfNeeded(
      { dataFolder: folder, reconfigure: true },
      { env: {}, timezone, terminal: tty, io: t.io(), containerExists: async () => true },
    );
    await pick(t, 'deeps', 'DeepSeek [configured]');
    await t.waitFor(/[❯>] Change its settings/);
    t.answer();
    await t.waitFor('DeepSeek API key (enter keeps sk-o***7890)');
    t.answer();
    await t.waitFor('DeepSeek model patterns (comma-separated, * = any) (deepseek-*)');
    t.answer();
    await done(t);
    await t.waitFor('Turn on auto-routing');
    t.answer('n');
    const screen = await t.waitFor('Write this configuration');
    expect(screen).toContain('Ports: those of the existing container');
    t.answer();
    const options = await result;
    expect(options).toMatchObject({ deepseekKey: ['sk-old-1234567890'], deepseekModels: 'deepseek-*' });
    expect(options.httpPort).toBeUndefined();
  });

  it('with --reconfigure removes a configured provider; start then removes every trace of it', async () => {
    const folder = await configuredFolder();
    const t = new FakeTerminal();
    const result = runWizardIfNeeded(
      { dataFolder: folder, reconfigure: true },
      { env: {}, timezone, terminal: tty, io: t.io({ isPortFree: allFree }), containerExists: async () => false },
    );
    await pick(t, 'deeps', 'DeepSeek [configured]');
    await t.waitFor(/[❯>] Change its settings/);
    t.type(KEY.down);
    await t.waitFor(/[❯>] Remove it from/);
    t.answer();
    await t.waitFor('DeepSeek will be removed.');
    // Nothing would be left: Done is disabled until another provider is picked.
    await t.waitFor(/- Done \(pick a provider first\)[\s\S]*DeepSeek \[to be removed\]/);
    t.type('moon');
    await t.waitFor(/[❯>] Moonshot/);
    t.answer();
    await t.waitFor('Moonshot (Kimi) API key');
    t.answer('sk-moon-1234567890');
    await t.waitFor('Moonshot (Kimi) model patterns');
    t.answer();
    await done(t, 'Done: continue with 1 provider');
    await defaultPorts(t);
    await t.waitFor('Turn on auto-routing');
    t.answer('n');
    const screen = await t.waitFor('Write this configuration');
    expect(screen).toContain('Removed: DeepSeek');
    expect(screen).not.toContain('Unchanged: DeepSeek');
    t.answer();
    const options = await result;
    expect(options.removeProviders).toEqual(['deepseek']);

    // The same plan start makes from these options removes DeepSeek's resources from the files.
    const plan = planStart({ options, env: {}, timezone });
    expect(plan.removeProviders).toEqual(['deepseek']);
    expect(plan.settings.models.deepseek).toBeUndefined();
    const { GatewayFiles } = await import('../../../src/core/gateway-files.js');
    const { applyPlanToFiles } = await import('../../../src/core/start-plan.js');
    const { readFileSync } = await import('node:fs');
    const files = await GatewayFiles.load(async (path) => (existsSync(join(folder, path)) ? readFileSync(join(folder, path), 'utf8') : null), { editable: true });
    expect(files.configuredProviders().map((c) => c.id)).toEqual(['deepseek']);
    await applyPlanToFiles(files, plan);
    expect(files.configuredProviders().map((c) => c.id)).toEqual(['moonshot']);
    expect(files.changes().filter((c) => c.content === null).map((c) => c.path).sort()).toEqual(['configmaps/ai-route-deepseek.yaml', 'ingresses/ai-route-deepseek.internal.yaml']);
  });
});
