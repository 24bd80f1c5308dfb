import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse } from 'yaml';
import { defineStartOptions } from '../../src/commands/start.js';
import { planStart, type StartPlan } from '../../src/core/start-plan.js';

/** Upstream's outputs, kept in the project (see its README). */
export const GOLDEN_DIR = join(import.meta.dirname, '../fixtures/golden');

export function goldenPath(caseName: string, ...rest: string[]): string {
  const path = join(GOLDEN_DIR, caseName, ...rest);
  if (!existsSync(join(GOLDEN_DIR, caseName))) throw new Error(`golden case ${caseName} not found at ${GOLDEN_DIR}`);
  return path;
}

export function readGolden(caseName: string, rel: string): any {
  const path = goldenPath(caseName, 'data', rel);
  return existsSync(path) ? parse(readFileSync(path, 'utf8')) : undefined;
}

export function goldenFiles(caseName: string): string[] {
  const root = goldenPath(caseName, 'data');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1));
}

/** Parses real `start` arguments with the CLI's own option definitions. */
export function parseStartArgs(args: string[]): Record<string, unknown> {
  const command = defineStartOptions(new Command('start')).exitOverride();
  command.action(() => {});
  command.parse(args, { from: 'user' });
  return command.opts();
}

export function planFromArgs(args: string[], opts: { dataFolder?: string; env?: NodeJS.ProcessEnv; tz?: string } = {}): StartPlan {
  const options = parseStartArgs(args);
  if (opts.dataFolder && options.dataFolder === undefined) options.dataFolder = opts.dataFolder;
  return planStart({ options, env: opts.env ?? {}, timezone: { timezone: opts.tz ?? 'Asia/Shanghai', source: 'TZ' } });
}

export const isPlaceholderToken = (t: unknown) => typeof t === 'string' && /^YOUR_[A-Z0-9_]+$/.test(t);
