import { Command } from 'commander';
import { registerStart } from './commands/start.js';
import { registerStop } from './commands/stop.js';
import { registerDelete } from './commands/delete.js';
import { registerConfig } from './commands/config.js';
import { registerRoute } from './commands/route.js';
import { registerStatus } from './commands/status.js';
import { registerLogs } from './commands/logs.js';
import { registerUsage } from './commands/usage.js';
import { registerDoctor } from './commands/doctor.js';
import { registerModels } from './commands/models.js';
import { registerOpenClaw } from './commands/openclaw.js';

import { CLI_VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('get-ai-gateway')
    .description('Deploy and run the Higress AI Gateway on this machine and manage its LLM providers and routing.')
    .version(CLI_VERSION, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of [registerStart, registerStop, registerDelete, registerConfig, registerRoute, registerStatus, registerLogs, registerUsage, registerDoctor, registerModels, registerOpenClaw]) register(program);
  program.addHelpText(
    'after',
    `
Examples:
  $ get-ai-gateway start --non-interactive --openai-key sk-...
  $ get-ai-gateway config add --provider deepseek --key-env DEEPSEEK_API_KEY
  $ get-ai-gateway route add --model deepseek-reasoner --trigger "think|prove"`,
  );
  return program;
}
