import type { Command } from 'commander';
import { addExtraFieldFlags, addResilienceFlags } from '../core/provider-flags.js';
import { createOutput } from '../ui/output.js';
import { SUMMARIES } from './summaries.js';

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** The flags every command finds its deployment with (see core/deployment.ts), and --json. */
export function deploymentOptions(command: Command): Command {
  return command
    .option('--container-name <name>', 'gateway container (default: the name in ./higress/default.cfg, else the only get-ai-gateway container, else higress-ai-gateway)')
    .option('--data-folder <path>', "data folder (default: ./higress when it holds a gateway, else the container's)")
    .option('--json', 'print the result as JSON (errors too)');
}

export const WRITE_MODE = 'host, container or auto: where the final rename happens (default: auto, which is inside the container on Docker Desktop and on the host elsewhere; or GET_AI_GATEWAY_WRITE_MODE)';

export function registerConfig(program: Command, only?: string): void {
  const config = program.command('config').description(SUMMARIES.config);

  deploymentOptions(config.command('list').description('List configured providers with masked keys'))
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway config list\n  $ get-ai-gateway config list --json')
    .action(async (options: Record<string, unknown>) => {
      const { listProviders } = await import('../core/config-list.js');
      await listProviders(options, createOutput(options));
    });

  const add = deploymentOptions(config.command('add').description('Add a provider or replace its keys'))
    .requiredOption('--provider <name>', 'provider id or alias (e.g. openai, qwen, kimi, claude-code)')
    .option('--key <key>', 'API key; repeat for a key pool', collect)
    .option('--key-stdin', 'read keys from standard input, one per line')
    .option('--key-env <VAR>', 'read the key (or comma-separated keys) from an environment variable')
    .option('--append', 'add the keys to the pool instead of replacing it')
    .option('--models <patterns>', 'exact model names and * globs this provider serves, comma-separated (e.g. "gpt-4o,o3-*"; "*" = any)')
    .option('--fallback', 'make it the provider for model names no other provider lists (adds "*" to its models)')
    .option('--extra-config <key=value>', 'provider fields by their gateway name, e.g. zhipuDomain=api.z.ai (repeatable; as get-ai-gateway.sh skill documents write it)', collect)
    .option('--write-mode <mode>', WRITE_MODE);
  // Every provider's field flags: defined only when `config add` may run or show its help.
  if (only === undefined || only === 'add') {
    addExtraFieldFlags(add);
    addResilienceFlags(add);
  }
  add
    .addHelpText(
      'after',
      `
Examples:
  $ get-ai-gateway config add --provider deepseek --key-env DEEPSEEK_API_KEY
  $ get-ai-gateway config add --provider groq --key-env GROQ_API_KEY --models "*" --fallback
  $ printf '%s\\n' "$KEY1" "$KEY2" | get-ai-gateway config add --provider openai --key-stdin
  $ get-ai-gateway config add --provider openai --key-env OPENAI_KEYS --failover --retries 1 --model-map "gpt-4=gpt-4o"
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
    .option('--write-mode <mode>', WRITE_MODE)
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway config remove --provider deepseek')
    .action(async (options: Record<string, unknown>) => {
      const { removeProvider } = await import('../core/config-commands.js');
      await removeProvider(options, createOutput(options));
    });
}

