import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, stopLeftovers } from '../helpers/gateway.js';
import { exportedFamilies, isExported, metricNames } from './promql.js';

const root = resolve(import.meta.dirname, '../..');
/** series Prometheus makes itself, not the gateway */
const SYNTHETIC = new Set(['up']);

/** Every `expr:` of the alert rules: each on one line, one per rule. */
function alertExpressions(): string[] {
  const text = readFileSync(resolve(root, 'deploy/prometheus/alerts.yml'), 'utf8');
  const exprs = [...text.matchAll(/^\s+expr:\s*(.+)$/gm)].map((m) => m[1]!.trim());
  expect(exprs.length).toBe([...text.matchAll(/^\s+- alert:/gm)].length);
  return exprs;
}

interface Dashboard {
  panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
  templating: { list: Array<{ name: string; definition?: string }> };
}

/** Every panel query of the dashboard, and the metric of each `label_values(metric{…}, label)` variable. */
function dashboardQueries(): { exprs: string[]; variableMetrics: string[] } {
  const dashboard = JSON.parse(readFileSync(resolve(root, 'deploy/grafana/bitpanda-gateway.json'), 'utf8')) as Dashboard;
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const variableMetrics = dashboard.templating.list.flatMap((v) => {
    if (!v.definition) return [];
    const m = /^label_values\(\s*([a-zA-Z_:][\w:]*)/.exec(v.definition);
    expect(m, `variable ${v.name}: ${v.definition}`).not.toBeNull();
    return [m![1]!];
  });
  return { exprs, variableMetrics };
}

afterEach(async () => {
  expect(await stopLeftovers()).toBe(0);
});

describe('deploy/: the dashboard and the alert rules', () => {
  it('query only metrics a running gateway exports on /metrics', async () => {
    const gw = await startTestGateway();
    const res = await fetch(`${gw.server.url}/metrics`);
    expect(res.status).toBe(200);
    const families = exportedFamilies(await res.text());
    await gw.stop();
    expect(families.get('graphql_subscription_write_latency_seconds')).toBe('histogram');

    const alerts = alertExpressions();
    const { exprs, variableMetrics } = dashboardQueries();
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    expect(exprs.length).toBeGreaterThanOrEqual(20);
    const queried = new Set([...[...alerts, ...exprs].flatMap(metricNames), ...variableMetrics]);
    const missing = [...queried].filter((name) => !SYNTHETIC.has(name) && !isExported(name, families));
    expect(missing).toEqual([]);
    // what operators ask first is covered
    for (const name of [
      'upstream_price_socket_subscribed',
      'bitpanda_events_poll_consecutive_failures',
      'bitpanda_events_poll_lag_seconds_bucket',
      'graphql_ws_slow_consumer_closes_total',
      'graphql_subscription_write_latency_seconds_bucket',
    ]) {
      expect(alerts.flatMap(metricNames)).toContain(name);
    }
  });
});

describe('metricNames', () => {
  it('finds the metrics of typical expressions and nothing else', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, field) (rate(a_seconds_bucket{job="x", le!~"1.*"}[5m])))')).toEqual(['a_seconds_bucket']);
    expect(metricNames('max by (job) (b{job="g"}) == 0 and on (instance) c_total offset 5m > 1e3')).toEqual(['b', 'c_total']);
    expect(metricNames('sum without (pod) (rate(d_total{instance=~"$instance"}[$__rate_interval])) * 300 > bool 5')).toEqual(['d_total']);
    expect(metricNames('e / ignoring (x) group_left (y) f')).toEqual(['e', 'f']);
    expect(metricNames('max_over_time(g[1h:5m]) unless h{a="by (z) or"}')).toEqual(['g', 'h']);
  });

  it('finds exactly the names of generated selectors combined with functions, aggregations and operators', () => {
    const ident = fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/).filter((s) => !['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan'].includes(s));
    const matcher = fc.tuple(ident, fc.constantFrom('=', '!=', '=~', '!~'), fc.string({ maxLength: 12 })).map(([l, op, v]) => `${l}${op}${JSON.stringify(v)}`);
    const selector = fc.tuple(ident, fc.array(matcher, { maxLength: 3 }), fc.option(fc.constantFrom('[5m]', '[$__rate_interval]', '[1h:1m]'))).map(([name, ms, range]) => ({
      name,
      text: `${name}${ms.length ? `{${ms.join(', ')}}` : ''}${range ?? ''}`,
    }));
    const wrapped = fc.tuple(selector, fc.constantFrom('', 'rate', 'increase', 'sum by (le, field)', 'max without (instance)', 'histogram_quantile(0.99, sum by (le)')).map(([s, f]) => {
      if (f === '') return s;
      if (f.startsWith('histogram_quantile')) return { ...s, text: `${f} (${s.text}))` };
      return { ...s, text: `${f}(${s.text})` };
    });
    fc.assert(
      fc.property(fc.array(wrapped, { minLength: 1, maxLength: 4 }), fc.constantFrom(' + ', ' / on (job) ', ' and ', ' or ', ' > bool '), (parts, op) => {
        const expr = parts.map((p) => p.text).join(op);
        expect(new Set(metricNames(expr))).toEqual(new Set(parts.map((p) => p.name)));
      }),
    );
  });
});
