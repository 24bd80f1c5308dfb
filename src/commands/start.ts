import { Command, Option } from 'commander';
import { addStartProviderFlags, addStartResilienceFlags } from '../core/provider-flags.js';
import { createOutput } from '../ui/output.js';
import { SUMMARIES } from './summaries.js';

/** Every `start` flag; shared with tests that parse real argument lists. */
export function defineStartOptions(command: Command): Command {
  command
    .description(SUMMARIES.start)
    .option('--non-interactive', 'never prompt; configure from flags only')
    .option('--batch', 'same as --non-interactive')
    .option('--http-port <port>', 'gateway HTTP port (default: 8080)')
    .option('--https-port <port>', 'gateway HTTPS port (default: 8443)')
    .option('--console-port <port>', 'console port (default: 8001)')
    .option('--bind-address <ip>', 'address the ports are published on (default: 127.0.0.1); any other turns access keys on')
    .option('--allow-open', 'publish beyond loopback without turning access keys on (anyone reaching the port can spend your keys)')
    .option('--container-name <name>', 'container name (default: the name in the data folder\'s default.cfg, else higress-ai-gateway)')
    .option('--image-repo <repo>', 'image repository (default: IMAGE_REPO, else the one in default.cfg, else the mirror nearest your timezone)')
    .option('--image-tag <tag>', 'image tag (default: latest)')
    .option('--data-folder <path>', 'where the configuration lives (default: ./higress, or the data folder of the only get-ai-gateway container)')
    .addOption(new Option('--pull <policy>', 'pull the image when missing or always (default: missing)').choices(['missing', 'always']))
    .option('--gateway-log-level <level>', "the gateway's log level, set when the container is created (default: the image's, warning); info also logs keys taken out of a pool, for status")
    .option('--timeout <seconds>', 'how long to wait for the gateway to serve (default: 120)')
    .option('--auto-routing', 'enable auto-routing for model higress/auto')
    .option('--auto-routing-default-model <model>', 'model used by higress/auto when no rule matches')
    .option('--reconfigure', 'run the setup wizard even if a deployment exists')
    .option('--recreate', 'recreate the container (same data folder) when image, tag, ports or bind address changed')
    .option('--keys-from-env', 'take each provider key from its environment variable (OPENAI_API_KEY, DEEPSEEK_API_KEY, …)')
    .option('--env-file <path>', 'take provider keys from a 0600 file of NAME_API_KEY=key lines')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--json', 'print the result as JSON (errors too)');
  return addStartResilienceFlags(addStartProviderFlags(command));
}

export function registerStart(program: Command): void {
  const command = defineStartOptions(program.command('start', { isDefault: true }));
  command.addHelpText(
    'after',
    `
Examples:
  $ get-ai-gateway start --non-interactive --openai-key sk-...
  $ OPENAI_API_KEY=sk-... get-ai-gateway start --non-interactive --keys-from-env
  $ get-ai-gateway start --non-interactive --env-file ./keys.env
  $ get-ai-gateway start --dashscope-key sk-... --deepseek-key sk-... --auto-routing --auto-routing-default-model qwen-turbo
  $ get-ai-gateway start --azure-key KEY --azure-service-url "https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-06-01"
  $ get-ai-gateway start --ollama-host 192.168.1.50 --ollama-port 11434 --dry-run`,
  );
  command.action(async (given: Record<string, unknown>) => {
    const out = createOutput({ json: Boolean(given.json) });
    const { detectTimezone } = await import('../core/mirror.js');
    const { planStart, withKeysFromSources } = await import('../core/start-plan.js');
    const { resolveDeployment } = await import('../core/deployment.js');
    const { repairBeforeRead } = await import('../core/gateway-read.js');
    const { checkDataFolder } = await import('../core/data-folder-guard.js');
    const [timezone, deployment] = await Promise.all([detectTimezone(), resolveDeployment(given)]);
    // The deployment found the same way as every other command does (its folder's settings, or its label).
    const located = { ...withKeysFromSources(given, process.env), dataFolder: deployment.dataFolder, containerName: deployment.containerName };
    if (checkDataFolder(deployment.dataFolder) !== 'absent') await repairBeforeRead(deployment.dataFolder);
    // At a terminal, the wizard completes the options; otherwise they are used as given.
    const { runWizardIfNeeded } = await import('../wizard/index.js');
    const options = await runWizardIfNeeded(located, { env: process.env, timezone });
    // The same validation for --dry-run and the real run: planStart refuses what the run would refuse.
    const plan = planStart({ options, env: process.env, timezone });
    if (plan.exposureWarning) out.warn(plan.exposureWarning);
    for (const warning of plan.warnings) out.warn(warning);
    if (options.dryRun) {
      const { printPlan } = await import('../ui/plan.js');
      await printPlan(plan, out);
      return;
    }
    const { runStart } = await import('../core/lifecycle.js');
    await runStart(plan, options, out);
  });
}
