import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { Redis } from 'ioredis';
import type { NotificationRecord } from '../domain/notification.js';
import { silentLogger, type Logger } from '../logger.js';
import { NO_CLUSTER_METRICS, type ClusterMetrics } from '../metrics/cluster-metrics.js';
import type { EventLog } from '../store/types.js';
import { createBus, type Bus, type BusEventTarget } from '../bus/bus.js';
import type { Topic } from '../bus/topics.js';
import { createSequencer } from './notification-sequencer.js';

const NOTIFICATIONS: Topic = 'notification:received';

export interface RedisBusOptions {
  /** publishes; a failed publish is logged, never thrown */
  publisher: Redis;
  /** a connection of its own, in subscriber mode (it resubscribes after a reconnect) */
  subscriber: Redis;
  /** channel name for a topic */
  channel: (topic: Topic) => string;
  /** read to fill gaps in the notification stream */
  log: EventLog;
  /**
   * price publishes are dropped while it returns false (only the upstream leader publishes
   * prices). Notifications are published by whichever replica stored them: each carries its log
   * position, and every replica's sequencer delivers it once, in order. @default () => true
   */
  canPublish?: () => boolean;
  /** how often the log's last seq is checked for notifications pub/sub did not bring @default 1000 */
  catchUpIntervalMs?: number;
  logger?: Logger;
  /** @default no metrics */
  metrics?: ClusterMetrics;
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
  const { publisher, subscriber, channel, log, canPublish = () => true, catchUpIntervalMs = 1000, logger = silentLogger, metrics = NO_CLUSTER_METRICS } = options;
  let publishFailures = 0;
  const safePublisher = {
    publish: (name: string, message: string) =>
      publisher.publish(name, message).catch((error: unknown) => {
        publishFailures += 1;
        metrics.publishFailed();
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
      if (event.type !== NOTIFICATIONS && !canPublish()) return false;
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
