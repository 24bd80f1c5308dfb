import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { deploymentOptions } from './config.js';
import { SUMMARIES } from './summaries.js';

export function registerModels(program: Command): void {
  const models = deploymentOptions(program.command('models').description(SUMMARIES.models))
    .addHelpText(
      'after',
      `
How a model name finds its provider (first match wins):
  1. <provider-id>/<model> or <alias>/<model> (e.g. groq/llama-3.3-70b, kimi/moonshot-v1-8k): that provider,
     which receives <model> with the prefix stripped
  2. an exact name from a provider's --models list
  3. a glob (* is the only wildcard), longer globs first
  4. anything else: the fallback provider (one provider listing "*"; set it with
     get-ai-gateway config fallback --provider <id>), or 404 when there is none
A name or glob listed by two providers goes to the one configured first.

Examples:
  $ get-ai-gateway models
  $ get-ai-gateway models --json
  $ get-ai-gateway models resolve gpt-4o-mini`,
    )
    .action(async (options: Record<string, unknown>) => {
      const { runModels } = await import('../core/ops/models.js');
      await runModels(options, createOutput(options));
    });

  deploymentOptions(models.command('resolve').description('Name the provider a model goes to (exit 3 when the gateway would answer 404)'))
    .argument('<model>', 'model name as a client sends it')
    .addHelpText('after', '\nExit codes: 0 a provider takes it, 3 no route takes it (404) or the route reaches no configured provider.\n\nExamples:\n  $ get-ai-gateway models resolve gpt-4o\n  $ get-ai-gateway models resolve groq/llama-3.3-70b-versatile --json')
    .action(async (model: string, _options: Record<string, unknown>, command: Command) => {
      // `models` has the same options: whichever side of `resolve` they are written on, they count.
      const options = command.optsWithGlobals();
      const { runResolve } = await import('../core/ops/models.js');
      await runResolve(model, options, createOutput(options));
    });
}
