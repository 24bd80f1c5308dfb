import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { deploymentOptions } from './config.js';
import { SUMMARIES } from './summaries.js';

export function registerDoctor(program: Command): void {
  deploymentOptions(program.command('doctor').description(SUMMARIES.doctor))
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway doctor\n  $ get-ai-gateway doctor --json')
    .action(async (options: Record<string, unknown>) => {
      const { runDoctor } = await import('../core/ops/doctor.js');
      await runDoctor(options, createOutput(options));
    });
}
