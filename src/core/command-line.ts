/**
 * Every hint that names a command is built here: the invocation the user actually has, the command, and the
 * flags needed to reach this deployment from the current directory (see `deploymentFlags`).
 */
import { basename, isAbsolute, relative, sep } from 'node:path';
import { deploymentFlags, shellQuote, type DeploymentRef } from './deployment.js';

/** `npx get-ai-gateway`, `get-ai-gateway` (a bin on PATH) or `node bin/get-ai-gateway.js`, whichever ran this process. */
export function invocation(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv, cwd = process.cwd()): string {
  const script = argv[1] ?? '';
  if (env.npm_command === 'exec' || script.includes(`${sep}_npx${sep}`)) return 'npx get-ai-gateway';
  if (!script.endsWith('.js')) {
    // A bin link: on PATH when installed globally; a project's node_modules/.bin is reached through npx.
    return script.includes(`${sep}node_modules${sep}.bin${sep}`) ? 'npx get-ai-gateway' : basename(script) || 'get-ai-gateway';
  }
  // `node bin/get-ai-gateway.js` (also what `npm start` runs): the script path as seen from here.
  const rel = relative(cwd, script);
  return `node ${shellQuote(rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : script)}`;
}

/** `<invocation> <command> [deployment flags] [more]`: the one way a message names a command. */
export function commandHint(command: string, deployment?: DeploymentRef, more = ''): string {
  const parts = [invocation(), command, ...(deployment ? deploymentFlags(deployment) : [])];
  if (more) parts.push(more);
  return parts.join(' ');
}
