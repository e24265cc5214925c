import type { Registry } from 'prom-client';
import { counterBy, gauge, LATENCY_BUCKETS } from './series.js';
import { Histogram } from 'prom-client';

export type OperationType = 'query' | 'mutation' | 'subscription' | 'unknown';

/** GraphQL over HTTP (and SSE). */
export interface HttpMetrics {
  /**
   * One request with a GraphQL operation, from its arrival to the start of its response (for
   * SSE: until the stream opens). `unknown`: the operation could not be read (parse errors).
   */
  operation(type: OperationType, outcome: 'ok' | 'error', seconds: number): void;
}

/** DataLoader batches. */
export interface LoaderMetrics {
  batch(loader: 'priceChange'): void;
}

const nothing = (): void => {};
export const NO_HTTP_METRICS: HttpMetrics = { operation: nothing };
export const NO_LOADER_METRICS: LoaderMetrics = { batch: nothing };

const OPERATION_TYPES: readonly OperationType[] = ['query', 'mutation', 'subscription', 'unknown'];

export function createHttpMetrics(registry: Registry): HttpMetrics {
  const duration = new Histogram({
    name: 'graphql_http_request_duration_seconds',
    help: 'GraphQL operations over HTTP and SSE: seconds from the request to the start of the response, by operation type and outcome',
    labelNames: ['operation_type', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const bound = new Map<string, (seconds: number) => void>();
  for (const type of OPERATION_TYPES) {
    for (const outcome of ['ok', 'error']) {
      const labels = { operation_type: type, outcome };
      duration.zero(labels);
      const series = duration.labels(labels);
      bound.set(`${type}:${outcome}`, (seconds) => series.observe(seconds));
    }
  }
  return { operation: (type, outcome, seconds) => bound.get(`${type}:${outcome}`)?.(seconds) };
}

export function createLoaderMetrics(registry: Registry): LoaderMetrics {
  const batches = counterBy({ registry, name: 'graphql_loader_batches_total', help: 'DataLoader batches run', label: 'loader', values: ['priceChange'] as const });
  return { batch: (loader) => batches(loader)() };
}

/** The open GraphQL WebSocket connections, read when scraped. */
export function registerConnectionGauge(registry: Registry, read: () => number): void {
  gauge({ registry, name: 'graphql_ws_connections', help: 'open graphql-ws connections' }, read);
}

/** The open GraphQL-over-SSE streams, read when scraped. */
export function registerSseStreamGauge(registry: Registry, read: () => number): void {
  gauge({ registry, name: 'graphql_sse_streams', help: 'open GraphQL over SSE streams' }, read);
}
