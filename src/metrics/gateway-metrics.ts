import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Watch } from '../change-listeners.js';
import { createClusterMetrics, type ClusterMetrics } from './cluster-metrics.js';
import { createFanoutMetrics, registerFanoutGauges, type FanoutGaugeSources, type FanoutMetrics } from './fanout-metrics.js';
import { createHttpMetrics, createLoaderMetrics, registerConnectionGauge, registerSseStreamGauge, type HttpMetrics, type LoaderMetrics } from './server-metrics.js';
import type { IngestMetrics } from '../ingest/ingest-metrics.js';
import type { WebhookMetrics } from '../upstream/webhooks/receiver-metrics.js';
import { createIngestMetrics, createWebhookMetrics } from './webhook-metrics.js';
import {
  createPollerMetrics,
  createPriceSocketMetrics,
  createTokenMetrics,
  registerUpstreamGauges,
  type PollerMetrics,
  type PriceSocketMetrics,
  type TokenMetrics,
  type UpstreamStatusReader,
} from './upstream-metrics.js';

/**
 * Every metric of one gateway, on a registry of its own (never prom-client's global one, so
 * several gateways in one process do not collide), served at `/metrics`. Components take the
 * typed set they need; nothing outside `src/metrics/` names a metric.
 *
 * The full set (besides prom-client's default process metrics: `process_*`, `nodejs_*`):
 * - price socket: `upstream_frames_total{channel}`, `upstream_frames_malformed_total{kind}`,
 *   `upstream_error_frames_total`, `upstream_subscribe_errors_total{channel}`,
 *   `upstream_reconnects_total`, `upstream_price_socket_subscribed` (gauge)
 * - events poller: `bitpanda_events_polls_total{outcome}`, `bitpanda_events_poll_failures_total{reason}`,
 *   `bitpanda_events_malformed_total{what}`, `bitpanda_events_stored_total`,
 *   `bitpanda_events_duplicates_total`, `bitpanda_events_poll_lag_seconds` (histogram),
 *   `bitpanda_events_poll_consecutive_failures` (gauge), `bitpanda_events_cursor_lost_total`
 * - ingest (every source): `bitpanda_ingest_writes_total{source}`, `bitpanda_ingest_events_received_total{source}`,
 *   `bitpanda_ingest_events_stored_total{source}`, `bitpanda_ingest_write_failures_total{source}`,
 *   `bitpanda_ingest_write_duration_seconds{source}` (histogram)
 * - webhooks: `bitpanda_webhooks_accepted_total{outcome}`, `bitpanda_webhooks_refused_total{reason}`,
 *   `bitpanda_webhook_accept_duration_seconds{outcome}` (histogram: the accept latency)
 * - tokens: `bitpanda_token_grants_total{grant}` (refresh_token = refreshes),
 *   `bitpanda_token_failures_total{grant,reason}`
 * - GraphQL over HTTP: `graphql_http_request_duration_seconds{operation_type,outcome}` (histogram),
 *   `graphql_loader_batches_total{loader}`
 * - GraphQL over SSE: `graphql_sse_streams` (gauge)
 * - fan-out: `graphql_ws_connections`, `graphql_subscription_groups`, `graphql_subscription_members`,
 *   `graphql_subscription_fanout_backlog`, `graphql_ws_queued_bytes`, `graphql_ws_buffered_bytes_max`
 *   (gauges); `graphql_subscription_executions_total{field}`, `graphql_subscription_unshared_total{field}`,
 *   `graphql_subscription_overflows_total{field}`, `graphql_subscription_deliveries_total`,
 *   `graphql_ws_conflated_total`, `graphql_ws_slow_consumer_closes_total`;
 *   `graphql_subscription_write_latency_seconds{field}` (histogram)
 * - cluster mode: `cluster_publish_failures_total`
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  readonly priceSocket: PriceSocketMetrics;
  readonly poller: PollerMetrics;
  readonly ingest: IngestMetrics;
  readonly webhooks: WebhookMetrics;
  readonly tokens: TokenMetrics;
  readonly http: HttpMetrics;
  readonly loaders: LoaderMetrics;
  readonly cluster: ClusterMetrics;
  readonly fanout: FanoutMetrics;
  /** the gauges read from live state, registered once their sources exist */
  gauges: {
    upstream(status: UpstreamStatusReader): void;
    fanout(sources: FanoutGaugeSources): void;
    connections(read: () => number): void;
    /** `changes`: calls its listener after each change of the count */
    sseStreams(read: () => number, changes?: Watch): void;
    /**
     * Calls `listener` after each change of a gauge whose source reports its changes (fan-out
     * groups and members, SSE streams), among the sources registered so far: a test waits on
     * a gauge's value without polling. Nothing is called while no one watches.
     */
    watch: Watch;
  };
  /** the Prometheus text of everything */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface GatewayMetricsOptions {
  /** @default a new Registry */
  registry?: Registry;
  /** the schema's subscription fields: their series exist from the start @default [] */
  subscriptionFields?: readonly string[];
  /** prom-client's default process metrics in the rendered text @default true */
  processMetrics?: boolean;
}

let processRegistry: Registry | null = null;

/**
 * The default process metrics describe the process, not one gateway: they are collected once
 * per process (each collection starts an event-loop monitor and a GC observer that live as long
 * as the process), on a registry of their own, and merged into every gateway's text.
 */
function processMetricsRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    // the event-loop delay is sampled every 100 ms (prom-client's default, 10 ms, wakes an idle
    // process 100 times a second: more often than Bitpanda's whole price feed)
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 100 });
  }
  return processRegistry;
}

export function createGatewayMetrics(options: GatewayMetricsOptions = {}): GatewayMetrics {
  const { registry = new Registry(), subscriptionFields = [], processMetrics = true } = options;
  const rendered = (): Registry => (processMetrics ? Registry.merge([processMetricsRegistry(), registry]) : registry);
  if (processMetrics) processMetricsRegistry();
  const watchable: Watch[] = [];
  return {
    registry,
    priceSocket: createPriceSocketMetrics(registry),
    poller: createPollerMetrics(registry),
    ingest: createIngestMetrics(registry),
    webhooks: createWebhookMetrics(registry),
    tokens: createTokenMetrics(registry),
    http: createHttpMetrics(registry),
    loaders: createLoaderMetrics(registry),
    cluster: createClusterMetrics(registry),
    fanout: createFanoutMetrics(registry, subscriptionFields),
    gauges: {
      upstream: (status) => registerUpstreamGauges(registry, status),
      fanout: (sources) => {
        registerFanoutGauges(registry, sources);
        if (sources.watch) watchable.push(sources.watch);
      },
      connections: (read) => registerConnectionGauge(registry, read),
      sseStreams: (read, changes) => {
        registerSseStreamGauge(registry, read);
        if (changes) watchable.push(changes);
      },
      watch(listener) {
        const stops = watchable.map((watch) => watch(listener));
        return () => stops.forEach((stop) => stop());
      },
    },
    render: () => rendered().metrics(),
    contentType: registry.contentType,
  };
}
