import type { Registry } from 'prom-client';
import { counter } from './series.js';

/** Cluster mode's own metrics. */
export interface ClusterMetrics {
  /** a message that could not be published to Redis (a price is lost; notifications are caught up from the log) */
  publishFailed(): void;
}

export const NO_CLUSTER_METRICS: ClusterMetrics = { publishFailed: () => {} };

export function createClusterMetrics(registry: Registry): ClusterMetrics {
  const failed = counter({ registry, name: 'cluster_publish_failures_total', help: 'Messages that could not be published to Redis' });
  return { publishFailed: () => failed() };
}
