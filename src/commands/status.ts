import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { deploymentOptions } from './config.js';
import { SUMMARIES } from './summaries.js';

export function registerStatus(program: Command): void {
  deploymentOptions(program.command('status').description(SUMMARIES.status))
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway status\n  $ get-ai-gateway status --json')
    .action(async (options: Record<string, unknown>) => {
      const { runStatus } = await import('../core/ops/status.js');
      await runStatus(options, createOutput(options));
    });
}
