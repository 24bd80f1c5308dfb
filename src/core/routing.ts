/** Auto-routing rules for model `higress/auto`, checked with the gateway's own regex semantics (RE2). */
import { commandHint } from './command-line.js';
import { RE2JS } from 're2js';
import { UsageError } from './errors.js';
import type { AutoRouting, RoutingRule } from './gateway-files.js';

export { AUTO_MODEL } from './gateway-files.js';

/** The gateway skips a rule whose pattern does not compile, silently; we refuse it up front. */
export function checkPattern(pattern: string, flag = '--pattern'): void {
  if (!pattern.trim()) throw new UsageError(`${flag} is empty`, { hint: 'give a regular expression, e.g. "(?i)^(plan|design)"' });
  if (/[\r\n]/.test(pattern)) throw new UsageError(`${flag} contains a line break`);
  try {
    RE2JS.compile(pattern);
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    throw new UsageError(`${flag} "${pattern}" is not a valid RE2 pattern: ${reason}`, {
      hint: 'the gateway uses RE2: (?i) flags work; look-around and back-references do not',
      cause: error,
    });
  }
}

/** Go's regexp.QuoteMeta (RE2JS.quote is the same): every RE2 metacharacter escaped, so the text means itself. */
export const quoteMeta = (text: string): string => text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');

/**
 * `--trigger "a|b"` → `(?i)^(a|b)`, each part trimmed and escaped so `c++` or `why?` mean themselves. Always a
 * valid RE2 pattern (a flag, an anchor, one group of escaped literals): it needs no check by RE2JS, whose
 * loading costs `route add` about 5 ms.
 */
export function triggerToPattern(trigger: string): string {
  const parts = trigger.split('|').map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length === 0) throw new UsageError('--trigger is empty', { hint: 'for example --trigger "deep thinking|深入思考"' });
  if (parts.some((p) => /[\r\n]/.test(p))) throw new UsageError('--trigger contains a line break');
  return `(?i)^(${parts.map(quoteMeta).join('|')})`;
}

export function checkModelName(model: string, flag: string): string {
  const value = model.trim();
  if (!value) throw new UsageError(`${flag} is empty`, { hint: `for example ${flag} qwen-turbo` });
  if (/\s/.test(value)) throw new UsageError(`${flag} "${value}" contains white space`, { hint: 'model names have no spaces' });
  return value;
}

export interface RouteDecision {
  model: string | undefined;
  /** Index of the rule that matched, or undefined when the default applied. */
  ruleId: number | undefined;
  pattern?: string;
  enabled: boolean;
}

/** What `higress/auto` resolves to for this last user message, as the model-router plugin decides it. */
export function decideRoute(routing: AutoRouting, message: string): RouteDecision {
  if (!routing.enabled) return { model: undefined, ruleId: undefined, enabled: false };
  for (const [index, rule] of routing.rules.entries()) {
    if (!rule.pattern || !rule.model) continue;
    let matched = false;
    try {
      matched = RE2JS.compile(rule.pattern).matcher(message).find();
    } catch {
      continue; // the gateway skips rules that do not compile
    }
    if (matched) return { model: rule.model, ruleId: index, pattern: rule.pattern, enabled: true };
  }
  return { model: routing.defaultModel, ruleId: undefined, enabled: true };
}

export function insertRule(rules: RoutingRule[], rule: RoutingRule, position: number | undefined): RoutingRule[] {
  const next = [...rules];
  next.splice(position ?? next.length, 0, rule);
  return next;
}

export function parseRuleId(value: unknown, count: number, flag = '--rule-id', allowEnd = false): number {
  const text = String(value).trim();
  const max = allowEnd ? count : count - 1;
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number (got "${text}")`, { hint: `see ${commandHint('route list')} for the ids` });
  const n = Number(text);
  if (n > max) {
    throw new UsageError(
      count === 0 && !allowEnd ? `${flag} ${n}: there are no rules` : `${flag} ${n} is out of range (0 to ${max})`,
      { hint: `see ${commandHint('route list')} for the ids` },
    );
  }
  return n;
}
