import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { deploymentOptions } from './config.js';
import { SUMMARIES } from './summaries.js';

export function registerUsage(program: Command): void {
  deploymentOptions(program.command('usage').description(SUMMARIES.usage))
    .option('--since <when>', 'only requests since a duration ago (30m, 1h, 7d) or a date (2024-05-01)')
    .option('--by <group>', 'group by model, provider, day or consumer (the access key\'s name) (default: model)')
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway usage --since 1h\n  $ get-ai-gateway usage --by provider --json\n  $ get-ai-gateway usage --by consumer --since 7d')
    .action(async (options: Record<string, unknown>) => {
      const { runUsage } = await import('../core/ops/usage.js');
      await runUsage(options, createOutput(options));
    });
}
