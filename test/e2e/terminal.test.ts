// The setup wizard in a real terminal: the BUILT CLI runs inside tmux (80x30, NO_COLOR, TERM=linux, CI unset),
// the test waits for each prompt on the captured screen (bounded polls, no fixed sleeps) and answers with
// keystrokes. Ends with the gateway double up and answering; leaving with Esc or Ctrl-C writes nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dockerFor, fetchWithTimeout, freePorts, loadTestBed, REPO_ROOT, waitFor, type TestBed } from '../helpers/test-bed.js';

const SOCKET = `gag-terminal-${process.pid}`;
const BIN = path.join(REPO_ROOT, 'bin', 'get-ai-gateway.js');
const NO_PROVIDER = 'no LLM provider configured: pass --<provider>-key … or run in a terminal';

let bed: TestBed;
let docker: Docker;
const containers: string[] = [];
const tempDirs: string[] = [];
let sessions = 0;

const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gag-terminal-'));
  tempDirs.push(dir);
  return dir;
}

function uniqueName(): string {
  const name = `gag-terminal-${process.pid}-${containers.length}-${Math.random().toString(36).slice(2, 8)}`;
  containers.push(name);
  return name;
}

/** A terminal running the CLI with `args`; the shell prints EXIT=<code> when it ends and keeps the pane. */
class Terminal {
  readonly name = `t${++sessions}`;

  /** `colors`: a colour terminal (TERM=xterm-256color, no NO_COLOR); `width`: its columns (80). */
  constructor(args: string[], opts: { colors?: boolean; width?: number } = {}) {
    const env = ['env', '-u', 'CI', ...(opts.colors ? ['-u', 'NO_COLOR', 'TERM=xterm-256color'] : ['NO_COLOR=1', 'TERM=linux']), `DOCKER_HOST=${bed.dockerHost}`];
    const command = `cd ${quote(REPO_ROOT)} && ${[...env, 'node', BIN, ...args].map(quote).join(' ')}; echo "EXIT=$?"; exec sleep 3600`;
    tmux('new-session', '-d', '-s', this.name, '-x', String(opts.width ?? 80), '-y', '30', command);
  }

  /** What is on the screen now. */
  screen(): string {
    return tmux('capture-pane', '-p', '-t', this.name);
  }

  /** The whole session so far (scrollback included), wrapped lines joined back; `attributes` keeps colours as escapes. */
  transcript(attributes = false): string {
    return tmux('capture-pane', '-p', '-J', ...(attributes ? ['-e'] : []), '-S', '-', '-t', this.name);
  }

  async waitScreen(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    return waitFor(`${pattern} on the screen`, () => {
      const screen = this.screen();
      return pattern.test(screen) ? screen : undefined;
    }, { timeoutMs, intervalMs: 100 }).catch((error: Error) => {
      throw new Error(`${error.message}\n--- screen ---\n${this.screen()}`);
    });
  }

  /** Waits until the prompt is the active one (inquirer marks an unanswered prompt with "?"). */
  prompt(text: string): Promise<string> {
    return this.waitScreen(new RegExp(`^\\? ${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
  }

  type(text: string): void {
    tmux('send-keys', '-t', this.name, '-l', text);
  }

  key(...keys: string[]): void {
    tmux('send-keys', '-t', this.name, ...keys);
  }

  answer(text = ''): void {
    if (text) this.type(text);
    this.key('Enter');
  }

  async exitCode(timeoutMs = 15_000): Promise<number> {
    const found = await waitFor(`the CLI to exit in ${this.name}`, () => /^EXIT=(\d+)$/m.exec(this.transcript()) ?? undefined, {
      timeoutMs,
      intervalMs: 200,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n--- transcript ---\n${this.transcript()}`);
    });
    return Number(found[1]);
  }
}

async function containerExists(name: string): Promise<boolean> {
  try {
    await docker.getContainer(name).inspect();
    return true;
  } catch {
    return false;
  }
}

function files(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder, { recursive: true }).map(String) : [];
}

beforeAll(() => {
  bed = loadTestBed();
  docker = dockerFor(bed);
});

afterAll(async () => {
  for (const name of containers) await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
  try {
    tmux('kill-server');
  } catch {
    /* no session was started */
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('start in a real terminal', () => {
  it('runs the wizard for a one-provider setup and brings the gateway up', async () => {
    const data = path.join(tempDir(), 'gateway');
    const name = uniqueName();
    const [http, https, consolePort] = await freePorts(3);
    const key = 'sk-terminal-e2e-0123456789';
    const t = new Terminal([
      'start', '--data-folder', data, '--image-repo', bed.imageRepo, '--image-tag', bed.imageTag, '--container-name', name,
      '--https-port', String(https), '--console-port', String(consolePort),
    ]);

    await t.prompt('Add, change or remove a provider');
    t.type('deepseek');
    await t.waitScreen(/^[❯>] DeepSeek/m);
    t.answer();
    await t.prompt('DeepSeek API key');
    t.answer(key);
    await t.prompt('DeepSeek model patterns');
    t.answer();
    await t.waitScreen(/^[❯>] Done: continue with 1 provider/m);
    t.answer();
    await t.prompt('HTTP port on 127.0.0.1');
    t.answer(String(http)); // typed in the wizard
    await t.prompt(`HTTPS port on 127.0.0.1 (${https})`); // from the flag
    t.answer();
    await t.prompt(`Console port on 127.0.0.1 (${consolePort})`);
    t.answer();
    await t.prompt('Turn on auto-routing');
    t.answer('n');
    await t.prompt('Write this configuration and start the gateway?');

    const wizard = t.transcript();
    expect(wizard).toContain('DeepSeek: key sk-t***6789');
    expect(wizard).toContain(`Ports on 127.0.0.1: HTTP ${http}, HTTPS ${https}, console ${consolePort}`);
    expect(wizard).not.toContain(key);
    expect(t.transcript(true)).not.toContain('\x1b['); // NO_COLOR: no colour or bold anywhere on the screen
    // 80 columns: no line of the wizard wrapped (-J joins wrapped lines back).
    expect(wizard.split('\n').filter((line) => line.trimEnd().length > 80)).toEqual([]);
    expect(files(data)).toEqual([]); // nothing written before the confirmation

    t.answer();
    await t.waitScreen(/Higress AI Gateway is up/, 150_000).catch(async (error: Error) => {
      throw new Error(`${error.message}\n--- transcript ---\n${t.transcript()}`);
    });
    expect(await t.exitCode()).toBe(0);

    const state = await fetchWithTimeout(`http://127.0.0.1:${http}/__double/state`);
    expect(state.status).toBe(200);
    expect(JSON.stringify(await state.json())).toContain('deepseek');
    expect(readFileSync(path.join(data, 'wasmplugins', 'ai-proxy.internal.yaml'), 'utf8')).toContain(key);
    expect(existsSync(path.join(data, '.ai-gateway-configured'))).toBe(true);
  });

  it('Esc goes back one step: from a provider\'s questions to the list, from the list (the first step) out: exit 130, nothing written', async () => {
    const data = path.join(tempDir(), 'gateway');
    const name = uniqueName();
    const t = new Terminal(['start', '--data-folder', data, '--image-repo', bed.imageRepo, '--image-tag', bed.imageTag, '--container-name', name]);
    await t.prompt('Add, change or remove a provider');
    t.type('deepseek');
    await t.waitScreen(/^[❯>] DeepSeek/m);
    t.answer();
    await t.prompt('DeepSeek API key');
    t.type('sk-half-typed');
    t.key('Escape');
    await t.waitScreen(/\(Esc: DeepSeek left as it was\)/);
    await t.prompt('Add, change or remove a provider');
    expect(t.screen()).not.toContain('DeepSeek [configured]');
    t.key('Escape');
    expect(await t.exitCode()).toBe(130);
    expect(t.transcript()).toContain('setup cancelled: nothing was written and no container was created');
    expect(files(data)).toEqual([]);
    expect(await containerExists(name)).toBe(false);
  });

  it('--reconfigure: remove a provider, step back through the ports with Esc, change a section from the summary', async () => {
    const data = path.join(tempDir(), 'gateway');
    const name = uniqueName();
    for (const [provider, key] of [['deepseek', 'sk-deepseek-0123456789'], ['moonshot', 'sk-moonshot-0123456789']]) {
      const added = await runCli(['config', 'add', '--provider', provider!, '--key', key!, '--data-folder', data], { env: { DOCKER_HOST: bed.dockerHost } });
      expect(added.exitCode, added.stderr).toBe(0);
    }
    const snapshot = () => files(data).map((f) => [f, statSync(path.join(data, f)).isFile() ? readFileSync(path.join(data, f), 'utf8') : '(folder)']);
    const before = snapshot();
    const [http, https, consolePort] = await freePorts(3);
    const t = new Terminal([
      'start', '--reconfigure', '--dry-run', '--data-folder', data, '--container-name', name,
      '--http-port', String(http), '--https-port', String(https), '--console-port', String(consolePort),
    ]);
    await t.prompt('Add, change or remove a provider');
    t.type('deepseek');
    await t.waitScreen(/^[❯>] DeepSeek \[configured\]/m);
    t.answer();
    await t.waitScreen(/^[❯>] Change its settings/m);
    t.key('Down');
    await t.waitScreen(/^[❯>] Remove it from/m);
    t.answer();
    await t.waitScreen(/DeepSeek will be removed\./);
    await t.waitScreen(/^[❯>] Done: keep the configured providers/m);
    t.answer();
    await t.prompt(`HTTP port on 127.0.0.1 (${http})`);
    t.answer();
    await t.prompt(`HTTPS port on 127.0.0.1 (${https})`);
    t.key('Escape'); // back to the HTTP port
    await t.prompt(`HTTP port on 127.0.0.1 (${http})`);
    t.answer();
    await t.prompt(`HTTPS port on 127.0.0.1 (${https})`);
    t.answer();
    await t.prompt(`Console port on 127.0.0.1 (${consolePort})`);
    t.answer();
    await t.prompt('Turn on auto-routing');
    t.answer('n');
    await t.prompt('Show the plan for this setup (nothing is written)?');
    let transcript = t.transcript();
    expect(transcript).toContain('Unchanged: Moonshot (Kimi)');
    expect(transcript).toContain('Removed: DeepSeek');
    // Change the ports from the summary: only that section is asked again, then the summary.
    const [newHttp] = await freePorts(1);
    t.key('Down', 'Down');
    await t.waitScreen(/^[❯>] Change the ports/m);
    t.answer();
    await t.prompt(`HTTP port on 127.0.0.1 (${http})`);
    t.key('C-u');
    t.answer(String(newHttp));
    await t.prompt(`HTTPS port on 127.0.0.1 (${https})`);
    t.answer();
    await t.prompt(`Console port on 127.0.0.1 (${consolePort})`);
    t.answer();
    await t.prompt('Show the plan for this setup (nothing is written)?');
    transcript = t.transcript();
    expect(transcript.slice(transcript.lastIndexOf('Summary:'))).toContain(`Ports on 127.0.0.1: HTTP ${newHttp}, HTTPS ${https}, console ${consolePort}`);
    expect(transcript.slice(transcript.lastIndexOf('Summary:'))).toContain('Removed: DeepSeek');
    t.answer();
    expect(await t.exitCode()).toBe(0);
    transcript = t.transcript();
    expect(transcript).toContain('Remove:          DeepSeek (deepseek)');
    expect(transcript).toContain(`:${newHttp} HTTP`);
    // A dry run: the folder is as it was.
    expect(snapshot()).toEqual(before);
  });

  it('Ctrl-C at the confirmation exits 130 with nothing written and no container', async () => {
    const data = path.join(tempDir(), 'gateway');
    const name = uniqueName();
    const t = new Terminal([
      'start', '--data-folder', data, '--image-repo', bed.imageRepo, '--image-tag', bed.imageTag, '--container-name', name,
      '--deepseek-key', 'sk-from-flag-0123456789', ...(await freePorts(3)).flatMap((port, i) => [['--http-port', '--https-port', '--console-port'][i]!, String(port)]),
    ]);
    // The flag's provider is already configured: Done is ready.
    await t.waitScreen(/^[❯>] Done: continue with 1 provider/m);
    expect(t.screen()).toContain('DeepSeek [configured]');
    t.answer();
    for (const label of ['HTTP port', 'HTTPS port', 'Console port']) {
      await t.prompt(label);
      t.answer();
    }
    await t.prompt('Turn on auto-routing');
    t.answer('n');
    await t.prompt('Write this configuration and start the gateway?');
    t.key('C-c');
    expect(await t.exitCode()).toBe(130);
    expect(files(data)).toEqual([]);
    expect(await containerExists(name)).toBe(false);
  });

  // Output goes to the file descriptor (src/ui/terminal.ts); a terminal is still told from a pipe or a file.
  it('in a terminal, help fits its width and output is in colour; piped, neither', async () => {
    // Commander wraps flag descriptions at the width it is given: the terminal's, else 80.
    const optionLines = (text: string) => text.split('\n').filter((line) => /^ {2}-/.test(line));
    const help = new Terminal(['config', 'add', '--help'], { width: 130 });
    expect(await help.exitCode()).toBe(0);
    const wide = optionLines(help.transcript());
    expect(wide.length).toBeGreaterThan(20);
    expect(wide.some((line) => line.trimEnd().length > 80)).toBe(true);
    expect(wide.filter((line) => line.trimEnd().length > 130)).toEqual([]);
    const piped = optionLines((await runCli(['config', 'add', '--help'])).stdout);
    expect(piped.length).toBeGreaterThan(20);
    expect(piped.filter((line) => line.length > 80)).toEqual([]);

    const args = ['start', '--dry-run', '--non-interactive', '--deepseek-key', 'sk-terminal-0000', '--data-folder', path.join(tempDir(), 'gateway')];
    const plan = new Terminal(args, { colors: true });
    expect(await plan.exitCode()).toBe(0);
    expect(plan.transcript(true)).toMatch(/\x1b\[1mPlan \(dry run/);
    const planPiped = await runCli(args, { env: { NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm-256color' } });
    expect(planPiped.exitCode).toBe(0);
    expect(planPiped.stdout).toContain('Plan (dry run');
    expect(planPiped.stdout).not.toContain('\x1b[');
  });

  it('never prompts with --non-interactive or without a terminal: exit 2 when no provider is configured', async () => {
    const data = path.join(tempDir(), 'gateway');
    const name = uniqueName();
    const common = ['--data-folder', data, '--image-repo', bed.imageRepo, '--image-tag', bed.imageTag, '--container-name', name];
    const t = new Terminal(['start', '--non-interactive', ...common]);
    expect(await t.exitCode(60_000)).toBe(2);
    expect(t.transcript()).toContain(NO_PROVIDER);

    const piped = await runCli(['start', ...common], { env: { CI: undefined, DOCKER_HOST: bed.dockerHost } });
    expect(piped.exitCode).toBe(2);
    expect(piped.stderr).toContain(NO_PROVIDER);
    expect(piped.stdout).not.toContain('Add, change or remove a provider');
    expect(files(data)).toEqual([]);
    expect(await containerExists(name)).toBe(false);
  });
});
