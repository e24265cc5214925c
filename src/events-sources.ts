import type { Config, EventsSource } from './config.js';
import type { PollerStatus } from './domain/upstream-status.js';
import type { Ingest } from './ingest/ingest.js';
import type { Logger } from './logger.js';
import type { Readiness } from './server/http.js';
import type { Services } from './services.js';
import type { Simulator } from './simulator/index.js';
import type { WebhookMetrics } from './upstream/webhooks/receiver-metrics.js';
import { createKeySet, type WebhookKeySet } from './upstream/webhooks/keys.js';
import { createWebhookReceiver, type WebhookReceiver } from './upstream/webhooks/receiver.js';
import type { ReplayCache } from './upstream/webhooks/replay.js';
import { createWebhookVerifier } from './upstream/webhooks/signature-verifier.js';

/**
 * The two sources of notification events as the composition root wires them: the webhook
 * receiver (on `POST /webhooks/bitpanda/<event type>` when webhooks are a source), and what
 * `/ready` says about them.
 */

/**
 * How long the events poller may fail before `/ready` answers 503: 60 s, the poller's longest
 * backoff; a single blip (one failed poll, a 503 during maintenance) does not take a replica out.
 */
export const POLLER_FAILING_BOUND_MS = 60_000;

export interface WebhookSourceOptions {
  config: Pick<Config, 'webhookKeys' | 'webhookUrl' | 'webhookMaxAgeS' | 'maxRequestBytes'>;
  /** the built-in simulator's own public keys, trusted only when the gateway runs on it */
  simulatorKeys?: WebhookKeySet | null;
  ingest: Pick<Ingest, 'ingestPushed'>;
  replay?: ReplayCache;
  metrics: WebhookMetrics;
  logger: Logger;
  now?: () => number;
}

export function createWebhookSource(options: WebhookSourceOptions): WebhookReceiver {
  const { config, simulatorKeys = null, ingest, replay, metrics, logger, now = Date.now } = options;
  const keys = createKeySet([...(config.webhookKeys?.keys ?? []), ...(simulatorKeys?.keys ?? [])]);
  if (keys.keys.length === 0) throw new Error('BITPANDA_WEBHOOK_KEYS: expected webhook public keys when EVENTS_SOURCE is webhook or both, got none');
  for (const skipped of config.webhookKeys?.skipped ?? []) logger.warn({ skipped }, 'BITPANDA_WEBHOOK_KEYS: a key was left out');
  const verifier = createWebhookVerifier({ keys, maxAgeS: config.webhookMaxAgeS, now });
  return createWebhookReceiver({
    verifier,
    ingest: (eventType, payloadText) => ingest.ingestPushed(eventType, payloadText),
    publicUrl: config.webhookUrl ?? undefined,
    maxBodyBytes: config.maxRequestBytes,
    ...(replay ? { replay } : {}),
    logger,
    metrics,
  });
}

export interface EventsReadiness {
  ready: boolean;
  reason: string | null;
}

/**
 * The events source's part of `/ready`: not ready while the poller has failed every poll for
 * longer than `failingBoundMs`. With `EVENTS_SOURCE=webhook` there is no poller to fail; in
 * cluster mode `poller` is the leader's status as shared.
 */
export function eventsReadiness(
  source: EventsSource,
  poller: PollerStatus | null,
  options: { now: number; failingBoundMs?: number },
): EventsReadiness {
  const { now, failingBoundMs = POLLER_FAILING_BOUND_MS } = options;
  if (source === 'webhook' || poller === null || poller.failingSince === null) return { ready: true, reason: null };
  const failingMs = now - poller.failingSince;
  if (failingMs <= failingBoundMs) return { ready: true, reason: null };
  return {
    ready: false,
    reason: `events poller failing for ${Math.round(failingMs / 1000)} s (${poller.consecutiveFailures} polls, bound ${Math.round(failingBoundMs / 1000)} s)${poller.lastError ? `: ${poller.lastError}` : ''}`,
  };
}

/**
 * On the built-in simulator, it pushes its events to this gateway's own webhook route, as
 * Bitpanda would. Returns what stops the pushes (before the server stops: no push is retried
 * against a closing gateway).
 */
export function pushFromSimulator(
  config: Pick<Config, 'host' | 'webhookUrl'>,
  simulator: Simulator,
  port: number,
  webhooks: WebhookReceiver,
): () => void {
  const bindHost = config.host;
  const host = bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost.includes(':') ? `[${bindHost}]` : bindHost;
  // behind BITPANDA_WEBHOOK_URL the receiver checks signatures against the public URL: sign for it
  simulator.webhooks.start(`http://${host}:${port}${webhooks.mountPath}`, config.webhookUrl ?? undefined);
  return () => simulator.webhooks.stop();
}

/** `/ready` with the events source's part: 503 while the poller has been failing longer than the bound. */
export function withEvents(
  base: () => Promise<Readiness> | Readiness,
  source: EventsSource,
  services: Pick<Services, 'upstream'>,
  now: () => number,
  failingBoundMs: number,
): () => Promise<Readiness> {
  return async () => {
    const r = await base();
    const events = eventsReadiness(source, services.upstream.poller(), { now: now(), failingBoundMs });
    return {
      ready: r.ready && events.ready,
      reasons: events.reason ? [...r.reasons, events.reason] : r.reasons,
      checks: { ...r.checks, events: events.ready },
    };
  };
}
