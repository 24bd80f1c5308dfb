import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { deploymentOptions } from './config.js';

export function registerModels(program: Command): void {
  deploymentOptions(program.command('models').description('List the models each provider serves and the higress/auto rules'))
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway models\n  $ get-ai-gateway models --json')
    .action(async (options: Record<string, unknown>) => {
      const { runModels } = await import('../core/ops/models.js');
      await runModels(options, createOutput(options));
    });
}
