import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { deploymentOptions } from './config.js';
import { SUMMARIES } from './summaries.js';

export function registerModels(program: Command): void {
  deploymentOptions(program.command('models').description(SUMMARIES.models))
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway models\n  $ get-ai-gateway models --json')
    .action(async (options: Record<string, unknown>) => {
      const { runModels } = await import('../core/ops/models.js');
      await runModels(options, createOutput(options));
    });
}
