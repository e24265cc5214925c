/**
 * A small counter/gauge registry, rendered in the Prometheus text format at `/metrics`.
 * Counters are plain numbers keyed by name and a fixed label set, cheap enough for the hot path.
 */
export type Labels = Record<string, string>;

interface Series {
  help: string;
  kind: 'counter' | 'gauge';
  values: Map<string, number>;
}

const NEEDS_ESCAPE = /["\\\n]/;

/** `{a="1",b="2"}`: cheap on the hot path (one label, nothing to escape, no sort). */
function labelKey(labels: Labels | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = String(labels[key]);
    out += `${i > 0 ? ',' : ''}${key}="${NEEDS_ESCAPE.test(value) ? value.replace(/["\\\n]/g, '_') : value}"`;
  }
  return `${out}}`;
}

export class Metrics {
  private readonly series = new Map<string, Series>();
  private readonly gauges = new Map<string, () => number>();

  private get(name: string, help: string, kind: Series['kind']): Series {
    let s = this.series.get(name);
    if (!s) {
      s = { help, kind, values: new Map() };
      this.series.set(name, s);
    }
    return s;
  }

  /** Adds `by` (default 1) to a counter. */
  inc(name: string, help: string, labels?: Labels, by = 1): void {
    const s = this.get(name, help, 'counter');
    const key = labelKey(labels);
    s.values.set(key, (s.values.get(key) ?? 0) + by);
  }

  /** A gauge read at render time. */
  gauge(name: string, help: string, read: () => number): void {
    this.get(name, help, 'gauge');
    this.gauges.set(name, read);
  }

  value(name: string, labels?: Labels): number {
    const read = this.gauges.get(name);
    if (read) return read();
    return this.series.get(name)?.values.get(labelKey(labels)) ?? 0;
  }

  /** Sum over every label set of a series. */
  total(name: string): number {
    let sum = 0;
    for (const v of this.series.get(name)?.values.values() ?? []) sum += v;
    return sum;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, s] of this.series) {
      lines.push(`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.kind}`);
      const read = this.gauges.get(name);
      if (read) lines.push(`${name} ${read()}`);
      else for (const [key, v] of s.values) lines.push(`${name}${key} ${v}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
