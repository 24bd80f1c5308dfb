/** Auto-routing rules that cannot work: a target model no route takes, or the same trigger twice. */
import { commandHint } from './command-line.js';
import { UsageError } from './errors.js';
import type { AutoRouting, GatewayFiles } from './gateway-files.js';
import type { Output } from '../ui/output.js';

export interface RoutingProblem {
  kind: 'orphan' | 'duplicate-trigger';
  /** Rule id, or null for the default model. */
  ruleId: number | null;
  message: string;
}

/** The provider a model reaches, or null. */
type Resolve = (model: string) => string | null;

export function autoRoutingProblems(routing: AutoRouting, resolve: Resolve): RoutingProblem[] {
  if (!routing.enabled) return [];
  const problems: RoutingProblem[] = [];
  const orphan = (model: string, ruleId: number | null) => {
    if (resolve(model) !== null) return;
    const what = ruleId === null ? 'the default model' : `rule [${ruleId}]`;
    problems.push({ kind: 'orphan', ruleId, message: `${what} sends higress/auto to ${model}, which no configured provider serves (the request gets 404)` });
  };
  routing.rules.forEach((rule, id) => orphan(rule.model, id));
  if (routing.defaultModel) orphan(routing.defaultModel, null);
  const firstWith = new Map<string, number>();
  routing.rules.forEach((rule, id) => {
    const first = firstWith.get(rule.pattern);
    if (first === undefined) firstWith.set(rule.pattern, id);
    else problems.push({ kind: 'duplicate-trigger', ruleId: id, message: `rule [${id}] has the same trigger as rule [${first}] (${rule.pattern}): it never matches` });
  });
  return problems;
}

/**
 * After a change (files synced): warn about broken auto-routing on stderr, or with --strict refuse the whole
 * change (exit 2, nothing written). Only problems the change introduced count for --strict. `before` is the
 * problems before a change of providers (currentProblems), or the auto-routing before a change of rules only.
 */
export async function checkAutoRouting(files: GatewayFiles, before: RoutingProblem[] | AutoRouting, strict: boolean, out: Output): Promise<RoutingProblem[]> {
  await files.syncRoutes();
  const { createResolver } = await import('./ops/models.js');
  const resolver = createResolver(files);
  const resolved = new Map<string, string | null>();
  const resolve = (model: string) => (resolved.has(model) ? resolved.get(model)! : resolved.set(model, resolver.providerOf(model)).get(model)!);
  const after = autoRoutingProblems(files.autoRouting(), resolve);
  // A change of the rules alone leaves the routes as they were: the rules before are checked on the same routes.
  const problemsBefore = Array.isArray(before) ? before : autoRoutingProblems(before, resolve);
  const known = new Set(problemsBefore.map((p) => p.message));
  const fresh = after.filter((p) => !known.has(p.message));
  if (strict && fresh.length > 0) {
    throw new UsageError(`refused (--strict): ${fresh[0]!.message}`, { hint: 'configure a provider for that model, or change the rule; without --strict this is only a warning' });
  }
  // What the change introduced, one line each; what was already wrong, in one line (status and doctor list it).
  for (const p of fresh) out.warn(p.message);
  const old = after.length - fresh.length;
  if (old === 1) out.warn(after.find((p) => known.has(p.message))!.message);
  else if (old > 1) out.warn(`${old} auto-routing problems were there before this change (${after.filter((p) => known.has(p.message)).map((p) => (p.ruleId === null ? 'default model' : `[${p.ruleId}]`)).slice(0, 5).join(', ')}${old > 5 ? ', …' : ''}): see ${commandHint('route list')}`);
  return after;
}

/** The problems as they are now (before a change), to tell new ones apart. */
export async function currentProblems(files: GatewayFiles): Promise<RoutingProblem[]> {
  const { createResolver } = await import('./ops/models.js');
  const resolver = createResolver(files);
  return autoRoutingProblems(files.autoRouting(), (m) => resolver.providerOf(m));
}
