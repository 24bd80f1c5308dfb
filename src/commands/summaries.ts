/** One line per command: the top-level help, and what each command file describes itself with. */
export const SUMMARIES = {
  start: 'Deploy the gateway (or start it again), configure providers and wait until it serves',
  stop: 'Stop the gateway container (configuration and data are kept)',
  delete: 'Remove the gateway container (the data folder is kept unless --purge)',
  config: 'Manage provider API keys (hot reload, no restart)',
  access: 'Manage gateway access keys: who may call the gateway (hot reload)',
  route: 'Manage auto-routing for higress/auto and fallback chains across providers (hot reload)',
  status: 'Show the gateway container, its readiness, providers and drift from the settings (exit 1 unless running and ready)',
  logs: "Show the gateway container's log, or one component's log inside it",
  usage: 'Token usage, errors and latency from the access log',
  doctor: 'Check Docker, ports, limits, disk, mirrors and the data folder (exit 1 on any failure)',
  models: 'Show which model names reach which provider (models resolve <model> for one name) and the higress/auto rules',
  openclaw: 'Configure OpenClaw to use the gateway (provider "higress")',
} as const;

export type CommandName = keyof typeof SUMMARIES;
