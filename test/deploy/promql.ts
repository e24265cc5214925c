/**
 * The metric names a PromQL expression reads. Enough of PromQL for dashboards and alert rules:
 * strings, label matchers, ranges and subqueries, grouping clauses (`by`, `without`, `on`,
 * `ignoring`, `group_left`, `group_right`), functions and aggregations, keywords, numbers and
 * durations, Grafana variables (`$__rate_interval`, `${datasource}`).
 */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ') // string literals
    .replace(/\{[^}]*\}/g, ' ') // label matchers (and ${variables})
    .replace(/\[[^\]]*\]/g, ' ') // ranges, subqueries
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ') // grouping labels
    .replace(/\$\w+/g, ' '); // Grafana variables
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.:$])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (call || KEYWORDS.has(name!.toLowerCase())) continue;
    names.add(name!);
  }
  return [...names];
}

/** The metric families of a Prometheus text exposition: name → type. */
export function exportedFamilies(text: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (m) families.set(m[1]!, m[2]!);
  }
  return families;
}

/** Whether `name` is a series of the exposition: a family itself, or a histogram's or summary's _bucket/_sum/_count. */
export function isExported(name: string, families: Map<string, string>): boolean {
  if (families.has(name)) return true;
  const m = /^(.+)_(bucket|sum|count)$/.exec(name);
  if (!m) return false;
  const type = families.get(m[1]!);
  return type === 'histogram' || (type === 'summary' && m[2] !== 'bucket');
}
