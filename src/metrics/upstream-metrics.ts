import type { Registry } from 'prom-client';
import type { PollerStatus, PriceSocketStatus } from '../domain/upstream-status.js';
import { counter, counterBy, counterOver, gauge, histogram } from './series.js';

/** The upstream price socket's metrics. */
export interface PriceSocketMetrics {
  /** one data frame received (per frame: bound once per channel) */
  frame(channel: 'prices-v1' | 'price-changes-v1'): void;
  /** a frame that failed validation, or one of no known kind */
  malformed(kind: 'malformed' | 'unknown'): void;
  /** any error frame from the price server */
  errorFrame(): void;
  /** the price server refused a subscribe action */
  subscribeRefused(channel: 'prices-v1' | 'price-changes-v1'): void;
  reconnected(): void;
}

export type PollFailureReason = 'token' | 'timeout' | 'network' | 'rate-limited' | 'server' | 'refused' | 'malformed' | 'store';

/** The events poller's metrics. */
export interface PollerMetrics {
  polled(outcome: 'ok' | 'error'): void;
  failed(reason: PollFailureReason): void;
  malformed(what: 'body' | 'element'): void;
  stored(count: number): void;
  duplicates(count: number): void;
  /** seconds from an event's `created_at` upstream to its storage here, per newly stored event */
  lag(seconds: number): void;
  /** the upstream no longer knows the stored cursor (404 on `after_id`): re-read from the start */
  cursorLost(): void;
}

export type TokenFailureReason = 'refused' | 'rate-limited' | 'server' | 'network' | 'malformed';

/** The token provider's metrics. */
export interface TokenMetrics {
  /** a token obtained: `refresh_token` is a refresh, `client_credentials` a new login */
  granted(grant: 'client_credentials' | 'refresh_token'): void;
  failed(grant: 'client_credentials' | 'refresh_token', reason: TokenFailureReason): void;
}

const nothing = (): void => {};

export const NO_PRICE_SOCKET_METRICS: PriceSocketMetrics = { frame: nothing, malformed: nothing, errorFrame: nothing, subscribeRefused: nothing, reconnected: nothing };
export const NO_POLLER_METRICS: PollerMetrics = { polled: nothing, failed: nothing, malformed: nothing, stored: nothing, duplicates: nothing, lag: nothing, cursorLost: nothing };

export const NO_TOKEN_METRICS: TokenMetrics = { granted: nothing, failed: nothing };

const CHANNELS = ['prices-v1', 'price-changes-v1'] as const;

export function createPriceSocketMetrics(registry: Registry): PriceSocketMetrics {
  const frames = counterBy({ registry, name: 'upstream_frames_total', help: 'Data frames received from the price server', label: 'channel', values: CHANNELS });
  const framesOf = { 'prices-v1': frames('prices-v1'), 'price-changes-v1': frames('price-changes-v1') };
  const malformedHelp = 'Frames from the price server that failed validation';
  const malformed = counterBy({ registry, name: 'upstream_frames_malformed_total', help: malformedHelp, label: 'kind', values: ['malformed', 'unknown'] as const });
  const refused = counterBy({ registry, name: 'upstream_subscribe_errors_total', help: 'Subscribe actions the price server refused', label: 'channel', values: CHANNELS });
  const errorFrames = counter({ registry, name: 'upstream_error_frames_total', help: 'Error frames from the price server' });
  const reconnects = counter({ registry, name: 'upstream_reconnects_total', help: 'Reconnects to the price server' });
  return {
    frame: (channel) => framesOf[channel](),
    malformed: (kind) => malformed(kind)(),
    errorFrame: () => errorFrames(),
    subscribeRefused: (channel) => refused(channel)(),
    reconnected: () => reconnects(),
  };
}

const POLL_FAILURES: readonly PollFailureReason[] = ['token', 'timeout', 'network', 'rate-limited', 'server', 'refused', 'malformed', 'store'];

export function createPollerMetrics(registry: Registry): PollerMetrics {
  const polls = counterBy({ registry, name: 'bitpanda_events_polls_total', help: 'Polls of the events endpoint', label: 'outcome', values: ['ok', 'error'] as const });
  const failures = counterBy({ registry, name: 'bitpanda_events_poll_failures_total', help: 'Failed polls of the events endpoint', label: 'reason', values: POLL_FAILURES });
  const malformedHelp = 'Malformed responses or elements from the events endpoint';
  const malformed = counterBy({ registry, name: 'bitpanda_events_malformed_total', help: malformedHelp, label: 'what', values: ['body', 'element'] as const });
  const stored = counter({ registry, name: 'bitpanda_events_stored_total', help: 'Events stored from the events endpoint' });
  const duplicates = counter({ registry, name: 'bitpanda_events_duplicates_total', help: 'Events received again and skipped' });
  const cursorLost = counter({ registry, name: 'bitpanda_events_cursor_lost_total', help: 'Stored poll cursors the events endpoint no longer knew (404 on after_id), each followed by a re-read from the start' });
  const lag = histogram({
    registry,
    name: 'bitpanda_events_poll_lag_seconds',
    help: "Seconds from an event's created_at upstream to its storage here, per newly stored event",
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600],
  });
  return {
    polled: (outcome) => polls(outcome)(),
    failed: (reason) => failures(reason)(),
    malformed: (what) => malformed(what)(),
    stored: (count) => stored(count),
    duplicates: (count) => duplicates(count),
    lag,
    cursorLost: () => cursorLost(),
  };
}

const GRANTS = ['client_credentials', 'refresh_token'] as const;
const TOKEN_FAILURES: readonly TokenFailureReason[] = ['refused', 'rate-limited', 'server', 'network', 'malformed'];

export function createTokenMetrics(registry: Registry): TokenMetrics {
  const granted = counterBy({ registry, name: 'bitpanda_token_grants_total', help: 'Tokens obtained from the token endpoint', label: 'grant', values: GRANTS });
  const failed = counterOver({
    registry,
    name: 'bitpanda_token_failures_total',
    help: 'Failed token endpoint requests',
    labels: ['grant', 'reason'] as const,
    initial: GRANTS.flatMap((grant) => TOKEN_FAILURES.map((reason) => ({ grant, reason }))),
  });
  return {
    granted: (grant) => granted(grant)(),
    failed: (grant, reason) => failed({ grant, reason }),
  };
}

/** Where the upstream gauges read the live status (the leader's, in cluster mode). */
export interface UpstreamStatusReader {
  priceSocket(): PriceSocketStatus | null;
  poller(): PollerStatus | null;
}

/** Gauges of the upstream's health, read when scraped. */
export function registerUpstreamGauges(registry: Registry, status: UpstreamStatusReader): void {
  gauge(
    { registry, name: 'upstream_price_socket_subscribed', help: '1 while the upstream price socket is subscribed (in cluster mode: the leader\'s, as shared)' },
    () => (status.priceSocket()?.state === 'subscribed' ? 1 : 0),
  );
  gauge(
    { registry, name: 'bitpanda_events_poll_consecutive_failures', help: 'Failed polls of the events endpoint since the last success' },
    () => status.poller()?.consecutiveFailures ?? 0,
  );
}
