import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { SUMMARIES } from './summaries.js';

export function registerLogs(program: Command): void {
  program
    .command('logs').description(SUMMARIES.logs)
    .option('-f, --follow', 'keep printing new lines (Ctrl-C to stop)')
    .option('--component <name>', 'gateway, apiserver, controller, pilot, console or plugin-server (/var/log/higress/<name>.log)')
    .option('--tail <n>', 'how many lines from the end ("all" for everything)', '100')
    .option('--container-name <name>', 'container name (default higress-ai-gateway)')
    .option('--data-folder <path>', 'data folder whose settings name the container')
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway logs --tail 50\n  $ get-ai-gateway logs -f --component apiserver')
    .action(async (options: Record<string, unknown>) => {
      const { runLogs } = await import('../core/ops/logs.js');
      await runLogs(options, createOutput());
    });
}
