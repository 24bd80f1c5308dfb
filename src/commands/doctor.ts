import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { deploymentOptions } from './config.js';

export function registerDoctor(program: Command): void {
  deploymentOptions(program.command('doctor').description('Check Docker, ports, limits, disk, mirrors and the data folder (exit 1 on any failure)'))
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway doctor\n  $ get-ai-gateway doctor --json')
    .action(async (options: Record<string, unknown>) => {
      const { runDoctor } = await import('../core/ops/doctor.js');
      await runDoctor(options, createOutput(options));
    });
}
