/** When `start` runs the setup wizard, and what it seeds it with. */
import { PROVIDERS } from '../core/catalog.js';
import { GatewayFiles } from '../core/gateway-files.js';
import type { DetectedTimezone } from '../core/mirror.js';
import { optionKey, providerInputFromOptions, type ProviderInput } from '../core/provider-config.js';
import { planStart } from '../core/start-plan.js';
import { readDataFile } from '../core/store/index.js';
import type { WizardSeed } from './flow.js';
import type { WizardIO } from './prompter.js';

export type { WizardSeed } from './flow.js';
export type { WizardIO } from './prompter.js';

/** A person at a terminal (stdin and stdout are TTYs, CI unset) who did not ask for --non-interactive. */
export function shouldPrompt(
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  terminal: { stdin: { isTTY?: boolean }; stdout: { isTTY?: boolean } },
): boolean {
  if (options.nonInteractive || options.batch || options.json) return false;
  return Boolean(terminal.stdin.isTTY) && Boolean(terminal.stdout.isTTY) && !env.CI;
}


export interface WizardContext {
  env: NodeJS.ProcessEnv;
  timezone: DetectedTimezone;
  cwd?: string;
  terminal?: { stdin: { isTTY?: boolean }; stdout: { isTTY?: boolean } };
  io?: WizardIO;
  /** Whether a container of that name exists; defaults to asking the engine. */
  containerExists?: (name: string) => Promise<boolean>;
}

const askEngine = (tolerateErrors: boolean) => async (name: string) => {
  try {
    const { connectEngine, findContainer } = await import('../docker/index.js');
    const { docker } = await connectEngine();
    return (await findContainer(docker, name)) !== null;
  } catch (error) {
    if (tolerateErrors) return false;
    throw error;
  }
};

/**
 * `start`'s options, completed by the wizard when a person is at the terminal and nothing is deployed
 * yet (or --reconfigure); otherwise returned unchanged. Writes nothing.
 */
export async function runWizardIfNeeded(options: Record<string, unknown>, ctx: WizardContext): Promise<Record<string, unknown>> {
  if (!shouldPrompt(options, ctx.env, ctx.terminal ?? { stdin: process.stdin, stdout: process.stdout })) return options;
  // Loaded only now: scripts never pay for the prompt library.
  const { providerFlags, runWizard } = await import('./flow.js');
  // Options the wizard asks for itself (so incomplete ones do not stop it before it starts).
  const WIZARD_KEYS = new Set([...PROVIDERS.flatMap(providerFlags).map(optionKey), 'autoRouting', 'autoRoutingDefaultModel']);
  // Validates every other flag (ports included) exactly as non-interactive start does.
  const rest = Object.fromEntries(Object.entries(options).filter(([key]) => !WIZARD_KEYS.has(key)));
  const base = planStart({ options: rest, env: ctx.env, timezone: ctx.timezone, cwd: ctx.cwd });
  const containerExists = await (ctx.containerExists ?? askEngine(Boolean(options.dryRun)))(base.containerName);
  if ((base.existing || containerExists) && !options.reconfigure) return options;

  const files = await GatewayFiles.load((path) => readDataFile(base.dataFolder, path));
  const routing = files.autoRouting();
  const fromFlags = new Map<string, ProviderInput>();
  for (const provider of PROVIDERS) {
    const input = providerInputFromOptions(provider, options);
    if (input) fromFlags.set(provider.id, input);
  }
  const seed: WizardSeed = {
    dataFolder: base.dataFolder,
    bindAddress: base.bindAddress,
    ports: containerExists ? undefined : base.ports,
    configured: files.configuredProviders().filter((c) => c.provider).map(({ id, tokens, models, extras }) => ({ id, tokens, models, extras })),
    fromFlags,
    autoRouting: {
      enabled: Boolean(options.autoRouting || options.autoRoutingDefaultModel),
      defaultModel: (options.autoRoutingDefaultModel as string | undefined) ?? routing.defaultModel,
      alreadyOn: routing.enabled,
    },
    dryRun: Boolean(options.dryRun),
  };
  return runWizard(options, seed, ctx.io);
}
