import type { Redis } from 'ioredis';
import type { Price, PriceChange } from '../domain/price.js';
import { silentLogger, type Logger } from '../logger.js';
import type { RedisKeys } from './redis-keys.js';
import { FENCE_CHECK, isFencedReply, redisScript } from './redis-scripts.js';
import type { PriceCache } from '../store/types.js';
import { createMemoryPrices } from '../store/memory-prices.js';

/**
 * Writes pending prices and changes, after the fence check.
 * KEYS: lease, prices hash, changes hash. ARGV: fence, price count n, then n id/JSON pairs, then change id/JSON pairs.
 */
const FLUSH = redisScript(`${FENCE_CHECK}
local n = tonumber(ARGV[2])
for i = 0, n - 1 do redis.call('HSET', KEYS[2], ARGV[3 + 2 * i], ARGV[4 + 2 * i]) end
local m = (#ARGV - 2 - 2 * n) / 2
for i = 0, m - 1 do redis.call('HSET', KEYS[3], ARGV[3 + 2 * n + 2 * i], ARGV[4 + 2 * n + 2 * i]) end
return n + m
`);

export interface RedisPriceCache extends PriceCache {
  /** Loads every stored price and change into memory (warm start, and after a reconnect). */
  load(): Promise<void>;
  /** Takes a price another replica published: memory only, and only when it is not older than the one held. */
  remember(price: Price): void;
  rememberChange(change: PriceChange): void;
}

const newer = (a: Price, b: Price | undefined): boolean => !b || a.time > b.time || (a.time === b.time && a.receivedAt >= b.receivedAt);
const newerChange = (a: PriceChange, b: PriceChange | undefined): boolean => !b || a.receivedAt >= b.receivedAt;

/**
 * Latest price and change per pair: reads from memory, writes write-behind to two Redis
 * hashes. Only the lease holder writes (`fence()` returns its lease value): pending writes of a
 * replica that is not, or no longer, the leader are dropped, the leader's copy wins.
 */
export function createRedisPriceCache(options: {
  redis: Redis;
  keys: RedisKeys;
  /** the lease value to write under; null: do not write. Without it writes are unfenced. */
  fence?: () => string | null;
  logger?: Logger;
}): RedisPriceCache {
  const { redis, keys, fence, logger = silentLogger } = options;
  const memory = createMemoryPrices();
  const { prices, changes } = memory;

  async function loadHash<T>(key: string, into: Map<string, T>, isNewer: (a: T, b: T | undefined) => boolean): Promise<void> {
    const all = await redis.hgetall(key);
    for (const [id, text] of Object.entries(all)) {
      try {
        const value = JSON.parse(text) as T;
        if (isNewer(value, into.get(id))) into.set(id, value);
      } catch {
        logger.warn({ key, id }, 'skipping an unreadable cached price');
      }
    }
  }

  return {
    putPrice: memory.putPrice,
    putChange: memory.putChange,
    remember(price) {
      if (newer(price, prices.get(price.id))) prices.set(price.id, price);
    },
    rememberChange(change) {
      if (newerChange(change, changes.get(change.id))) changes.set(change.id, change);
    },
    getPrice: memory.getPrice,
    getChange: memory.getChange,
    listPrices: memory.listPrices,
    listChanges: memory.listChanges,
    async load() {
      await loadHash(keys.prices, prices, newer);
      await loadHash(keys.priceChanges, changes, newerChange);
      logger.debug({ prices: prices.size, changes: changes.size }, 'price cache loaded from Redis');
    },
    async flush() {
      const batch = memory.takePending();
      if (batch.prices.size === 0 && batch.changes.size === 0) return;
      const holder = fence ? fence() : '';
      if (holder === null) return;
      const args: Array<string | number> = [holder, batch.prices.size];
      for (const [id, p] of batch.prices) args.push(id, JSON.stringify(p));
      for (const [id, c] of batch.changes) args.push(id, JSON.stringify(c));
      try {
        await FLUSH(redis, [keys.lease, keys.prices, keys.priceChanges], args);
      } catch (error) {
        if (isFencedReply(error)) return;
        memory.restorePending(batch);
        throw error;
      }
    },
  };
}
