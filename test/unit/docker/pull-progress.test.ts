import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createPullReporter, isInteractive, PullProgress, RateMeter, status, type PullEvent } from '../../../src/docker/pull-progress.js';

function capture(isTTY = false) {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      text += String(chunk);
      callback();
    },
  });
  // What ora needs from a terminal stream.
  const tty = { isTTY: true, columns: 80, cursorTo: () => true, clearLine: () => true, moveCursor: () => true };
  if (isTTY) Object.assign(stream, tty);
  return { stream, text: () => text };
}

const MB = 1_000_000;
const layers = ['l1', 'l2', 'l3', 'l4'];

/** A pull of four layers: one already present, three downloaded in steps. */
function events(): PullEvent[] {
  const list: PullEvent[] = [{ status: 'Pulling from higress/all-in-one', id: 'latest' }];
  for (const id of layers) list.push({ status: 'Pulling fs layer', id });
  list.push({ status: 'Already exists', id: 'l1' });
  for (const id of layers.slice(1)) {
    for (let step = 1; step <= 10; step++) list.push({ status: 'Downloading', id, progressDetail: { current: step * MB, total: 10 * MB } });
    list.push({ status: 'Download complete', id });
    list.push({ status: 'Pull complete', id });
  }
  list.push({ status: 'Digest: sha256:abc' }, { status: 'Status: Downloaded newer image for higress/all-in-one:latest' });
  return list;
}

describe('PullProgress', () => {
  it('counts layers, finished layers and downloaded bytes, not the "Pulling from" line', () => {
    const progress = new PullProgress();
    const all = events();
    for (const event of all.slice(0, 16)) progress.update(event);
    expect(progress.layerCount).toBe(4);
    expect(progress.doneCount).toBe(1);
    expect(progress.downloadedBytes).toBe(10 * MB);
    for (const event of all.slice(16)) progress.update(event);
    expect(progress.doneCount).toBe(4);
    expect(progress.downloadedBytes).toBe(30 * MB);
  });
});

describe('pull reporter', () => {
  it('prints a few plain lines without a terminal: no spinner frames, no escapes', async () => {
    const out = capture();
    let clock = 0;
    const reporter = await createPullReporter({ interactive: false, stream: out.stream, now: () => clock });
    reporter.start('reg/higress/all-in-one:latest');
    for (const event of events()) {
      clock += 100; // 40-odd events over ~4 s: only the 25 % steps may print
      reporter.progress(event);
    }
    reporter.done('reg/higress/all-in-one:latest');

    const text = out.text();
    expect(text).not.toMatch(/\u001b/);
    expect(text).not.toMatch(/[\u2800-\u28ff]/);
    expect(text).not.toMatch(/\r/);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('Pulling reg/higress/all-in-one:latest …');
    expect(lines.slice(1, -1)).toEqual([
      // Sizes are known only once a layer's download starts: until then the total is a lower bound.
      'Pulling reg/higress/all-in-one:latest: 1/4 layers, 0.0 MB, 1s',
      'Pulling reg/higress/all-in-one:latest: 2/4 layers, 10.0 MB of at least 10.0 MB, 5.9 MB/s, 2s',
      'Pulling reg/higress/all-in-one:latest: 3/4 layers, 20.0 MB of at least 20.0 MB, 6.9 MB/s, 3s',
    ]);
    expect(lines.at(-1)).toBe(`Pulled reg/higress/all-in-one:latest (4 layers, 30.0 MB) in ${Math.round(clock / 1000)}s`);
  });

  it('adds a progress line at most every 5 s while nothing else changes', async () => {
    const out = capture();
    let clock = 0;
    const reporter = await createPullReporter({ interactive: false, stream: out.stream, now: () => clock });
    reporter.start('r');
    reporter.progress({ status: 'Pulling fs layer', id: 'big' });
    for (let i = 1; i <= 120; i++) {
      clock += 250; // 30 s of slow download
      reporter.progress({ status: 'Downloading', id: 'big', progressDetail: { current: i * MB, total: 500 * MB } });
    }
    const progressLines = out.text().split('\n').filter((l) => l.startsWith('Pulling r:'));
    expect(progressLines).toHaveLength(6);
    // One layer of known size: percentage, rate over the last seconds and the time left.
    expect(progressLines[0]).toBe('Pulling r: 0/1 layers, 20.0/500.0 MB (4%), 4.0 MB/s, ETA 2 min 0 s, 5s');
  });

  it('reports a failed candidate and the next one; the last failure is left to the error message', async () => {
    const out = capture();
    const reporter = await createPullReporter({ interactive: false, stream: out.stream });
    reporter.start('a');
    reporter.failed('a', 'manifest unknown', 'b');
    reporter.start('b');
    reporter.failed('b', 'manifest unknown');
    expect(out.text()).toBe('Pulling a …\npull from a failed: manifest unknown; trying b\nPulling b …\n');
  });

  it('the status line: total, percentage, rate and ETA once every size is known', () => {
    const progress = new PullProgress();
    progress.update({ status: 'Already exists', id: 'base' });
    progress.update({ status: 'Downloading', id: 'a', progressDetail: { current: 50 * MB, total: 100 * MB } });
    progress.update({ status: 'Pulling fs layer', id: 'b' });
    expect(status('r', progress, 10_000, 5 * MB)).toBe('Pulling r: 1/3 layers, 50.0 MB of at least 100.0 MB, 5.0 MB/s, 10s');
    progress.update({ status: 'Downloading', id: 'b', progressDetail: { current: 0, total: 200 * MB } });
    expect(status('r', progress, 10_000, 5 * MB)).toBe('Pulling r: 1/3 layers, 50.0/300.0 MB (16%), 5.0 MB/s, ETA 50 s, 10s');
  });

  it('the rate is measured over the last 5 s', () => {
    const meter = new RateMeter();
    meter.add(0, 0);
    expect(meter.perSecond()).toBe(0);
    for (let t = 1000; t <= 20_000; t += 1000) meter.add(t, t < 10_000 ? t * 1000 : 10 * MB);
    // Nothing new for 10 s: the rate has fallen to zero, not averaged over the whole pull.
    expect(meter.perSecond()).toBe(0);
  });

  it('drives a spinner on a terminal and ends with the summary', async () => {
    const out = capture(true);
    const reporter = await createPullReporter({ interactive: true, stream: out.stream });
    reporter.start('r');
    for (const event of events()) reporter.progress(event);
    reporter.done('r');
    expect(out.text()).toMatch(/Pulled r \(4 layers, 30\.0 MB\) in \d+s/);
  });

  it('falls back to plain lines on a terminal that reports 0 columns (ora would loop forever)', async () => {
    const out = capture(true);
    Object.assign(out.stream, { columns: 0 });
    const reporter = await createPullReporter({ interactive: true, stream: out.stream, now: () => 0 });
    reporter.start('r');
    reporter.done('r');
    expect(out.text()).toBe('Pulling r …\nPulled r (already up to date) in 0s\n');
  });

  it('is interactive only on a TTY outside CI', () => {
    expect(isInteractive(capture(true).stream, {})).toBe(true);
    expect(isInteractive(capture(true).stream, { CI: 'true' })).toBe(false);
    expect(isInteractive(capture(true).stream, { CI: 'false' })).toBe(true);
    expect(isInteractive(capture(false).stream, {})).toBe(false);
  });
});
