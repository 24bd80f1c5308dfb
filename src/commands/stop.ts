import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { SUMMARIES } from './summaries.js';

export function registerStop(program: Command): void {
  program
    .command('stop').description(SUMMARIES.stop)
    .option('--container-name <name>', 'container name (default higress-ai-gateway)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway stop\n  $ get-ai-gateway stop --container-name my-gateway --json')
    .action(async (options: { containerName?: string; json?: boolean }) => {
      const { runStop } = await import('../core/lifecycle.js');
      await runStop(options, createOutput(options));
    });
}
