import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { Redis } from 'ioredis';
import type { NotificationRecord } from '../domain/notification.js';
import { silentLogger, type Logger } from '../logger.js';
import type { EventLog } from '../store/types.js';
import { createBus, type Bus, type BusEventTarget } from '../bus/bus.js';
import type { Topic } from '../bus/topics.js';

const NOTIFICATIONS: Topic = 'notification:received';
const SEQUENCER_PAGE = 500;

export interface RedisBusOptions {
  /** publishes; a failed publish is logged, never thrown */
  publisher: Redis;
  /** a connection of its own, in subscriber mode (it resubscribes after a reconnect) */
  subscriber: Redis;
  /** channel name for a topic */
  channel: (topic: Topic) => string;
  /** read to fill gaps in the notification stream */
  log: EventLog;
  /** publishes are dropped while it returns false (only the upstream leader publishes) @default () => true */
  canPublish?: () => boolean;
  /** how often the log's last seq is checked for notifications pub/sub did not bring @default 1000 */
  catchUpIntervalMs?: number;
  logger?: Logger;
}

export interface RedisBus extends Bus {
  /** Reads the log position to start from and begins the periodic catch-up. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Delivers whatever the log holds beyond the last delivered seq (after a reconnect). */
  catchUp(): Promise<void>;
}

/**
 * The bus of cluster mode. Every publish goes to Redis and comes back through the subscription
 * (one Redis listener per topic via `@graphql-yoga/redis-event-target`), so the local replica
 * delivers each message once, like every other replica.
 *
 * Notifications pass a sequencer: they carry their log position (seq), so a replica delivers
 * them strictly in log order, drops one it already delivered, and fills a gap (a message Redis
 * pub/sub lost in a blip, or a leader that died between its append and its publish) from the
 * shared log before going on. Prices are at most once: the next frame supersedes a lost one.
 */
export function createRedisBus(options: RedisBusOptions): RedisBus {
  const { publisher, subscriber, channel, log, canPublish = () => true, catchUpIntervalMs = 1000, logger = silentLogger } = options;
  let publishFailures = 0;
  const safePublisher = {
    publish: (name: string, message: string) =>
      publisher.publish(name, message).catch((error: unknown) => {
        publishFailures += 1;
        if (publishFailures <= 10 || publishFailures % 100 === 0) {
          logger.warn({ err: error, channel: name, failures: publishFailures }, 'publishing to Redis failed');
        }
        return 0;
      }),
  };
  const remote = createRedisEventTarget<CustomEvent>({ publishClient: safePublisher as unknown as Redis, subscribeClient: subscriber });
  const local = new EventTarget();

  const sequencer = createSequencer({
    log,
    logger,
    deliver: (record) => local.dispatchEvent(new CustomEvent(NOTIFICATIONS, { detail: record })),
  });
  const fromRedis = (event: Event): void => sequencer.receive((event as CustomEvent<NotificationRecord>).detail);

  const target: BusEventTarget = {
    addEventListener(type, listener) {
      if (type === NOTIFICATIONS) local.addEventListener(type, listener);
      else remote.addEventListener(channel(type as Topic), listener);
    },
    removeEventListener(type, listener) {
      if (type === NOTIFICATIONS) local.removeEventListener(type, listener);
      else remote.removeEventListener(channel(type as Topic), listener);
    },
    dispatchEvent(event) {
      if (!canPublish()) return false;
      return remote.dispatchEvent(new CustomEvent(channel(event.type as Topic), { detail: (event as CustomEvent).detail }));
    },
  };
  const bus = createBus({ eventTarget: target });
  let timer: NodeJS.Timeout | null = null;
  const onReady = (): void => void sequencer.catchUp();

  return {
    ...bus,
    async start() {
      remote.addEventListener(channel(NOTIFICATIONS), fromRedis);
      subscriber.on('ready', onReady);
      await sequencer.catchUp();
      timer = setInterval(onReady, catchUpIntervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      subscriber.off('ready', onReady);
      remote.removeEventListener(channel(NOTIFICATIONS), fromRedis);
      await sequencer.idle();
    },
    catchUp: () => sequencer.catchUp(),
  };
}

export interface Sequencer {
  receive(record: NotificationRecord): void;
  catchUp(): Promise<void>;
  /** resolves when everything received so far is handled */
  idle(): Promise<void>;
  lastDelivered(): number | null;
}

/** In-order, once-only delivery of log records arriving out of band, with gaps filled from the log. */
export function createSequencer(options: { log: EventLog; deliver: (record: NotificationRecord) => void; logger?: Logger }): Sequencer {
  const { log, deliver, logger = silentLogger } = options;
  let last: number | null = null;
  let chain: Promise<void> = Promise.resolve();

  function enqueue(task: () => Promise<void> | void): Promise<void> {
    chain = chain.then(task).catch((error: unknown) => {
      logger.warn({ err: error, lastDelivered: last }, 'reading missed notifications from the log failed; will retry');
    });
    return chain;
  }

  /** Delivers every stored record with last < seq < below. */
  async function fill(below: number): Promise<void> {
    while (last !== null && last + 1 < below) {
      const rows = await log.list({ afterSeq: last, beforeSeq: below, limit: SEQUENCER_PAGE, direction: 'forward' });
      if (rows.length === 0) {
        logger.warn({ from: last + 1, to: below - 1 }, 'notifications missing from the log; skipping them');
        last = below - 1;
        return;
      }
      for (const record of rows) {
        deliver(record);
        last = record.seq;
      }
    }
  }

  return {
    receive(record) {
      void enqueue(async () => {
        if (last === null) last = record.seq - 1;
        if (record.seq <= last) return;
        if (record.seq > last + 1) await fill(record.seq);
        deliver(record);
        last = record.seq;
      });
    },
    catchUp() {
      return enqueue(async () => {
        const top = await log.lastSeq();
        if (last === null) {
          last = top;
          return;
        }
        if (top < last) {
          logger.error({ lastDelivered: last, logTop: top }, 'the event log went back in Redis (was its data lost?); following the log from here');
          last = top;
          return;
        }
        await fill(top + 1);
      });
    },
    idle: () => chain,
    lastDelivered: () => last,
  };
}
