import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { deploymentOptions } from './config.js';
import { SUMMARIES } from './summaries.js';

export function registerOpenClaw(program: Command): void {
  deploymentOptions(program.command('openclaw').description(SUMMARIES.openclaw))
    .option('--config <path>', 'the config file to edit (default: the one the runtime reads, found as it finds it)')
    .option('--runtime <name>', 'openclaw or clawdbot (default: the one on PATH, OpenClaw first)')
    .option('--profile <name>', "the runtime's --profile (its config is then in ~/.openclaw-<name>, or ~/.clawdbot-<name>)")
    .option('--default-model <model>', "also make this model the runtime's default (agents.defaults.model), in the same edit")
    .option('--check', "run the runtime's own validation of the file and report (writes nothing)")
    .option('--dry-run', 'print the change and write nothing')
    .addHelpText(
      'after',
      [
        '',
        'The file: OPENCLAW_CONFIG_PATH, else OPENCLAW_STATE_DIR, else the existing ~/.openclaw or ~/.clawdbot',
        'config (OPENCLAW_HOME honoured); for clawdbot CLAWDBOT_CONFIG_PATH, CLAWDBOT_STATE_DIR, ~/.clawdbot.',
        'apiKey is written only when the gateway requires access keys, as a reference to GET_AI_GATEWAY_KEY.',
        '',
        'Examples:',
        '  $ get-ai-gateway openclaw --dry-run',
        '  $ get-ai-gateway openclaw --default-model higress/auto',
        '  $ get-ai-gateway openclaw --check',
        '  $ get-ai-gateway openclaw --runtime clawdbot --config ~/.clawdbot/clawdbot.json',
      ].join('\n'),
    )
    .action(async (options: Record<string, unknown>) => {
      const { runOpenClaw } = await import('../core/ops/openclaw.js');
      await runOpenClaw(options, createOutput(options));
    });
}
