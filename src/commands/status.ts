import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { deploymentOptions } from './config.js';
import { SUMMARIES } from './summaries.js';

export function registerStatus(program: Command): void {
  deploymentOptions(program.command('status').description(SUMMARIES.status))
    .option('--since <duration>', "each provider's requests, errors and latency over this window (30m, 1h, 2024-05-01) (default: 15m)")
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway status\n  $ get-ai-gateway status --since 1h --json')
    .action(async (options: Record<string, unknown>) => {
      const { runStatus } = await import('../core/ops/status.js');
      await runStatus(options, createOutput(options));
    });
}
