import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { deploymentOptions, WRITE_MODE } from './config.js';
import { SUMMARIES } from './summaries.js';

export function registerRoute(program: Command): void {
  const route = program.command('route').description(SUMMARIES.route);

  deploymentOptions(route.command('list').description('List auto-routing rules'))
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway route list --json')
    .action(async (options: Record<string, unknown>) => {
      const { listRoutes } = await import('../core/route-view.js');
      await listRoutes(options, createOutput(options));
    });

  deploymentOptions(route.command('add').description('Add a rule: messages matching it go to --model'))
    .requiredOption('--model <model>', 'model to use when the rule matches')
    .option('--trigger <words>', 'words that start the message, "|"-separated (matched case-insensitively)')
    .option('--pattern <regex>', 'RE2 regular expression tried on the last user message')
    .option('--position <n>', 'insert at this rule id (default: at the end)')
    .option('--default-model <model>', 'fallback model (needed when none is set yet)')
    .option('--strict', 'refuse (exit 2) when the rule or the default model would reach no provider (default: warn)')
    .option('--write-mode <mode>', WRITE_MODE)
    .addHelpText(
      'after',
      `
Examples:
  $ get-ai-gateway route add --model claude-opus-4.5 --trigger "deep thinking|深入思考" --default-model qwen-turbo
  $ get-ai-gateway route add --model deepseek-reasoner --pattern "(?i)\\bprove\\b"`,
    )
    .action(async (options: Record<string, unknown>) => {
      const { addRoute } = await import('../core/route-commands.js');
      await addRoute(options, createOutput(options));
    });

  deploymentOptions(route.command('remove').description('Remove a rule by its id (see route list)'))
    .requiredOption('--rule-id <n>', 'rule id')
    .option('--write-mode <mode>', WRITE_MODE)
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway route remove --rule-id 0')
    .action(async (options: Record<string, unknown>) => {
      const { removeRoute } = await import('../core/route-commands.js');
      await removeRoute(options, createOutput(options));
    });

  deploymentOptions(route.command('default').description('Set the fallback model and enable auto-routing'))
    .requiredOption('--model <model>', 'fallback model')
    .option('--strict', 'refuse (exit 2) when the model would reach no provider (default: warn)')
    .option('--write-mode <mode>', WRITE_MODE)
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway route default --model qwen-turbo')
    .action(async (options: Record<string, unknown>) => {
      const { setDefaultRoute } = await import('../core/route-commands.js');
      await setDefaultRoute(options, createOutput(options));
    });

  deploymentOptions(route.command('fallback').description("Name models to try, in turn, when a model's provider fails"))
    .requiredOption('--model <model>', 'the exact model name the chain is for')
    .option('--to <models>', 'models to try next, in order, comma-separated (each on the provider it resolves to)')
    .option('--on <statuses>', 'statuses that move the request on: codes and classes (default: 401,403,408,429,5xx)')
    .option('--remove', "remove the model's chain")
    .option('--write-mode <mode>', WRITE_MODE)
    .addHelpText(
      'after',
      `
A failed request (a listed status from the provider, or the gateway's own 503 or 504) is sent again, with
the same body, to the next model's provider. See the chains with: get-ai-gateway route list

Examples:
  $ get-ai-gateway route fallback --model gpt-4o --to claude-sonnet-4-5,deepseek-chat
  $ get-ai-gateway route fallback --model gpt-4o --to deepseek-chat --on "429,5xx"
  $ get-ai-gateway route fallback --model gpt-4o --remove`,
    )
    .action(async (options: Record<string, unknown>) => {
      const { setFallbackChain } = await import('../core/route-commands.js');
      await setFallbackChain(options, createOutput(options));
    });

  deploymentOptions(route.command('test').description('Show which model higress/auto would pick for a message, and its provider'))
    .argument('<message>', 'the last user message')
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway route test "deep thinking: why is the sky blue?"')
    .action(async (message: string, options: Record<string, unknown>) => {
      const { testRoute } = await import('../core/route-view.js');
      await testRoute(message, options, createOutput(options));
    });
}
