/** `route list|add|remove|default|test`: auto-routing rules for model higress/auto. */
import type { Output } from '../ui/output.js';
import { commandHint } from './command-line.js';
import { resolveDeployment } from './deployment.js';
import { UsageError } from './errors.js';
import { describeReload, editGateway, parseWriteMode } from './gateway-edit.js';
import { AUTO_MODEL, type GatewayFiles } from './gateway-files.js';
import { checkAutoRouting } from './route-integrity.js';
import { checkModelName, checkPattern, insertRule, parseRuleId, triggerToPattern } from './routing.js';

export async function addRoute(options: Record<string, unknown>, out: Output): Promise<void> {
  const model = checkModelName(String(options.model ?? ''), '--model');
  if ((options.trigger === undefined) === (options.pattern === undefined)) {
    throw new UsageError('give exactly one of --trigger and --pattern', { hint: 'e.g. --trigger "deep thinking|深入思考" or --pattern "(?i)\\bprove\\b"' });
  }
  const pattern = options.trigger !== undefined ? triggerToPattern(String(options.trigger)) : String(options.pattern);
  if (options.trigger === undefined) checkPattern(pattern, '--pattern');
  const defaultModel = options.defaultModel !== undefined ? checkModelName(String(options.defaultModel), '--default-model') : undefined;
  const writeMode = parseWriteMode(options.writeMode);
  const deployment = await resolveDeployment(options);
  const { result, reload } = await editGateway(
    deployment,
    async ({ files, settings }) => {
      const before = files.autoRouting();
      const routing = files.autoRouting();
      const position = options.position === undefined ? undefined : parseRuleId(options.position, routing.rules.length, '--position', true);
      const fallback = defaultModel ?? routing.defaultModel;
      if (!fallback) {
        throw new UsageError('auto-routing has no default model yet: add --default-model', { hint: 'e.g. --default-model qwen-turbo' });
      }
      const rules = insertRule(routing.rules, { pattern, model }, position);
      files.setAutoRouting({ enabled: true, defaultModel: fallback, rules });
      settings.autoRouting = true;
      settings.autoRoutingDefaultModel = fallback;
      await checkAutoRouting(files, before, Boolean(options.strict), out);
      return { id: position ?? rules.length - 1, pattern, model, wasEnabled: routing.enabled };
    },
    { writeMode },
  );
  if (out.json) return out.result({ rule: { id: result.id, pattern: result.pattern, model: result.model }, reload });
  out.say(`Added rule [${result.id}] ${result.pattern} -> ${result.model}${result.wasEnabled ? '' : ' (auto-routing is now on)'}.`);
  out.say(describeReload(reload, deployment));
}

export async function removeRoute(options: Record<string, unknown>, out: Output): Promise<void> {
  const writeMode = parseWriteMode(options.writeMode);
  if (!/^\d+$/.test(String(options.ruleId).trim())) parseRuleId(options.ruleId, Number.MAX_SAFE_INTEGER);
  const deployment = await resolveDeployment(options);
  const { result, reload } = await editGateway(
    deployment,
    ({ files }) => {
      const routing = files.autoRouting();
      const id = parseRuleId(options.ruleId, routing.rules.length);
      const [removed] = routing.rules.splice(id, 1);
      files.setAutoRouting(routing);
      return { id, ...removed! };
    },
    { writeMode },
  );
  if (out.json) return out.result({ removed: result, reload });
  out.say(`Removed rule [${result.id}] ${result.pattern} -> ${result.model}. Later rules moved up one id.`);
  out.say(describeReload(reload, deployment));
}

export async function setDefaultRoute(options: Record<string, unknown>, out: Output): Promise<void> {
  const model = checkModelName(String(options.model ?? ''), '--model');
  const writeMode = parseWriteMode(options.writeMode);
  const deployment = await resolveDeployment(options);
  const { reload } = await editGateway(
    deployment,
    async ({ files, settings }) => {
      const before = files.autoRouting();
      files.setAutoRouting({ ...files.autoRouting(), enabled: true, defaultModel: model });
      settings.autoRouting = true;
      settings.autoRoutingDefaultModel = model;
      await checkAutoRouting(files, before, Boolean(options.strict), out);
    },
    { writeMode },
  );
  if (out.json) return out.result({ enabled: true, defaultModel: model, reload });
  out.say(`Auto-routing is on; ${AUTO_MODEL} falls back to ${model}.`);
  out.say(describeReload(reload, deployment));
}

/** `route fallback --model M --to a,b [--on …]` or `--remove`: a chain of models tried when M's provider fails. */
export async function setFallbackChain(options: Record<string, unknown>, out: Output): Promise<void> {
  const { checkChainModel, DEFAULT_FALLBACK_ON, parseFallbackStatuses, parseFallbackTargets } = await import('./fallback-chains.js');
  const model = checkChainModel(String(options.model ?? ''));
  const remove = Boolean(options.remove);
  if (remove === (options.to !== undefined)) {
    throw new UsageError('give exactly one of --to and --remove', { hint: `e.g. route fallback --model ${model} --to claude-sonnet-4-5,deepseek-chat` });
  }
  if (remove && options.on !== undefined) throw new UsageError('--on goes with --to, not with --remove', { hint: `route fallback --model ${model} --remove` });
  const to = remove ? [] : parseFallbackTargets(model, String(options.to));
  const on = remove ? [] : parseFallbackStatuses(String(options.on ?? DEFAULT_FALLBACK_ON));
  const writeMode = parseWriteMode(options.writeMode);
  const deployment = await resolveDeployment(options);
  const { result, reload } = await editGateway(
    deployment,
    async ({ files }) => {
      const existing = files.fallbackChains().find((c) => c.model === model);
      if (remove) {
        if (!existing) throw new UsageError(`${model} has no fallback chain`, { hint: `see the chains with ${commandHint('route list', deployment)}` });
        files.setFallbackChain(model, null);
        return { model, to: existing.to, on: existing.on, steps: [] as { model: string; provider: string; upstreamModel: string }[], provider: null as string | null };
      }
      const primary = files.reachWithoutChains(model);
      if (!primary) throw new UsageError(`${model} reaches no provider, so there is nothing to fall back from`, { hint: `check with ${commandHint('models resolve', deployment, model)}` });
      const seen = [`${primary.provider}\n${primary.upstreamModel}`];
      const steps = to.map((m) => {
        const target = files.reachWithoutChains(m);
        if (!target) throw new UsageError(`--to ${m} reaches no provider`, { hint: `configure one that serves it, or check with ${commandHint('models resolve', deployment, m)}` });
        const key = `${target.provider}\n${target.upstreamModel}`;
        if (seen.includes(key)) throw new UsageError(`--to ${m} is ${target.upstreamModel} on ${target.provider} again: the chain would send the same request twice`, { hint: 'list a different model or provider' });
        seen.push(key);
        return { model: m, provider: target.provider, upstreamModel: target.upstreamModel };
      });
      files.setFallbackChain(model, { model, to, on });
      await warnAboutCarriedHeaders(files, steps, out);
      return { model, to, on, steps, provider: primary.provider as string | null };
    },
    { writeMode },
  );
  if (out.json) return out.result({ fallback: remove ? null : { model: result.model, provider: result.provider, to: result.steps, on: result.on.join(',') }, removed: remove, reload });
  if (remove) out.say(`Removed the fallback chain of ${model} (${result.to.join(' -> ')}).`);
  else out.say(`${model} (${result.provider}) falls back on ${result.on.join(',')} to ${result.steps.map((s) => `${s.model} (${s.provider})`).join(', then ')}.`);
  out.say(describeReload(reload, deployment));
}

/**
 * A redirected request keeps the request headers the filters changed on the first try (the Higress envoy's
 * redirect_policy.cc reuses the stream's header map), ai-proxy's Authorization with the first provider's key
 * included. So key-auth sees a provider key instead of the client's, and a step provider with no key of its own
 * receives the previous one. Read from the sources, not seen on the real image: a warning, not a refusal.
 */
async function warnAboutCarriedHeaders(files: GatewayFiles, steps: { model: string; provider: string }[], out: Output): Promise<void> {
  const { accessControlState } = await import('./access.js');
  if ((await accessControlState(files)).enabled) {
    out.warn('gateway access keys are on: a request handed to the next provider carries the first provider\'s key in Authorization, which key-auth refuses (401/403); see README "When a provider fails"');
  }
  const keyless = steps.filter((s) => files.configuredProviders().find((p) => p.id === s.provider)?.tokens.length === 0);
  for (const s of keyless) {
    out.warn(`${s.provider} (for ${s.model}) has no key: a request handed on to it carries the previous provider's key in Authorization`);
  }
}
