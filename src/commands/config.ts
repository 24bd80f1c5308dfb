import type { Command } from 'commander';
import { addExtraFieldFlags } from '../core/provider-flags.js';
import { createOutput } from '../ui/output.js';
import { SUMMARIES } from './summaries.js';

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

function deploymentOptions(command: Command): Command {
  return command
    .option('--container-name <name>', 'container whose data folder to use (default higress-ai-gateway)')
    .option('--data-folder <path>', 'data folder (default: from the container, else ./higress)')
    .option('--json', 'print the result as JSON');
}

export function registerConfig(program: Command): void {
  const config = program.command('config').description(SUMMARIES.config);

  deploymentOptions(config.command('list').description('List configured providers with masked keys'))
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway config list\n  $ get-ai-gateway config list --json')
    .action(async (options: Record<string, unknown>) => {
      const { listProviders } = await import('../core/config-list.js');
      await listProviders(options, createOutput(options));
    });

  const add = deploymentOptions(config.command('add').description('Add a provider or replace its keys'))
    .requiredOption('--provider <name>', 'provider id or alias (e.g. openai, qwen, kimi)')
    .option('--key <key>', 'API key; repeat for a key pool', collect)
    .option('--key-stdin', 'read keys from standard input, one per line')
    .option('--key-env <VAR>', 'read the key (or comma-separated keys) from an environment variable')
    .option('--append', 'add the keys to the pool instead of replacing it')
    .option('--models <patterns>', 'exact model names and * globs this provider serves, comma-separated (e.g. "gpt-4o,o3-*"; "*" = any)')
    .option('--fallback', 'make it the provider for model names no other provider lists (adds "*" to its models)')
    .option('--write-mode <mode>', 'host (default) or container: do the final rename inside the container');
  addExtraFieldFlags(add);
  add
    .addHelpText(
      'after',
      `
Examples:
  $ get-ai-gateway config add --provider deepseek --key-env DEEPSEEK_API_KEY
  $ get-ai-gateway config add --provider groq --key-env GROQ_API_KEY --models "*" --fallback
  $ printf '%s\\n' "$KEY1" "$KEY2" | get-ai-gateway config add --provider openai --key-stdin
  $ get-ai-gateway config add --provider azure --key-env AZURE_KEY --azure-service-url "https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-06-01"`,
    )
    .action(async (options: Record<string, unknown>) => {
      const { addProvider } = await import('../core/config-commands.js');
      await addProvider(options, createOutput(options));
    });

  deploymentOptions(config.command('fallback').description('Choose the provider that gets model names no other provider lists'))
    .requiredOption('--provider <name>', 'provider id or alias (must be configured; "*" is added to its models)')
    .option('--write-mode <mode>', 'host (default) or container')
    .addHelpText(
      'after',
      `
Several providers may list "*" (any model); only one of them, the fallback, gets names no other route takes.
The others stay reachable as <provider-id>/<model>. Without a choice, the first configured provider listing "*" is it.

Examples:
  $ get-ai-gateway config fallback --provider openrouter`,
    )
    .action(async (options: Record<string, unknown>) => {
      const { setFallbackProvider } = await import('../core/config-commands.js');
      await setFallbackProvider(options, createOutput(options));
    });

  deploymentOptions(config.command('remove').description('Remove a provider and everything that routes to it'))
    .requiredOption('--provider <name>', 'provider id or alias')
    .option('--strict', 'refuse (exit 2) when an auto-routing rule or the default model would reach no provider (default: warn)')
    .option('--write-mode <mode>', 'host (default) or container')
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway config remove --provider deepseek')
    .action(async (options: Record<string, unknown>) => {
      const { removeProvider } = await import('../core/config-commands.js');
      await removeProvider(options, createOutput(options));
    });
}

export { deploymentOptions };
