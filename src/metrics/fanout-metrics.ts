import type { Registry } from 'prom-client';
import { counter, counterBy, gauge, histogramBy } from './series.js';
import type { Watch } from '../change-listeners.js';

/**
 * The fan-out's metrics. Executions per upstream event:
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
  overflows: 'graphql_subscription_overflows_total',
  writeLatency: 'graphql_subscription_write_latency_seconds',
  backlog: 'graphql_subscription_fanout_backlog',
  conflated: 'graphql_ws_conflated_total',
  slowCloses: 'graphql_ws_slow_consumer_closes_total',
  queuedBytes: 'graphql_ws_queued_bytes',
  bufferedMax: 'graphql_ws_buffered_bytes_max',
  subscriptions: 'graphql_ws_subscriptions',
} as const;

export interface FanoutMetrics {
  /** one execution of a shared subscription (one event of one group) */
  executed(field: string | null): void;
  /** a subscription that runs on its own (not shareable) started */
  unshared(field: string | null): void;
  delivered(count: number): void;
  /**
   * The frame of one event reached every socket of its group: seconds from the moment the
   * gateway received the event upstream. Observed once per group and event, never per socket.
   */
  written(field: string | null, seconds: number): void;
  /** a subscription ended because it fell too many events behind its source (its backlog dropped) */
  overflowed(field: string | null): void;
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
  /** live operations on them, shared or not */
  subscriptions(): number;
  /** calls its listener after each change of `groups` or `members` */
  watch?: Watch;
}

const nothing = (): void => {};

/** For a fan-out built without a registry (tests of its parts). */
export const NO_FANOUT_METRICS: FanoutMetrics = {
  executed: nothing, unshared: nothing, delivered: nothing, written: nothing, overflowed: nothing, conflated: nothing, slowClose: nothing,
};

/** The fan-out's counters and histogram; `fields` are the subscription fields of the schema. */
export function createFanoutMetrics(registry: Registry, fields: readonly string[]): FanoutMetrics {
  const m = FANOUT_METRICS;
  const values = [...fields, 'unknown'];
  const byField = { registry, label: 'field', values };
  const executed = counterBy({ ...byField, name: m.executions, help: 'executions of shared subscriptions (one per group per event)' });
  const unshared = counterBy({ ...byField, name: m.unshared, help: 'subscriptions executed on their own (not shareable)' });
  const overflowed = counterBy({ ...byField, name: m.overflows, help: 'subscriptions ended for falling too many events behind their source' });
  const written = histogramBy({
    ...byField,
    name: m.writeLatency,
    help: 'seconds from receiving an event upstream to handing its frame to the last socket of a shared group (once per group and event)',
  });
  const delivered = counter({ registry, name: m.deliveries, help: 'shared frames handed to sockets' });
  const conflated = counter({ registry, name: m.conflated, help: 'frames replaced by a newer one for a socket that is behind' });
  const slowClose = counter({ registry, name: m.slowCloses, help: 'connections closed for falling too far behind (close code 1013)' });
  return {
    executed: (field) => executed(field ?? 'unknown')(),
    unshared: (field) => unshared(field ?? 'unknown')(),
    overflowed: (field) => overflowed(field ?? 'unknown')(),
    written: (field, seconds) => written(field ?? 'unknown')(seconds),
    delivered: (count) => delivered(count),
    conflated: () => conflated(),
    slowClose: () => slowClose(),
  };
}

/** The fan-out's gauges, read from its live state when scraped. */
export function registerFanoutGauges(registry: Registry, sources: FanoutGaugeSources): void {
  const m = FANOUT_METRICS;
  gauge({ registry, name: m.groups, help: 'live shared subscription groups' }, sources.groups);
  gauge({ registry, name: m.members, help: 'subscriptions served by shared groups' }, sources.members);
  gauge({ registry, name: m.backlog, help: 'shared frames not yet handed to their sockets' }, sources.backlog);
  gauge({ registry, name: m.queuedBytes, help: 'bytes waiting for sockets that are behind' }, sources.queuedBytes);
  gauge({ registry, name: m.bufferedMax, help: 'the largest socket write buffer, in bytes' }, sources.bufferedMax);
  gauge({ registry, name: m.subscriptions, help: 'live operations on GraphQL WebSocket connections (shared or not)' }, sources.subscriptions);
}
