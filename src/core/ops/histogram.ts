/**
 * A fixed-size latency histogram: exact below 1024 ms, then 64 log-spaced buckets per power of two
 * (under 1.6 % relative error) up to 2^31 ms. Memory is the same for ten values or ten million.
 */
const EXACT = 1024;
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;
const OCTAVES = 31 - 10;
const SIZE = EXACT + OCTAVES * SUB;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(SIZE);
  private total = 0;
  private maxValue = 0;

  get count(): number {
    return this.total;
  }

  get max(): number {
    return this.maxValue;
  }

  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const value = Math.min(Math.round(ms), 2 ** 31 - 1);
    this.counts[bucketOf(value)]!++;
    this.total++;
    if (value > this.maxValue) this.maxValue = value;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < SIZE; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.maxValue = Math.max(this.maxValue, other.maxValue);
  }

  /** Nearest-rank percentile (p in 0..100); undefined when empty. Exact below 1024 ms. */
  percentile(p: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(representative(i), this.maxValue);
    }
    return this.maxValue;
  }
}

function bucketOf(value: number): number {
  if (value < EXACT) return value;
  const octave = Math.floor(Math.log2(value)); // 10..30
  const sub = Math.floor((value / 2 ** octave - 1) * SUB);
  return EXACT + (octave - 10) * SUB + Math.min(sub, SUB - 1);
}

/** The middle of a bucket (its only value below 1024 ms). */
function representative(index: number): number {
  if (index < EXACT) return index;
  const octave = Math.floor((index - EXACT) / SUB) + 10;
  const sub = (index - EXACT) % SUB;
  const low = 2 ** octave * (1 + sub / SUB);
  const high = 2 ** octave * (1 + (sub + 1) / SUB);
  return Math.round((low + high) / 2);
}

export const HISTOGRAM_BYTES = SIZE * 4;
