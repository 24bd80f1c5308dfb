import { describe, expect, test } from 'vitest';
import { buildProgram, selectedSubcommand } from '../../src/program.js';

const addFlags = async (args: string[]) => {
  const program = await buildProgram(args);
  const add = program.commands.find((c) => c.name() === 'config')!.commands.find((c) => c.name() === 'add')!;
  return add.options.map((o) => o.long);
};

describe('what a run defines', () => {
  test('the subcommand reached, skipping flags; none for help', () => {
    expect(selectedSubcommand(['config', 'list'])).toBe('list');
    expect(selectedSubcommand(['config', '--json', 'add', '--provider', 'x'])).toBe('add');
    expect(selectedSubcommand(['config', 'help', 'add'])).toBeUndefined();
    expect(selectedSubcommand(['config'])).toBeUndefined();
    expect(selectedSubcommand(['help', 'config', 'add'])).toBeUndefined();
    expect(selectedSubcommand(['--help'])).toBeUndefined();
  });

  test("config add's provider flags exist when add runs or shows help, and are skipped for config list", async () => {
    const providerFlag = '--azure-service-url';
    expect(await addFlags(['config', 'add', '--provider', 'azure'])).toContain(providerFlag);
    expect(await addFlags(['config', 'add', '--help'])).toContain(providerFlag);
    expect(await addFlags(['config', 'help', 'add'])).toContain(providerFlag);
    expect(await addFlags(['config', '--help'])).toContain(providerFlag);
    const listing = await addFlags(['config', 'list']);
    expect(listing).not.toContain(providerFlag);
    expect(listing).toContain('--provider'); // the subcommand itself is there (names, suggestions)
  });
});
