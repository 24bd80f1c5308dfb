/** One line of the Engine API's pull progress stream. */
export interface PullEvent {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

export interface PullReporter {
  start(ref: string): void;
  progress(event: PullEvent): void;
  done(ref: string): void;
  /** `next` is the candidate tried after this one; absent when none is left. */
  failed(ref: string, reason: string, next?: string): void;
}

const LAYER_STATUSES = new Set([
  'Pulling fs layer',
  'Waiting',
  'Downloading',
  'Verifying Checksum',
  'Download complete',
  'Extracting',
  'Pull complete',
  'Already exists',
]);

/** Per-layer state from the progress events; "Pulling from <repo>" carries the tag as id and is not a layer. */
export class PullProgress {
  private readonly layers = new Map<string, { current: number; total: number; done: boolean; sized: boolean }>();

  update(event: PullEvent): void {
    if (!event.id || !event.status || !LAYER_STATUSES.has(event.status)) return;
    let layer = this.layers.get(event.id);
    if (!layer) {
      layer = { current: 0, total: 0, done: false, sized: false };
      this.layers.set(event.id, layer);
    }
    const detail = event.progressDetail ?? {};
    if (event.status === 'Downloading') {
      if (typeof detail.current === 'number') layer.current = detail.current;
      if (typeof detail.total === 'number' && detail.total > 0) {
        layer.total = detail.total;
        layer.sized = true;
      }
    } else if (event.status === 'Download complete' || event.status === 'Verifying Checksum') {
      if (layer.total > 0) layer.current = layer.total;
      layer.sized = true;
    } else if (event.status === 'Pull complete' || event.status === 'Already exists') {
      layer.done = true;
      layer.sized = true;
      if (layer.total > 0) layer.current = layer.total;
    }
  }

  get layerCount(): number {
    return this.layers.size;
  }

  get doneCount(): number {
    let n = 0;
    for (const layer of this.layers.values()) if (layer.done) n++;
    return n;
  }

  get downloadedBytes(): number {
    let bytes = 0;
    for (const layer of this.layers.values()) bytes += layer.current;
    return bytes;
  }

  /** Bytes to download, summed over the layers whose size the engine has told so far. */
  get knownTotalBytes(): number {
    let bytes = 0;
    for (const layer of this.layers.values()) bytes += layer.total;
    return bytes;
  }

  /** The engine reports a layer's size only once its download starts; until then the total is a lower bound. */
  get totalKnown(): boolean {
    for (const layer of this.layers.values()) if (!layer.sized) return false;
    return this.layers.size > 0;
  }
}

/** Download rate over the last few seconds, from (time, bytes) samples. */
export class RateMeter {
  private readonly samples: [number, number][] = [];
  constructor(private readonly windowMs = 5000) {}

  add(t: number, bytes: number): void {
    this.samples.push([t, bytes]);
    while (this.samples.length > 2 && t - this.samples[1]![0] >= this.windowMs) this.samples.shift();
  }

  /** Bytes per second, or 0 before there are two samples a moment apart. */
  perSecond(): number {
    if (this.samples.length < 2) return 0;
    const [t0, b0] = this.samples[0]!;
    const [t1, b1] = this.samples[this.samples.length - 1]!;
    return t1 - t0 < 500 ? 0 : ((b1 - b0) * 1000) / (t1 - t0);
  }
}

export interface PullReporterOptions {
  interactive: boolean;
  stream?: NodeJS.WritableStream;
  now?: () => number;
}

/** A terminal gets a spinner; anything else gets a few plain lines, never spinner frames or escapes. */
export function isInteractive(
  stream: NodeJS.WritableStream = process.stderr,
  env: Record<string, string | undefined> = process.env,
): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return Boolean((stream as { isTTY?: boolean }).isTTY) && !ci;
}

export async function createPullReporter(options: PullReporterOptions): Promise<PullReporter> {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  // ora computes lines to clear as width / columns: a pty reporting 0 columns makes it loop forever.
  const columns = (stream as { columns?: number }).columns;
  const spinnerSafe = columns === undefined || columns > 0;
  return options.interactive && spinnerSafe ? spinnerReporter(stream, now) : plainReporter(stream, now);
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
const seconds = (ms: number) => Math.round(ms / 1000);
const duration = (s: number) => (s >= 90 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.max(1, Math.round(s))} s`);

function summary(ref: string, progress: PullProgress, elapsedMs: number): string {
  if (progress.layerCount === 0) return `Pulled ${ref} (already up to date) in ${seconds(elapsedMs)}s`;
  return `Pulled ${ref} (${progress.layerCount} layers, ${mb(progress.downloadedBytes)} MB) in ${seconds(elapsedMs)}s`;
}

/** "3/7 layers, 120.3/410.2 MB (29%), 12.1 MB/s, ETA 24 s, 10s"; the size is "of at least" until every layer's is known. */
export function status(ref: string, progress: PullProgress, elapsedMs: number, bytesPerSecond = 0): string {
  const got = progress.downloadedBytes;
  const total = progress.knownTotalBytes;
  const parts = [`${progress.doneCount}/${progress.layerCount} layers`];
  if (progress.totalKnown && total > 0) {
    parts.push(`${mb(got)}/${mb(total)} MB (${Math.min(100, Math.floor((got / total) * 100))}%)`);
  } else {
    parts.push(total > 0 ? `${mb(got)} MB of at least ${mb(total)} MB` : `${mb(got)} MB`);
  }
  if (bytesPerSecond > 0) {
    parts.push(`${mb(bytesPerSecond)} MB/s`);
    if (progress.totalKnown && total > got) parts.push(`ETA ${duration((total - got) / bytesPerSecond)}`);
  }
  parts.push(`${seconds(elapsedMs)}s`);
  return `Pulling ${ref}: ${parts.join(', ')}`;
}

function plainReporter(stream: NodeJS.WritableStream, now: () => number): PullReporter {
  const PERIOD_MS = 5000;
  let ref = '';
  let progress = new PullProgress();
  let startedAt = 0;
  let lastLineAt = 0;
  let lastQuarter = 0;
  let rate = new RateMeter();
  const write = (line: string) => stream.write(`${line}\n`);

  return {
    start(r) {
      ref = r;
      progress = new PullProgress();
      rate = new RateMeter();
      startedAt = lastLineAt = now();
      lastQuarter = 0;
      write(`Pulling ${ref} …`);
    },
    progress(event) {
      progress.update(event);
      const t = now();
      rate.add(t, progress.downloadedBytes);
      const total = progress.layerCount;
      const quarter = total > 0 ? Math.floor((progress.doneCount / total) * 4) : 0;
      const newQuarter = quarter > lastQuarter && quarter < 4;
      if (newQuarter || (total > 0 && t - lastLineAt >= PERIOD_MS)) {
        write(status(ref, progress, t - startedAt, rate.perSecond()));
        lastLineAt = t;
        lastQuarter = Math.max(lastQuarter, quarter);
      }
    },
    done(r) {
      write(summary(r, progress, now() - startedAt));
    },
    failed(r, reason, next) {
      // The last candidate's failure is the command's error message: not said twice.
      if (next) write(`pull from ${r} failed: ${reason}; trying ${next}`);
    },
  };
}

async function spinnerReporter(stream: NodeJS.WritableStream, now: () => number): Promise<PullReporter> {
  const { default: ora } = await import('ora');
  const spinner = ora({ stream, discardStdin: false, isEnabled: true });
  let ref = '';
  let progress = new PullProgress();
  let startedAt = 0;
  let ticker: NodeJS.Timeout | undefined;
  let rate = new RateMeter();
  const refresh = () => {
    const t = now();
    rate.add(t, progress.downloadedBytes);
    spinner.text = status(ref, progress, t - startedAt, rate.perSecond());
  };
  const stop = () => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
  };

  return {
    start(r) {
      ref = r;
      progress = new PullProgress();
      rate = new RateMeter();
      startedAt = now();
      spinner.start(`Pulling ${ref}`);
      // Keeps the elapsed time moving while a big layer sends no events.
      ticker = setInterval(refresh, 1000);
      ticker.unref();
    },
    progress(event) {
      progress.update(event);
      refresh();
    },
    done(r) {
      stop();
      spinner.succeed(summary(r, progress, now() - startedAt));
    },
    failed(r, reason, next) {
      stop();
      if (next) spinner.warn(`pull from ${r} failed: ${reason}; trying ${next}`);
      else spinner.stop();
    },
  };
}
