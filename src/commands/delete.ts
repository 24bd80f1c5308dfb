import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { deploymentOptions } from './config.js';
import { SUMMARIES } from './summaries.js';

export function registerDelete(program: Command): void {
  deploymentOptions(program.command('delete').description(SUMMARIES.delete))
    .option('--force', 'also remove a running container')
    .option('--purge', 'also delete the data folder (keys, routes, logs)')
    .option('-y, --yes', 'do not ask for confirmation (for scripts)')
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway delete\n  $ get-ai-gateway delete --force --purge --yes')
    .action(async (options: { containerName?: string; dataFolder?: string; force?: boolean; purge?: boolean; yes?: boolean; json?: boolean }) => {
      const { runDelete } = await import('../core/lifecycle.js');
      await runDelete(options, createOutput(options));
    });
}
