import type { Registry } from 'prom-client';
import type { IngestMetrics, IngestSource } from '../ingest/ingest-metrics.js';
import type { WebhookMetrics, WebhookOutcome, WebhookRefusal } from '../upstream/webhooks/receiver-metrics.js';
import { counterBy, histogramBy, LATENCY_BUCKETS } from './series.js';

/** The ingest path's metrics: writes to the event log per source. */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  const sources = ['poll', 'push'] as const;
  const writes = counterBy({ registry, name: 'bitpanda_ingest_writes_total', help: 'Writes of notifications to the event log', label: 'source', values: sources });
  const received = counterBy({ registry, name: 'bitpanda_ingest_events_received_total', help: 'Notifications handed to the event log', label: 'source', values: sources });
  const stored = counterBy({ registry, name: 'bitpanda_ingest_events_stored_total', help: 'Notifications newly stored in the event log', label: 'source', values: sources });
  const failed = counterBy({ registry, name: 'bitpanda_ingest_write_failures_total', help: 'Writes to the event log that failed (nothing of them stored)', label: 'source', values: sources });
  const duration = histogramBy({
    registry,
    name: 'bitpanda_ingest_write_duration_seconds',
    help: 'Seconds one write of notifications to the event log took, until durable',
    label: 'source',
    values: sources,
  });
  return {
    written(source: IngestSource, count: number, newly: number, ms: number) {
      writes(source)();
      received(source)(count);
      stored(source)(newly);
      duration(source)(ms / 1000);
    },
    failed(source: IngestSource, count: number) {
      failed(source)();
      received(source)(count);
    },
  };
}

const OUTCOMES: readonly WebhookOutcome[] = ['stored', 'duplicate'];

const REFUSALS: readonly WebhookRefusal[] = [
  'too-large',
  'method-not-allowed',
  'not-found',
  'bad-event-type',
  'bad-body',
  'store-unavailable',
  'internal-error',
  'signature-missing',
  'signature-malformed',
  'signature-policy',
  'signature-unknown-alg',
  'signature-unknown-key',
  'signature-invalid',
  'signature-expired',
  'signature-future',
  'signature-replayed',
  'digest-missing',
  'digest-malformed',
  'digest-mismatch',
];

/**
 * The webhook receiver's metrics. The accept latency runs from the request reaching the
 * receiver (its body read) to the 204, the durable store write included.
 */
export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  const accepted = counterBy({ registry, name: 'bitpanda_webhooks_accepted_total', help: 'Webhooks answered 2xx, by whether the notification was new', label: 'outcome', values: OUTCOMES });
  const refused = counterBy({ registry, name: 'bitpanda_webhooks_refused_total', help: 'Webhooks refused, by reason', label: 'reason', values: REFUSALS });
  const latency = histogramBy({
    registry,
    name: 'bitpanda_webhook_accept_duration_seconds',
    help: 'Seconds from a webhook request read to its 2xx answer, the durable store write included',
    label: 'outcome',
    values: OUTCOMES,
    buckets: LATENCY_BUCKETS,
  });
  return {
    accepted(_eventType, outcome, ms) {
      accepted(outcome)();
      latency(outcome)(ms / 1000);
    },
    refused(reason) {
      refused(reason)();
    },
  };
}
