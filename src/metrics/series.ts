import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Small constructors over prom-client for the typed metric sets: every series exists from the
 * start (counters at 0 for each known label value, histograms zeroed), and labelled series are
 * bound once, so a call site on a hot path costs one increment and no label lookup.
 */

/** Seconds buckets from a millisecond to ten seconds. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface SeriesSpec {
  registry: Registry;
  name: string;
  help: string;
}

/**
 * Counts kept in a plain number and added to prom-client when scraped: an increment on a hot
 * path (per frame, per delivery chunk) costs one addition, not a prom-client call.
 */
interface Pending {
  series: { inc(by: number): void };
  count: number;
}

function flush(pending: Iterable<Pending>): void {
  for (const p of pending) {
    if (p.count === 0) continue;
    const by = p.count;
    p.count = 0;
    p.series.inc(by);
  }
}

/** An unlabelled counter; returns its increment. */
export function counter({ registry, name, help }: SeriesSpec): (by?: number) => void {
  const pending: Pending[] = [];
  const metric = new Counter({ name, help, registers: [registry], collect: () => flush(pending) });
  const p: Pending = { series: metric, count: 0 };
  pending.push(p);
  return (by = 1) => {
    p.count += by;
  };
}

/**
 * A counter with one label whose known values are present at 0 from the start. Returns a
 * function giving the increment of one value, bound once per value; a value not listed gets
 * its series on first use (the caller keeps the set bounded).
 */
export function counterBy<V extends string>(spec: SeriesSpec & { label: string; values: readonly V[] }): (value: V) => (by?: number) => void {
  const { registry, name, help, label, values } = spec;
  const pending: Pending[] = [];
  const metric = new Counter({ name, help, labelNames: [label], registers: [registry], collect: () => flush(pending) });
  const bound = new Map<string, (by?: number) => void>();
  const child = (value: string): ((by?: number) => void) => {
    let inc = bound.get(value);
    if (!inc) {
      const series = metric.labels(value);
      series.inc(0);
      const p: Pending = { series, count: 0 };
      pending.push(p);
      inc = (by = 1) => {
        p.count += by;
      };
      bound.set(value, inc);
    }
    return inc;
  };
  for (const value of values) child(value);
  return child;
}

/** A counter over several labels, with the given label sets present at 0 from the start. */
export function counterOver<L extends string>(
  spec: SeriesSpec & { labels: readonly L[]; initial: ReadonlyArray<Record<L, string>> },
): (labels: Record<L, string>) => void {
  const { registry, name, help, labels, initial } = spec;
  const metric = new Counter({ name, help, labelNames: labels as readonly string[] as string[], registers: [registry] });
  for (const set of initial) metric.inc(set, 0);
  return (set) => metric.inc(set);
}

/** A gauge read when scraped. */
export function gauge({ registry, name, help }: SeriesSpec, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** A histogram with one label, zeroed for the known values; returns the observer of one value, bound once. */
export function histogramBy<V extends string>(
  spec: SeriesSpec & { label: string; values: readonly V[]; buckets?: number[] },
): (value: V) => (observed: number) => void {
  const { registry, name, help, label, values, buckets = LATENCY_BUCKETS } = spec;
  const metric = new Histogram({ name, help, labelNames: [label], buckets, registers: [registry] });
  const bound = new Map<string, (observed: number) => void>();
  const child = (value: string): ((observed: number) => void) => {
    let observe = bound.get(value);
    if (!observe) {
      const labels = { [label]: value };
      metric.zero(labels);
      const series = metric.labels(labels);
      observe = (observed) => series.observe(observed);
      bound.set(value, observe);
    }
    return observe;
  };
  for (const value of values) child(value);
  return child;
}

/** An unlabelled histogram; returns its observer. */
export function histogram({ registry, name, help, buckets = LATENCY_BUCKETS }: SeriesSpec & { buckets?: number[] }): (observed: number) => void {
  const metric = new Histogram({ name, help, buckets, registers: [registry] });
  return (observed) => metric.observe(observed);
}

/** The current value of one series (0 when absent): for tests and tools. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const wanted = Object.entries(labels);
  const found = values.find((v) => {
    const have = v.labels as Record<string, unknown>;
    return Object.keys(have).length === wanted.length && wanted.every(([k, value]) => String(have[k]) === value);
  });
  return found?.value ?? 0;
}

/** The sum over every series of a counter or gauge (0 when absent). */
export async function metricTotal(registry: Registry, name: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}
