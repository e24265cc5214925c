import type { Metrics } from './counter-registry.js';

/**
 * The fan-out's metrics, all on `/metrics`. Executions per upstream event:
 * `graphql_subscription_executions_total{field="priceUpdated"}` over
 * `upstream_frames_total{channel="prices-v1"}`; with every group matching, it equals
 * `graphql_subscription_groups`.
 */
export const FANOUT_METRICS = {
  executions: 'graphql_subscription_executions_total',
  groups: 'graphql_subscription_groups',
  members: 'graphql_subscription_members',
  unshared: 'graphql_subscription_unshared_total',
  deliveries: 'graphql_subscription_deliveries_total',
  backlog: 'graphql_subscription_fanout_backlog',
  conflated: 'graphql_ws_conflated_total',
  slowCloses: 'graphql_ws_slow_consumer_closes_total',
  queuedBytes: 'graphql_ws_queued_bytes',
  bufferedMax: 'graphql_ws_buffered_bytes_max',
} as const;

export interface FanoutMetrics {
  /** one execution of a shared subscription (one event of one group) */
  executed(field: string | null): void;
  /** a subscription that runs on its own (not shareable) started */
  unshared(field: string | null): void;
  delivered(count: number): void;
  conflated(): void;
  slowClose(): void;
}

export interface FanoutGaugeSources {
  groups(): number;
  members(): number;
  backlog(): number;
  /** bytes waiting in outboxes, summed */
  queuedBytes(): number;
  /** the largest `bufferedAmount` of any connection */
  bufferedMax(): number;
}

export function createFanoutMetrics(metrics: Metrics, gauges: FanoutGaugeSources): FanoutMetrics {
  const m = FANOUT_METRICS;
  metrics.gauge(m.groups, 'live shared subscription groups', gauges.groups);
  metrics.gauge(m.members, 'subscriptions served by shared groups', gauges.members);
  metrics.gauge(m.backlog, 'shared frames not yet handed to their sockets', gauges.backlog);
  metrics.gauge(m.queuedBytes, 'bytes waiting for sockets that are behind', gauges.queuedBytes);
  metrics.gauge(m.bufferedMax, 'the largest socket write buffer, in bytes', gauges.bufferedMax);
  const labels = new Map<string, { field: string }>();
  const field = (name: string | null): { field: string } => {
    const key = name ?? 'unknown';
    let l = labels.get(key);
    if (!l) labels.set(key, (l = { field: key }));
    return l;
  };
  return {
    executed: (name) => metrics.inc(m.executions, 'executions of shared subscriptions (one per group per event)', field(name)),
    unshared: (name) => metrics.inc(m.unshared, 'subscriptions executed on their own (not shareable)', field(name)),
    delivered: (count) => metrics.inc(m.deliveries, 'shared frames handed to sockets', undefined, count),
    conflated: () => metrics.inc(m.conflated, 'frames replaced by a newer one for a socket that is behind'),
    slowClose: () => metrics.inc(m.slowCloses, 'connections closed for falling too far behind (close code 1013)'),
  };
}
