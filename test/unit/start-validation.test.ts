import { describe, expect, test } from 'vitest';
import { checkContainerName } from '../../src/core/input-guard.js';
import { exposureDecision, parseBindAddress, parseTimeout } from '../../src/core/start-plan.js';

describe('exposureDecision (one place decides whether the ports may leave loopback)', () => {
  test.each(['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::0:1', '::ffff:127.0.0.1'])('%s is loopback: allowed, no warning', (address) => {
    expect(exposureDecision(parseBindAddress(address), {})).toEqual({});
  });

  test.each(['0.0.0.0', '::', '192.168.1.5', '10.0.0.1', 'fe80::1', '0::1:1', '128.0.0.1'])('%s: warned that access keys go on, or with --allow-open that it is open', (address) => {
    expect(exposureDecision(parseBindAddress(address), {}).warning).toMatch(/reaches the gateway and the console; access keys are on, so requests need one/);
    expect(exposureDecision(address, { allowOpen: true }).warning).toMatch(/spending your provider keys\) and open the console/);
  });

  test.each(['127.0.0.256', 'cafe', '::::', 'localhost', '[::1]', '1.2.3', '', ' 127.0.0.1'])('%j is not an address', (address) => {
    expect(() => parseBindAddress(address)).toThrow(/not an IPv4 or IPv6 address/);
  });
});

describe('the checks --dry-run and the real run share', () => {
  test.each([['120', 120_000], ['2.5', 2500], [undefined, 120_000]] as const)('--timeout %s', (value, ms) => {
    expect(parseTimeout(value)).toBe(ms);
  });
  test.each(['abc', '-5', '0', '1e3', '', 'Infinity', '0x10'])('--timeout %j is refused', (value) => {
    expect(() => parseTimeout(value)).toThrow(/--timeout must be a positive number/);
  });
  test.each(['higress-ai-gateway', 'a1', 'A.b_c-d'])('container name %s is valid', (name) => {
    expect(checkContainerName(name)).toBe(name);
  });
  test.each(['a', 'a/../b', 'a b', '-a', '.a', '_a', 'a:b', 'ä1', ''])('container name %j is refused', (name) => {
    expect(() => checkContainerName(name)).toThrow(/not a valid container name/);
  });
});
