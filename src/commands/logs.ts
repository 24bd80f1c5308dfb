import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { deploymentOptions } from './config.js';
import { SUMMARIES } from './summaries.js';

export function registerLogs(program: Command): void {
  deploymentOptions(program.command('logs').description(SUMMARIES.logs))
    .option('-f, --follow', 'keep printing new lines (Ctrl-C to stop)')
    .option('--component <name>', 'gateway, apiserver, controller, pilot, console or plugin-server (/var/log/higress/<name>.log)')
    .option('--tail <n>', 'how many lines from the end, or "all" (default: 100)')
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway logs --tail 50\n  $ get-ai-gateway logs -f --component apiserver')
    .action(async (options: Record<string, unknown>) => {
      const { runLogs } = await import('../core/ops/logs.js');
      await runLogs(options, createOutput(options));
    });
}
