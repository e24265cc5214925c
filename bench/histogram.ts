/**
 * A latency histogram with logarithmic buckets 1 % wide, from 1 µs to about 100 s: percentiles
 * are exact to within 1 %, and histograms from several processes merge by adding counts.
 */
const GROWTH = 1.01;
const MIN_MS = 0.001;
const BUCKETS = Math.ceil(Math.log(100_000 / MIN_MS) / Math.log(GROWTH)) + 1;
const LOG_GROWTH = Math.log(GROWTH);

export interface Histogram {
  counts: Float64Array;
  count: number;
  max: number;
  /** samples below zero (clock trouble); counted in the first bucket */
  negative: number;
}

export function createHistogram(): Histogram {
  return { counts: new Float64Array(BUCKETS), count: 0, max: 0, negative: 0 };
}

export function record(h: Histogram, ms: number): void {
  if (ms < 0) h.negative++;
  const index = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH));
  h.counts[index]!++;
  h.count++;
  if (ms > h.max) h.max = ms;
}

export function merge(into: Histogram, from: Histogram): Histogram {
  for (let i = 0; i < BUCKETS; i++) into.counts[i]! += from.counts[i]!;
  into.count += from.count;
  into.negative += from.negative;
  into.max = Math.max(into.max, from.max);
  return into;
}

/** The value at quantile q (0..1): the upper edge of its bucket; null for an empty histogram. */
export function percentile(h: Histogram, q: number): number | null {
  if (h.count === 0) return null;
  const rank = Math.max(1, Math.ceil(q * h.count));
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += h.counts[i]!;
    if (seen >= rank) return Math.min(h.max, MIN_MS * GROWTH ** i);
  }
  return h.max;
}
