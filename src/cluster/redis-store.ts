import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../logger.js';
import { createRedisEventLog, indexStoredContentKeys } from './redis-event-log.js';
import { DEFAULT_KEY_PREFIX, redisKeys, type RedisKeys } from './redis-keys.js';
import { createRedisPriceCache, type RedisPriceCache } from './redis-price-cache.js';
import type { EventLog, Store } from '../store/types.js';

export interface RedisStoreOptions {
  /** a connected client; the store does not close it */
  redis: Redis;
  /** @default 'bitpanda-gateway:' */
  prefix?: string;
  /**
   * The upstream lease value price writes are fenced with; null: this replica does not write
   * prices. Without it writes are unfenced (single writer).
   */
  fence?: () => string | null;
  logger?: Logger;
  now?: () => number;
  /**
   * How often pending price writes reach Redis.
   * @default 1000
   */
  flushIntervalMs?: number;
}

export interface RedisStore extends Store {
  prices: RedisPriceCache;
  /** The unfenced log: reads, and writes when there is a single writer. */
  events: EventLog;
  /** The same log whose polled pages only succeed while `fence` is the lease's current value (pushes are never fenced). */
  fencedEvents(fence: string): EventLog;
  keys: RedisKeys;
}

/**
 * The shared store of cluster mode: event log, poll cursor and latest prices in Redis, so
 * every replica answers the same and a replica that joins later starts warm. Resolves once
 * the content keys of events stored by an older release are indexed and the prices are loaded
 * into memory.
 *
 * Durability is Redis's: an append is acknowledged once Redis applied the script, and survives
 * a Redis restart as far as its persistence does (AOF with `appendfsync always` or `everysec`).
 */
export async function openRedisStore(options: RedisStoreOptions): Promise<RedisStore> {
  const { redis, prefix = DEFAULT_KEY_PREFIX, fence, logger = silentLogger, now = Date.now, flushIntervalMs = 1000 } = options;
  if (!Number.isFinite(flushIntervalMs) || flushIntervalMs <= 0) {
    throw new Error(`openRedisStore: flushIntervalMs must be a positive number of milliseconds, got ${flushIntervalMs}`);
  }
  const keys = redisKeys(prefix);
  const indexed = await indexStoredContentKeys(redis, keys);
  if (indexed > 0) logger.info({ events: indexed }, 'content keys of the stored events indexed');
  const prices = createRedisPriceCache({ redis, keys, fence, logger });
  await prices.load();

  let flushing: Promise<void> | null = null;
  const flush = (): Promise<void> =>
    (flushing ??= prices.flush().finally(() => {
      flushing = null;
    }));
  const timer = setInterval(() => {
    flush().catch((error: unknown) => logger.warn({ err: error }, 'price cache flush to Redis failed; will retry'));
  }, flushIntervalMs);
  timer.unref();

  let closed = false;
  return {
    keys,
    prices,
    events: createRedisEventLog({ redis, keys, now }),
    fencedEvents: (value) => createRedisEventLog({ redis, keys, fence: value, now }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await flushing;
      await flush().catch((error: unknown) => logger.warn({ err: error }, 'last price cache flush to Redis failed'));
    },
  };
}
