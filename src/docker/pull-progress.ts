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
  private readonly layers = new Map<string, { current: number; total: number; done: boolean }>();

  update(event: PullEvent): void {
    if (!event.id || !event.status || !LAYER_STATUSES.has(event.status)) return;
    let layer = this.layers.get(event.id);
    if (!layer) {
      layer = { current: 0, total: 0, done: false };
      this.layers.set(event.id, layer);
    }
    const detail = event.progressDetail ?? {};
    if (event.status === 'Downloading') {
      if (typeof detail.current === 'number') layer.current = detail.current;
      if (typeof detail.total === 'number' && detail.total > 0) layer.total = detail.total;
    } else if (event.status === 'Download complete' || event.status === 'Verifying Checksum') {
      if (layer.total > 0) layer.current = layer.total;
    } else if (event.status === 'Pull complete' || event.status === 'Already exists') {
      layer.done = true;
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

function summary(ref: string, progress: PullProgress, elapsedMs: number): string {
  if (progress.layerCount === 0) return `Pulled ${ref} (already up to date) in ${seconds(elapsedMs)}s`;
  return `Pulled ${ref} (${progress.layerCount} layers, ${mb(progress.downloadedBytes)} MB) in ${seconds(elapsedMs)}s`;
}

function status(ref: string, progress: PullProgress, elapsedMs: number): string {
  return `Pulling ${ref}: ${progress.doneCount}/${progress.layerCount} layers, ${mb(progress.downloadedBytes)} MB, ${seconds(elapsedMs)}s`;
}

function plainReporter(stream: NodeJS.WritableStream, now: () => number): PullReporter {
  const PERIOD_MS = 5000;
  let ref = '';
  let progress = new PullProgress();
  let startedAt = 0;
  let lastLineAt = 0;
  let lastQuarter = 0;
  const write = (line: string) => stream.write(`${line}\n`);

  return {
    start(r) {
      ref = r;
      progress = new PullProgress();
      startedAt = lastLineAt = now();
      lastQuarter = 0;
      write(`Pulling ${ref} …`);
    },
    progress(event) {
      progress.update(event);
      const t = now();
      const total = progress.layerCount;
      const quarter = total > 0 ? Math.floor((progress.doneCount / total) * 4) : 0;
      const newQuarter = quarter > lastQuarter && quarter < 4;
      if (newQuarter || (total > 0 && t - lastLineAt >= PERIOD_MS)) {
        write(status(ref, progress, t - startedAt));
        lastLineAt = t;
        lastQuarter = Math.max(lastQuarter, quarter);
      }
    },
    done(r) {
      write(summary(r, progress, now() - startedAt));
    },
    failed(r, reason, next) {
      write(next ? `pull from ${r} failed: ${reason}; trying ${next}` : `pull from ${r} failed: ${reason}`);
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
  const refresh = () => {
    spinner.text = status(ref, progress, now() - startedAt);
  };
  const stop = () => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
  };

  return {
    start(r) {
      ref = r;
      progress = new PullProgress();
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
      else spinner.fail(`pull from ${r} failed: ${reason}`);
    },
  };
}
