import chalk, { Chalk } from 'chalk';
import { describe, expect, test } from 'vitest';
import { colorsOff } from '../../src/ui/colors.js';

const tty = true;
const pipe = false;

describe('colours', () => {
  test('off for NO_COLOR (any value), TERM=dumb and output that is not a terminal; on for a terminal', () => {
    expect(colorsOff({}, tty)).toBe(false);
    expect(colorsOff({ NO_COLOR: '' }, tty)).toBe(true);
    expect(colorsOff({ TERM: 'dumb' }, tty)).toBe(true);
    expect(colorsOff({ FORCE_COLOR: '1' }, pipe)).toBe(true);
  });

  test('with colours off the painter gives back the text as chalk at level 0 would, chained styles included', async () => {
    const { paint } = await import('../../src/ui/colors.js');
    // vitest's workers write to pipes: colours are off here.
    const painter = paint();
    const off = new Chalk({ level: 0 });
    expect(painter).not.toBe(chalk);
    expect(painter.green.bold('ok')).toBe(off.green.bold('ok'));
    expect(painter.yellow('a', 'b')).toBe(off.yellow('a', 'b'));
    expect(painter.dim(`x ${1}`)).toBe('x 1');
    expect(painter.level).toBe(0);
  });
});
