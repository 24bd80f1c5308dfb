import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { deploymentOptions } from './config.js';
import { SUMMARIES } from './summaries.js';

export function registerStop(program: Command): void {
  deploymentOptions(program.command('stop').description(SUMMARIES.stop))
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway stop\n  $ get-ai-gateway stop --container-name my-gateway --json')
    .action(async (options: { containerName?: string; dataFolder?: string; json?: boolean }) => {
      const { runStop } = await import('../core/lifecycle.js');
      await runStop(options, createOutput(options));
    });
}
