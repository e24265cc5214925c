import { performance } from 'node:perf_hooks';
import type { Bus } from '../bus/bus.js';
import type { IncomingNotification, NotificationRecord } from '../domain/notification.js';
import { pushedNotification, type PushedNotification } from '../domain/notification-identity.js';
import { excerpt, silentLogger, type Logger } from '../logger.js';
import type { EventLog } from '../store/types.js';
import { noopIngestMetrics, type IngestMetrics, type IngestSource } from './ingest-metrics.js';

/**
 * The one path by which notifications enter the gateway, whatever their source: pages of the
 * events endpoint (with their poll cursor) and webhook pushes (no cursor). Each write is durable
 * in the event log before anything is published, only newly stored records are published, in
 * log order, and a notification that arrives twice (a retry, or by both sources) is stored and
 * published once (see EventLog).
 *
 * Writes run one at a time, in call order, and a push joins the push write already waiting
 * for its turn when there is one: a burst of webhooks is stored in a few writes (one
 * transaction and fsync, or one Redis call, each), and every push still resolves with its own
 * outcome once its write is durable.
 */

export type PushOutcome = 'stored' | 'duplicate';

/** The event log could not write: nothing of the write was stored (webhooks answer 503, so the sender retries). */
export class StoreUnavailableError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}: the event log could not write: ${excerpt(cause instanceof Error ? cause.message : cause)}`, { cause });
    this.name = 'StoreUnavailableError';
  }
}

export interface IngestOptions {
  /** where events are stored; in cluster mode polled pages go through the leader's fenced log */
  log: EventLog;
  /** newly stored records are published on `notification:received` */
  bus: Pick<Bus, 'publish'>;
  /**
   * The most pushes stored in one write.
   * @default 500
   */
  maxPushBatch?: number;
  metrics?: IngestMetrics;
  logger?: Logger;
  /** epoch ms: a pushed event's `createdAt` is the time it was accepted. @default Date.now */
  now?: () => number;
  /** a monotonic clock in ms, for write durations. @default performance.now */
  clock?: () => number;
}

export interface Ingest {
  /** Stores a page and its cursor in one step, then publishes the new records; resolves with them. */
  ingestPolled(events: readonly IncomingNotification[], pollCursor: string | null): Promise<NotificationRecord[]>;
  /**
   * Stores one pushed notification (the webhook's event type and `params` text), then publishes
   * it when it is new. Resolves only once it is durably stored; rejects with
   * StoreUnavailableError when it cannot be.
   */
  ingestPushed(rawType: string, payloadText: string): Promise<PushOutcome>;
  /** resolves once every write asked for so far is done */
  idle(): Promise<void>;
}

interface WaitingPush {
  event: PushedNotification;
  resolve: (outcome: PushOutcome) => void;
  reject: (error: unknown) => void;
}

export function createIngest(options: IngestOptions): Ingest {
  const {
    log,
    bus,
    maxPushBatch = 500,
    metrics = noopIngestMetrics,
    logger = silentLogger,
    now = Date.now,
    clock = () => performance.now(),
  } = options;
  if (!Number.isInteger(maxPushBatch) || maxPushBatch < 1) {
    throw new Error(`createIngest: maxPushBatch must be a positive integer, got ${maxPushBatch}`);
  }
  let tail: Promise<unknown> = Promise.resolve();
  /** the pushes the next write will store, null when no write is waiting for more */
  let open: WaitingPush[] | null = null;

  function serially<T>(job: () => Promise<T>): Promise<T> {
    const run = tail.then(job);
    tail = run.catch(() => undefined);
    return run;
  }

  function publish(records: readonly NotificationRecord[]): void {
    for (const record of records) {
      try {
        bus.publish('notification:received', record);
      } catch (error) {
        logger.error({ err: error, seq: record.seq }, 'publishing a stored notification failed; it stays in the log');
      }
    }
  }

  /** One write to the log, then the new records published. */
  async function write(
    source: IngestSource,
    received: number,
    store: () => Promise<NotificationRecord[]>,
    what: string,
  ): Promise<NotificationRecord[]> {
    const started = clock();
    let records: NotificationRecord[];
    try {
      records = await store();
    } catch (error) {
      metrics.failed(source, received);
      logger.warn({ source, events: received, err: error }, `${what} failed: the event log could not write`);
      throw new StoreUnavailableError(what, error);
    }
    metrics.written(source, received, records.length, clock() - started);
    publish(records);
    return records;
  }

  async function storePushes(batch: WaitingPush[]): Promise<void> {
    let records: NotificationRecord[];
    try {
      records = await write('push', batch.length, () => log.appendPushed(batch.map((p) => p.event)), 'storing pushed events');
    } catch (error) {
      for (const push of batch) push.reject(error);
      return;
    }
    // the first of identical pushes in one batch is the one stored
    const stored = new Set(records.map((r) => r.id));
    for (const push of batch) push.resolve(stored.delete(push.event.id) ? 'stored' : 'duplicate');
  }

  return {
    ingestPolled(events, pollCursor) {
      return serially(() => write('poll', events.length, () => log.append(events, pollCursor), 'storing a polled page'));
    },
    ingestPushed(rawType, payloadText) {
      return new Promise<PushOutcome>((resolve, reject) => {
        const event = pushedNotification(rawType, payloadText, now());
        if (open === null || open.length >= maxPushBatch) {
          const batch: WaitingPush[] = [];
          open = batch;
          void serially(() => {
            if (open === batch) open = null;
            return storePushes(batch);
          });
        }
        open.push({ event, resolve, reject });
      });
    },
    idle: () => tail.then(() => undefined),
  };
}
