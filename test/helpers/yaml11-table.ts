// What go-yaml v2.4.0 (resolve.go, the gateway apiserver's YAML library) makes of plain scalars, written out
// by hand so both the double's decoder and our own reader are checked against the same source, not each other.
export const GO_YAML_V2: [string, unknown][] = [
  ['on', true], ['On', true], ['ON', true], ['off', false], ['y', true], ['Y', true], ['yes', true], ['n', false], ['no', false],
  ['NO', false], ['true', true], ['False', false], ['yES', 'yES'], ['oN', 'oN'],
  ['~', null], ['null', null], ['Null', null], ['NULL', null], ['', null], ['nULL', 'nULL'],
  ['0b101', 5], ['-0b101', -5], ['0777', 511], ['0o17', 15], ['0x1F', 31], ['-0x1F', -31], ['1_000', 1000], ['+12', 12], ['1_', 1],
  ['08', 8], ['1e3', 1000], ['1.5', 1.5], ['.5', 0.5], ['+.5', 0.5], ['1.', 1],
  ['.inf', Infinity], ['-.Inf', -Infinity], ['+.INF', Infinity],
  ['2024-01-02', '2024-01-02T00:00:00Z'], ['2001-12-14t21:59:43.10-05:00', '2001-12-14T21:59:43.1-05:00'], ['2024-1-2 3:04:05', '2024-01-02T03:04:05Z'],
  // strings: go-yaml v2 does not resolve these
  ['1:20', '1:20'], ['2001-13-01', '2001-13-01'], ['_1', '_1'], ['0x', '0x'], ['<<', '<<'], ['-', '-'], ['.', '.'], ['1.2.3', '1.2.3'],
  ['gpt-4o', 'gpt-4o'], ['sk-abc', 'sk-abc'], ['1e400', '1e400'], ['2024-01-02T03:04:05', '2024-01-02T03:04:05'],
];

