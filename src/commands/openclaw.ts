import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { deploymentOptions } from './config.js';
import { SUMMARIES } from './summaries.js';

export function registerOpenClaw(program: Command): void {
  deploymentOptions(program.command('openclaw').description(SUMMARIES.openclaw))
    .option('--config <path>', 'OpenClaw config file (default ~/.openclaw/openclaw.json, or ~/.clawdbot/clawdbot.json)')
    .option('--dry-run', 'print the change and write nothing')
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway openclaw --dry-run\n  $ get-ai-gateway openclaw --config ~/.openclaw/openclaw.json')
    .action(async (options: Record<string, unknown>) => {
      const { runOpenClaw } = await import('../core/ops/openclaw.js');
      await runOpenClaw(options, createOutput(options));
    });
}
