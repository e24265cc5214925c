import type { PollerStatus } from '../domain/upstream-status.js';
import { silentLogger, type Logger } from '../logger.js';
import { NO_POLLER_METRICS, type PollerMetrics } from '../metrics/upstream-metrics.js';
import { redactUrl } from '../redact-url.js';
import type { Ingest } from '../ingest/ingest.js';
import type { EventLog } from '../store/types.js';
import { abortableSleep, backoffDelay } from './backoff.js';
import { cycle, setState, type PollerContext } from './events-poll-cycle.js';
import { createChangeListeners, type Watch } from '../change-listeners.js';

/**
 * Polls `GET /v1/events` from the stored cursor and hands each page with its new cursor to the
 * ingest path, which stores both in one atomic step and publishes the new records. Full pages are followed at once; after
 * a short page it waits `intervalMs`. Upstream failures never crash it: 401 renews the token
 * and retries once, 429 waits `Retry-After`, a 404 on `after_id` (a cursor the upstream no
 * longer knows) drops the cursor and reads from the start, everything else backs off with full
 * jitter.
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
  /** where the stored poll cursor is read at start */
  log: Pick<EventLog, 'pollCursor'>;
  /** stores each page with its cursor, then publishes the new records */
  ingest: Pick<Ingest, 'ingestPolled'>;
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
  /** calls `listener` after each poll's outcome is in `status()`, and after each change of its state */
  watch: Watch;
}

/** a `Retry-After` beyond this is treated as this: a bad header must not stall polling for days */
const MAX_RETRY_AFTER_MS = 15 * 60_000;

export function createEventsPoller({
  apiUrl,
  pageSize = 100,
  intervalMs = 5000,
  logger = silentLogger,
  metrics = NO_POLLER_METRICS,
  now = Date.now,
  random = Math.random,
  sleep = (ms, signal) => abortableSleep(ms, signal),
  requestTimeoutMs = 10_000,
  backoff = { initialMs: 1000, maxMs: 60_000 },
  fetch = globalThis.fetch,
  ...rest
}: EventsPollerOptions): EventsPoller {
  const url = `${apiUrl.replace(/\/+$/, '')}/v1/events`;
  const ctx: PollerContext = {
    ...rest,
    url,
    pageSize,
    intervalMs,
    logger,
    metrics,
    now,
    random,
    sleep,
    requestTimeoutMs,
    backoff,
    fetch,
    stopper: new AbortController(),
    s: {
      state: 'idle', url, cursor: null, lastPollAt: null, lastSuccessAt: null, lagMs: null, eventsStored: 0,
      duplicatesSkipped: 0, consecutiveFailures: 0, failingSince: null, lastError: null, nextPollAt: null,
    },
    newestCreatedAt: null,
    cursorReset: false,
    waitController: null,
    wakePending: false,
    idleWaiters: [],
    changes: createChangeListeners(),
  };
  let loop: Promise<void> | null = null;
  return {
    start() {
      if (loop || ctx.stopper.signal.aborted) return;
      logger.info({ url: redactUrl(url), pageSize, intervalMs }, 'events poller starting');
      loop = run(ctx).catch((error: unknown) => logger.error({ err: error }, 'events poller stopped unexpectedly'));
    },
    async stop() {
      ctx.stopper.abort();
      await loop;
      ctx.s.nextPollAt = null;
      setState(ctx, 'stopped');
    },
    status: () => ({ ...ctx.s }),
    pollNow() {
      const idle = new Promise<void>((resolve) => ctx.idleWaiters.push(resolve));
      if (ctx.waitController) ctx.waitController.abort();
      else ctx.wakePending = true;
      return idle;
    },
    waitForIdle() {
      if ((ctx.s.state === 'waiting' && !ctx.wakePending) || ctx.s.state === 'stopped') return Promise.resolve();
      return new Promise<void>((resolve) => ctx.idleWaiters.push(resolve));
    },
    watch: ctx.changes.watch,
  };
}

async function wait(ctx: PollerContext, ms: number, reason: WaitReason): Promise<void> {
  if (reason === 'interval' && ctx.wakePending) {
    ctx.wakePending = false;
    return;
  }
  ctx.s.nextPollAt = ctx.now() + ms;
  setState(ctx, reason === 'interval' ? 'waiting' : 'backing-off');
  ctx.waitController = new AbortController();
  try {
    await ctx.sleep(ms, AbortSignal.any([ctx.stopper.signal, ctx.waitController.signal]), reason);
  } finally {
    ctx.waitController = null;
  }
}

/** Reads the stored poll cursor, retrying with backoff until it answers or the poller stops. */
async function readCursor(ctx: PollerContext): Promise<void> {
  for (let attempt = 1; !ctx.stopper.signal.aborted; attempt += 1) {
    try {
      ctx.s.cursor = await ctx.log.pollCursor();
      return;
    } catch (error) {
      ctx.s.lastError = `reading the poll cursor failed: ${(error as Error).message}`;
      ctx.logger.error({ err: error }, 'reading the poll cursor failed');
      await wait(ctx, backoffDelay(attempt - 1, ctx.backoff, ctx.random), 'backoff');
    }
  }
}

async function run(ctx: PollerContext): Promise<void> {
  const { s, stopper } = ctx;
  await readCursor(ctx);
  while (!stopper.signal.aborted) {
    const { outcome: result, again, retryAfterMs } = await cycle(ctx);
    if (stopper.signal.aborted && !result.ok) break;
    ctx.metrics.polled(result.ok ? 'ok' : 'error');
    if (result.ok) {
      s.consecutiveFailures = 0;
      s.failingSince = null;
    } else {
      if (s.consecutiveFailures === 0) s.failingSince = s.lastPollAt;
      s.consecutiveFailures += 1;
      s.lastError = result.error;
    }
    ctx.changes.changed();
    ctx.onPoll?.(result);
    if (stopper.signal.aborted) break;
    if (result.ok && again) continue;
    if (result.ok) await wait(ctx, ctx.intervalMs, 'interval');
    else if (retryAfterMs !== null) await wait(ctx, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS), 'retry-after');
    else await wait(ctx, backoffDelay(s.consecutiveFailures - 1, ctx.backoff, ctx.random), 'backoff');
  }
}
