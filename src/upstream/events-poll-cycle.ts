import type { IncomingNotification, NotificationRecord } from '../domain/notification.js';
import type { PollerState, PollerStatus } from '../domain/upstream-status.js';
import { excerpt } from '../logger.js';
import type { ChangeListeners } from '../change-listeners.js';
import type { PollFailureReason } from '../metrics/upstream-metrics.js';
import { readEventsPage, type EventsPage } from './events-page.js';
import type { EventsPollerOptions, PollOutcome } from './events-poller.js';
import { parseRetryAfter } from './token-provider.js';

/**
 * One poll of `GET /v1/events`: the request (a 401 renews the token once), the page it
 * answered, and its storage together with the new cursor. Failures are outcomes, never thrown.
 */

export interface CycleResult { outcome: PollOutcome; again: boolean; retryAfterMs: number | null }

export type Settings = Required<Omit<EventsPollerOptions, 'apiUrl' | 'getToken' | 'invalidateToken' | 'onPoll'>> &
  Pick<EventsPollerOptions, 'getToken' | 'invalidateToken' | 'onPoll'>;

/** A poller's settings and its running state, shared by the steps of its loop. */
export interface PollerContext extends Settings {
  url: string;
  stopper: AbortController;
  s: PollerStatus;
  newestCreatedAt: number | null;
  /** the stored cursor was dropped (the upstream no longer knew it): the next page is stored even when empty, to clear it */
  cursorReset: boolean;
  waitController: AbortController | null;
  wakePending: boolean;
  idleWaiters: Array<() => void>;
  /** told after each poll's outcome is in the status, and after each change of state */
  changes: ChangeListeners;
}

export function setState(ctx: PollerContext, state: PollerState): void {
  ctx.s.state = state;
  if (state === 'waiting' || state === 'stopped') {
    const waiters = ctx.idleWaiters;
    ctx.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
  ctx.changes.changed();
}

export function outcome(partial: Partial<PollOutcome>): PollOutcome {
  return { ok: false, status: null, received: 0, stored: 0, duplicates: 0, skipped: 0, full: false, error: null, ...partial };
}

function failure(ctx: PollerContext, reason: PollFailureReason, error: string, status: number | null, extra: Record<string, unknown> = {}): CycleResult {
  ctx.metrics.failed(reason);
  ctx.logger.warn({ reason, status, ...extra }, `events poll failed: ${error}`);
  return { outcome: outcome({ status, error }), again: false, retryAfterMs: null };
}

/** One GET of the next page; a 401 renews the token and tries once more. */
async function request(ctx: PollerContext): Promise<{ res: Response; text: string } | CycleResult> {
  const { s, stopper, getToken, requestTimeoutMs } = ctx;
  const query = new URLSearchParams({ size: String(ctx.pageSize) });
  if (s.cursor) query.set('after_id', s.cursor);
  for (let renewed = false; ; renewed = true) {
    let token: string | undefined;
    try {
      token = getToken ? await getToken() : undefined;
    } catch (error) {
      return failure(ctx, 'token', `no access token: ${(error as Error).message}`, null);
    }
    try {
      const res = await ctx.fetch(`${ctx.url}?${query.toString()}`, {
        headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        signal: AbortSignal.any([stopper.signal, AbortSignal.timeout(requestTimeoutMs)]),
      });
      const text = await res.text();
      if (res.status === 401 && token && !renewed) {
        ctx.logger.info('events endpoint refused the access token; renewing it and retrying once');
        ctx.invalidateToken?.(token);
        continue;
      }
      return { res, text };
    } catch (error) {
      if (stopper.signal.aborted) return { outcome: outcome({ error: 'stopped' }), again: false, retryAfterMs: null };
      const timedOut = (error as Error).name === 'TimeoutError';
      return failure(ctx, timedOut ? 'timeout' : 'network', timedOut ? `no answer within ${requestTimeoutMs} ms` : (error as Error).message, null);
    }
  }
}

/** The page of a response, or the failure it is. */
function pageOf(ctx: PollerContext, res: Response, text: string): EventsPage | CycleResult {
  if (res.status === 429) {
    const result = failure(ctx, 'rate-limited', 'HTTP 429', 429);
    return { ...result, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), ctx.now()) };
  }
  if (!res.ok) return failure(ctx, res.status >= 500 ? 'server' : 'refused', `HTTP ${res.status}`, res.status, { body: excerpt(text) });
  const page = readEventsPage(text, ctx.now);
  if (!page) {
    ctx.metrics.malformed('body');
    return failure(ctx, 'malformed', 'the body is not an events page', res.status, { body: excerpt(text) });
  }
  for (const element of page.invalid) {
    ctx.metrics.malformed('element');
    ctx.logger.warn({ element: excerpt(JSON.stringify(element)) }, 'events element without an id skipped: it cannot be deduplicated');
  }
  return page;
}

/** Stores a page and moves the cursor in one step through the ingest path, which publishes the new records. */
async function storePage(ctx: PollerContext, status: number, page: EventsPage): Promise<CycleResult> {
  const { events, received } = page;
  const previous = ctx.s.cursor;
  const cursor = received > 0 ? (page.nextAfter ?? events.at(-1)?.id ?? previous) : previous;
  let records: NotificationRecord[] = [];
  if (events.length > 0 || cursor !== previous || ctx.cursorReset) {
    try {
      records = await ctx.ingest.ingestPolled(events, cursor);
    } catch (error) {
      return failure(ctx, 'store', `storing the page failed: ${(error as Error).message}`, status);
    }
    ctx.cursorReset = false;
  }
  noteStored(ctx, cursor, events, records);
  const full = received >= Math.min(ctx.pageSize, page.size ?? ctx.pageSize);
  if (full && cursor === previous) ctx.logger.warn({ cursor }, 'a full page did not move the cursor; waiting the interval');
  const duplicates = events.length - records.length;
  return {
    outcome: outcome({ ok: true, status, received, stored: records.length, duplicates, skipped: received - events.length, full }),
    again: full && cursor !== previous,
    retryAfterMs: null,
  };
}

/** The status and metrics of a stored page. */
function noteStored(ctx: PollerContext, cursor: string | null, events: IncomingNotification[], records: NotificationRecord[]): void {
  const { s, metrics } = ctx;
  const at = ctx.now();
  s.cursor = cursor;
  s.lastSuccessAt = at;
  s.lastError = null;
  s.eventsStored += records.length;
  s.duplicatesSkipped += events.length - records.length;
  for (const e of events) {
    const created = Date.parse(e.created_at);
    if (!Number.isNaN(created) && (ctx.newestCreatedAt === null || created > ctx.newestCreatedAt)) ctx.newestCreatedAt = created;
  }
  if (ctx.newestCreatedAt !== null) s.lagMs = Math.max(0, at - ctx.newestCreatedAt);
  metrics.stored(records.length);
  metrics.duplicates(events.length - records.length);
  for (const record of records) {
    const created = Date.parse(record.createdAt);
    if (!Number.isNaN(created)) metrics.lag(Math.max(0, record.receivedAt - created) / 1000);
  }
}

/**
 * A 404 to a request with `after_id`: the upstream no longer knows the stored cursor (its event
 * expired, or the upstream is another one: the built-in simulator's ids are new each start).
 * Polling from it would fail forever, so the poller reads again without a cursor; what was
 * stored already is recognised by its upstream id (or content key) and not delivered twice.
 */
function cursorLost(ctx: PollerContext, res: Response, text: string): boolean {
  if (res.status !== 404 || ctx.s.cursor === null) return false;
  ctx.metrics.cursorLost();
  ctx.logger.warn(
    { cursor: ctx.s.cursor, status: 404, code: errorCodeOf(text) },
    'the events endpoint no longer knows the stored poll cursor (404 on after_id): reading the events again from the start',
  );
  ctx.s.cursor = null;
  ctx.cursorReset = true;
  return true;
}

/** `errors[0].code` of a Bitpanda error body (e.g. `event.not.found`), when there is one. */
function errorCodeOf(text: string): string | null {
  try {
    const code = (JSON.parse(text) as { errors?: Array<{ code?: unknown }> }).errors?.[0]?.code;
    return typeof code === 'string' ? code.slice(0, 100) : null;
  } catch {
    return null;
  }
}

/** One poll cycle, from the request to the stored page. */
export async function cycle(ctx: PollerContext): Promise<CycleResult> {
  setState(ctx, 'polling');
  ctx.s.lastPollAt = ctx.now();
  ctx.s.nextPollAt = null;
  let answer = await request(ctx);
  if ('res' in answer && cursorLost(ctx, answer.res, answer.text)) answer = await request(ctx);
  if (!('res' in answer)) return answer;
  const page = pageOf(ctx, answer.res, answer.text);
  return 'outcome' in page ? page : storePage(ctx, answer.res.status, page);
}
