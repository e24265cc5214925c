import { z } from 'zod';
import type { IncomingNotification, NotificationRecord } from '../domain/notification.js';
import { excerpt, silentLogger, type Logger } from '../logger.js';
import { NO_POLLER_METRICS, type PollerMetrics, type PollFailureReason } from '../metrics/upstream-metrics.js';
import type { EventLog } from '../store/types.js';
import type { PollerState, PollerStatus } from '../domain/upstream-status.js';
import { abortableSleep, backoffDelay } from './backoff.js';
import { parseRetryAfter } from './token-provider.js';
import { parseJsonOrUndefined } from '../tolerant-json.js';
import { redactUrl } from '../redact-url.js';

/**
 * Polls `GET /v1/events` from the stored cursor, stores each page and moves the cursor in one
 * atomic step, then hands the newly stored records on. Full pages are followed at once; after
 * a short page it waits `intervalMs`. Upstream failures never crash it: 401 renews the token
 * and retries once, 429 waits `Retry-After`, everything else backs off with full jitter.
 */

export type WaitReason = 'interval' | 'backoff' | 'retry-after';

/**
 * One poll cycle: `status` of the last response (null when none arrived), `received` elements
 * in `data[]`, `skipped` of them without an id, `full` when the next poll follows at once.
 */
export interface PollOutcome {
  ok: boolean;
  status: number | null;
  received: number;
  stored: number;
  duplicates: number;
  skipped: number;
  full: boolean;
  error: string | null;
}

export interface EventsPollerOptions {
  /** REST base URL; events are read from `${apiUrl}/v1/events` */
  apiUrl: string;
  /** @default 100 */
  pageSize?: number;
  /** pause after a page that was not full. @default 5000 */
  intervalMs?: number;
  getToken?: () => Promise<string>;
  invalidateToken?: (token: string) => void;
  log: EventLog;
  /** newly stored records, after they are durably stored */
  onStored?: (records: NotificationRecord[]) => void | Promise<void>;
  /** after every poll cycle */
  onPoll?: (outcome: PollOutcome) => void;
  logger?: Logger;
  /** @default no metrics */
  metrics?: PollerMetrics;
  now?: () => number;
  random?: () => number;
  /** every wait goes through here; it must resolve when `signal` aborts */
  sleep?: (ms: number, signal: AbortSignal, reason: WaitReason) => Promise<void>;
  /** @default 10000 */
  requestTimeoutMs?: number;
  /** @default { initialMs: 1000, maxMs: 60000 } */
  backoff?: { initialMs: number; maxMs: number };
  fetch?: typeof globalThis.fetch;
}

export interface EventsPoller {
  start(): void;
  stop(): Promise<void>;
  status(): PollerStatus;
  /** ends the current wait; resolves once the poller has caught up again */
  pollNow(): Promise<void>;
  /** resolves when the poller is caught up and waiting for the interval */
  waitForIdle(): Promise<void>;
}

const Envelope = z.looseObject({ data: z.array(z.unknown()), meta: z.unknown().optional(), links: z.unknown().optional() });
const Element = z.looseObject({
  id: z.union([z.string().min(1), z.number().int()]),
  type: z.unknown().optional(),
  payload: z.unknown().optional(),
  created_at: z.unknown().optional(),
});

/** a `Retry-After` beyond this is treated as this: a bad header must not stall polling for days */
const MAX_RETRY_AFTER_MS = 15 * 60_000;

interface CycleResult { outcome: PollOutcome; again: boolean; retryAfterMs: number | null }

export function createEventsPoller({
  apiUrl,
  pageSize = 100,
  intervalMs = 5000,
  getToken,
  invalidateToken,
  log,
  onStored,
  onPoll,
  logger = silentLogger,
  metrics = NO_POLLER_METRICS,
  now = Date.now,
  random = Math.random,
  sleep = (ms, signal) => abortableSleep(ms, signal),
  requestTimeoutMs = 10_000,
  backoff = { initialMs: 1000, maxMs: 60_000 },
  fetch = globalThis.fetch,
}: EventsPollerOptions): EventsPoller {
  const url = `${apiUrl.replace(/\/+$/, '')}/v1/events`;
  const stopper = new AbortController();
  const s: PollerStatus = {
    state: 'idle', url, cursor: null, lastPollAt: null, lastSuccessAt: null, lagMs: null, eventsStored: 0,
    duplicatesSkipped: 0, consecutiveFailures: 0, lastError: null, nextPollAt: null,
  };
  let newestCreatedAt: number | null = null;
  let loop: Promise<void> | null = null;
  let waitController: AbortController | null = null;
  let wakePending = false;
  let idleWaiters: Array<() => void> = [];

  const setState = (state: PollerState) => {
    s.state = state;
    if (state === 'waiting' || state === 'stopped') {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };

  function outcome(partial: Partial<PollOutcome>): PollOutcome {
    return { ok: false, status: null, received: 0, stored: 0, duplicates: 0, skipped: 0, full: false, error: null, ...partial };
  }

  function failure(reason: PollFailureReason, error: string, status: number | null, extra: Record<string, unknown> = {}): CycleResult {
    metrics.failed(reason);
    logger.warn({ reason, status, ...extra }, `events poll failed: ${error}`);
    return { outcome: outcome({ status, error }), again: false, retryAfterMs: null };
  }

  async function wait(ms: number, reason: WaitReason): Promise<void> {
    if (reason === 'interval' && wakePending) {
      wakePending = false;
      return;
    }
    s.nextPollAt = now() + ms;
    setState(reason === 'interval' ? 'waiting' : 'backing-off');
    waitController = new AbortController();
    try {
      await sleep(ms, AbortSignal.any([stopper.signal, waitController.signal]), reason);
    } finally {
      waitController = null;
    }
  }

  async function request(): Promise<{ res: Response; text: string } | CycleResult> {
    const query = new URLSearchParams({ size: String(pageSize) });
    if (s.cursor) query.set('after_id', s.cursor);
    for (let renewed = false; ; renewed = true) {
      let token: string | undefined;
      try {
        token = getToken ? await getToken() : undefined;
      } catch (error) {
        return failure('token', `no access token: ${(error as Error).message}`, null);
      }
      try {
        const res = await fetch(`${url}?${query.toString()}`, {
          headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          signal: AbortSignal.any([stopper.signal, AbortSignal.timeout(requestTimeoutMs)]),
        });
        const text = await res.text();
        if (res.status === 401 && token && !renewed) {
          logger.info('events endpoint refused the access token; renewing it and retrying once');
          invalidateToken?.(token);
          continue;
        }
        return { res, text };
      } catch (error) {
        if (stopper.signal.aborted) return { outcome: outcome({ error: 'stopped' }), again: false, retryAfterMs: null };
        const timedOut = (error as Error).name === 'TimeoutError';
        return failure(timedOut ? 'timeout' : 'network', timedOut ? `no answer within ${requestTimeoutMs} ms` : (error as Error).message, null);
      }
    }
  }

  async function cycle(): Promise<CycleResult> {
    setState('polling');
    s.lastPollAt = now();
    s.nextPollAt = null;
    const answer = await request();
    if (!('res' in answer)) return answer;
    const { res, text } = answer;
    if (res.status === 429) {
      const result = failure('rate-limited', 'HTTP 429', 429);
      return { ...result, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), now()) };
    }
    if (!res.ok) return failure(res.status >= 500 ? 'server' : 'refused', `HTTP ${res.status}`, res.status, { body: excerpt(text) });

    const envelope = Envelope.safeParse(parseJsonOrUndefined(text));
    if (!envelope.success) {
      metrics.malformed('body');
      return failure('malformed', 'the body is not an events page', res.status, { body: excerpt(text) });
    }
    const { data, meta, links } = envelope.data;
    const events: IncomingNotification[] = [];
    for (const element of data) {
      const parsed = Element.safeParse(element);
      if (parsed.success) events.push(normalize(parsed.data, now));
      else {
        metrics.malformed('element');
        logger.warn({ element: excerpt(JSON.stringify(element)) }, 'events element without an id skipped: it cannot be deduplicated');
      }
    }
    const nextAfter = afterIdOf(links);
    const previous = s.cursor;
    const cursor = data.length > 0 ? (nextAfter ?? events.at(-1)?.id ?? previous) : previous;
    let records: NotificationRecord[] = [];
    if (events.length > 0 || cursor !== previous) {
      try {
        records = await log.append(events, cursor);
      } catch (error) {
        return failure('store', `storing the page failed: ${(error as Error).message}`, res.status);
      }
    }
    const at = now();
    s.cursor = cursor;
    s.lastSuccessAt = at;
    s.lastError = null;
    s.eventsStored += records.length;
    s.duplicatesSkipped += events.length - records.length;
    for (const e of events) {
      const created = Date.parse(e.created_at);
      if (!Number.isNaN(created) && (newestCreatedAt === null || created > newestCreatedAt)) newestCreatedAt = created;
    }
    if (newestCreatedAt !== null) s.lagMs = Math.max(0, at - newestCreatedAt);
    metrics.stored(records.length);
    metrics.duplicates(events.length - records.length);
    for (const record of records) {
      const created = Date.parse(record.createdAt);
      if (!Number.isNaN(created)) metrics.lag(Math.max(0, record.receivedAt - created) / 1000);
    }
    if (records.length > 0 && onStored) {
      try {
        await onStored(records);
      } catch (error) {
        logger.error({ err: error }, 'publishing stored events failed; they stay in the log');
      }
    }
    const full = data.length >= Math.min(pageSize, pageSizeOf(meta) ?? pageSize);
    if (full && cursor === previous) logger.warn({ cursor }, 'a full page did not move the cursor; waiting the interval');
    return {
      outcome: outcome({ ok: true, status: res.status, received: data.length, stored: records.length, duplicates: events.length - records.length, skipped: data.length - events.length, full }),
      again: full && cursor !== previous,
      retryAfterMs: null,
    };
  }

  async function run(): Promise<void> {
    for (let attempt = 1; !stopper.signal.aborted; attempt += 1) {
      try {
        s.cursor = await log.pollCursor();
        break;
      } catch (error) {
        s.lastError = `reading the poll cursor failed: ${(error as Error).message}`;
        logger.error({ err: error }, 'reading the poll cursor failed');
        await wait(backoffDelay(attempt - 1, backoff, random), 'backoff');
      }
    }
    while (!stopper.signal.aborted) {
      const { outcome: result, again, retryAfterMs } = await cycle();
      if (stopper.signal.aborted && !result.ok) break;
      metrics.polled(result.ok ? 'ok' : 'error');
      if (result.ok) s.consecutiveFailures = 0;
      else {
        s.consecutiveFailures += 1;
        s.lastError = result.error;
      }
      onPoll?.(result);
      if (stopper.signal.aborted) break;
      if (result.ok && again) continue;
      if (result.ok) await wait(intervalMs, 'interval');
      else if (retryAfterMs !== null) await wait(Math.min(retryAfterMs, MAX_RETRY_AFTER_MS), 'retry-after');
      else await wait(backoffDelay(s.consecutiveFailures - 1, backoff, random), 'backoff');
    }
  }

  return {
    start() {
      if (loop || stopper.signal.aborted) return;
      logger.info({ url: redactUrl(url), pageSize, intervalMs }, 'events poller starting');
      loop = run().catch((error: unknown) => logger.error({ err: error }, 'events poller stopped unexpectedly'));
    },
    async stop() {
      stopper.abort();
      await loop;
      s.nextPollAt = null;
      setState('stopped');
    },
    status: () => ({ ...s }),
    pollNow() {
      const idle = new Promise<void>((resolve) => idleWaiters.push(resolve));
      if (waitController) waitController.abort();
      else wakePending = true;
      return idle;
    },
    waitForIdle() {
      if ((s.state === 'waiting' && !wakePending) || s.state === 'stopped') return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}

/** An element with an id is never dropped: odd fields are carried over as faithfully as possible. */
function normalize(e: z.infer<typeof Element>, now: () => number): IncomingNotification {
  const payload = typeof e.payload === 'string' ? e.payload : (JSON.stringify(e.payload) ?? 'null');
  const seconds = typeof e.created_at === 'number' ? e.created_at : now() / 1000;
  const createdAt = typeof e.created_at === 'string' ? e.created_at : new Date(seconds * 1000).toISOString();
  return { id: String(e.id), type: typeof e.type === 'string' && e.type !== '' ? e.type : 'unknown', payload, created_at: createdAt };
}

function afterIdOf(links: unknown): string | null {
  const next = links && typeof links === 'object' ? (links as { next?: unknown }).next : undefined;
  if (typeof next !== 'string') return null;
  try {
    return new URL(next, 'http://upstream.invalid').searchParams.get('after_id') || null;
  } catch {
    return null;
  }
}

function pageSizeOf(meta: unknown): number | null {
  const size = meta && typeof meta === 'object' ? (meta as { size?: unknown }).size : undefined;
  return typeof size === 'number' && Number.isInteger(size) && size > 0 ? size : null;
}

