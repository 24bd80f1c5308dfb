import type { Command } from 'commander';
import { createOutput } from '../ui/output.js';
import { deploymentOptions } from './config.js';
import { SUMMARIES } from './summaries.js';

type Change = 'enableAccess' | 'disableAccess' | 'addAccessKey' | 'removeAccessKey' | 'rotateAccessKey';
type View = 'accessStatus' | 'listAccessKeys';

// Listings load the read-only module only: no lock, no editor.
const run = (action: Change | View) => async (options: Record<string, unknown>) => {
  const out = createOutput(options);
  if (action === 'accessStatus' || action === 'listAccessKeys') return (await import('../core/access-view.js'))[action](options, out);
  await (await import('../core/access-commands.js'))[action](options, out);
};

const keySource = (command: Command) =>
  command
    .option('--key-stdin', 'read the key from standard input instead of generating one')
    .option('--key-env <VAR>', 'read the key from an environment variable instead of generating one');

const writeMode = (command: Command) => command.option('--write-mode <mode>', 'host (default) or container: do the final rename inside the container');

export function registerAccess(program: Command): void {
  const access = program.command('access').description(SUMMARIES.access);

  keySource(writeMode(deploymentOptions(access.command('enable').description('Require a key on every request (creates a first key, shown once, if there is none)'))))
    .option('--name <name>', 'name of the first key when none exists (default "default")')
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway access enable\n  $ get-ai-gateway access enable --name ci --key-env GATEWAY_KEY --json')
    .action(run('enableAccess'));

  writeMode(deploymentOptions(access.command('disable').description('Answer requests without a key again (the keys are kept)')))
    .option('--allow-open', 'turn it off even though the gateway is published beyond this machine')
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway access disable')
    .action(run('disableAccess'));

  deploymentOptions(access.command('status').description('Whether requests need a key, how many keys exist, where the gateway is published'))
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway access status --json')
    .action(run('accessStatus'));

  keySource(writeMode(deploymentOptions(access.command('add').description('Create a named key (generated and shown once, or from --key-stdin/--key-env)'))))
    .requiredOption('--name <name>', 'who or what uses the key (e.g. laptop, ci, alice)')
    .addHelpText(
      'after',
      `
Examples:
  $ get-ai-gateway access add --name laptop
  $ printf '%s\\n' "$KEY" | get-ai-gateway access add --name ci --key-stdin
  $ get-ai-gateway access add --name bot --json   # the key is in the JSON, once`,
    )
    .action(run('addAccessKey'));

  deploymentOptions(access.command('list').description('List the keys: names, masked keys, creation dates'))
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway access list\n  $ get-ai-gateway access list --json')
    .action(run('listAccessKeys'));

  writeMode(deploymentOptions(access.command('remove').description('Delete a key: requests with it are refused at once')))
    .requiredOption('--name <name>', 'the key to delete')
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway access remove --name laptop')
    .action(run('removeAccessKey'));

  keySource(writeMode(deploymentOptions(access.command('rotate').description('Replace a key: the old one is refused at once, the new one is shown once'))))
    .requiredOption('--name <name>', 'the key to replace')
    .addHelpText('after', '\nExamples:\n  $ get-ai-gateway access rotate --name ci --json')
    .action(run('rotateAccessKey'));
}
