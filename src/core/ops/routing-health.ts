/** Doctor and status: what the gateway will really do with the routes (dropped, shadowed, orphaned, old layout). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GLOBAL_CUSTOM_RESPONSE_FILE } from '../fallback-chains.js';
import { accessControlState } from '../access.js';
import { loadFiles } from '../gateway-read.js';
import { chainsView, describeChain } from '../route-view.js';
import { autoRoutingProblems } from '../route-integrity.js';
import type { Finding } from './findings.js';
import { createResolver, gatewayBaseUrl, modelsView } from './models.js';

export async function routingFindings(dataFolder: string): Promise<Finding[]> {
  let files;
  try {
    files = await loadFiles({ dataFolder });
  } catch {
    return []; // unreadable files are reported by the data-folder check
  }
  if (files.configuredProviders().length === 0) return [];
  const resolver = createResolver(files);
  const view = modelsView(files, gatewayBaseUrl('127.0.0.1', 8080), resolver);
  const findings: Finding[] = [];
  const legacy = files.configuredProviders().filter((p) => p.legacyLayout).map((p) => p.id);
  if (legacy.length > 0) {
    findings.push({
      check: 'routing',
      status: 'warn',
      message: `routes of ${legacy.join(', ')} are in the old layout (one Ingress per provider, prefix/regex match): the real gateway drops duplicates and lets earlier names win`,
      fix: 'any get-ai-gateway config/route change or start rewrites them (e.g. get-ai-gateway start)',
    });
  }
  for (const d of view.droppedRoutes) {
    findings.push({ check: 'routing', status: 'warn', message: `Ingress ${d.ingress} is dropped by the gateway: it has the same path and match as ${d.keptBy}`, fix: `remove or change one of them` });
  }
  const configured = new Set(view.providers.map((p) => p.id));
  for (const p of view.providers) {
    for (const r of p.routes) {
      if (r.shadowedBy !== null && !configured.has(r.shadowedBy)) {
        findings.push({ check: 'routing', status: 'warn', message: `${p.id}'s ${r.pattern} never reaches it: ${r.shadowedBy === '404' ? 'no route takes it' : `route ${r.shadowedBy} takes it first`}`, fix: `remove that route, or use ${p.id}/<model>` });
      }
    }
  }
  for (const problem of autoRoutingProblems(files.autoRouting(), (m) => resolver.providerOf(m))) {
    findings.push({ check: 'auto-routing', status: 'warn', message: problem.message, fix: problem.kind === 'orphan' ? 'configure a provider for it, or change the rule: get-ai-gateway route list' : `get-ai-gateway route remove --rule-id ${problem.ruleId}` });
  }
  const chains = chainsView(files);
  if (chains.length > 0 && !existsSync(join(dataFolder, GLOBAL_CUSTOM_RESPONSE_FILE))) {
    findings.push({
      check: 'fallback',
      status: 'warn',
      message: `fallback chains exist but ${GLOBAL_CUSTOM_RESPONSE_FILE} is missing: without it the gateway has no custom_response filter, so no request falls back`,
      fix: 'the image puts it back when the gateway starts (it copies its defaults without overwriting): get-ai-gateway stop, then start',
    });
  }
  if (chains.length > 0 && (await accessControlState(files)).enabled) {
    findings.push({
      check: 'fallback',
      status: 'warn',
      message: "fallback chains with gateway access keys on: a request handed to the next provider carries the first provider's key in Authorization, which key-auth refuses",
      fix: 'remove the chains (get-ai-gateway route fallback --model <model> --remove) or turn access keys off on a loopback-only gateway',
    });
  }
  for (const chain of chains.filter((c) => !c.active || c.to.some((s) => !s.provider))) {
    findings.push({ check: 'fallback', status: 'warn', message: `fallback chain ${describeChain(chain)}`, fix: `configure the missing provider, or change the chain: get-ai-gateway route fallback --model ${chain.model} --to …` });
  }
  if (findings.length === 0) findings.push({ check: 'routing', status: 'ok', message: `every provider reachable; unknown names go to ${view.fallback ?? '404 (no fallback)'}` });
  return findings;
}
