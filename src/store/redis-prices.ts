import type { Redis } from 'ioredis';
import type { Price, PriceChange } from '../domain/price.js';
import { silentLogger, type Logger } from '../logger.js';
import type { RedisKeys } from './redis-keys.js';
import { FENCE_CHECK, isFencedReply, redisScript } from './redis-script.js';
import type { PriceCache } from './types.js';

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
  const prices = new Map<string, Price>();
  const changes = new Map<string, PriceChange>();
  let pendingPrices = new Map<string, Price>();
  let pendingChanges = new Map<string, PriceChange>();

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
    putPrice(price) {
      prices.set(price.id, price);
      pendingPrices.set(price.id, price);
    },
    putChange(change) {
      changes.set(change.id, change);
      pendingChanges.set(change.id, change);
    },
    remember(price) {
      if (newer(price, prices.get(price.id))) prices.set(price.id, price);
    },
    rememberChange(change) {
      if (newerChange(change, changes.get(change.id))) changes.set(change.id, change);
    },
    getPrice: (id) => prices.get(id),
    getChange: (id) => changes.get(id),
    listPrices: () => [...prices.values()],
    listChanges: () => [...changes.values()],
    async load() {
      await loadHash(keys.prices, prices, newer);
      await loadHash(keys.priceChanges, changes, newerChange);
      logger.debug({ prices: prices.size, changes: changes.size }, 'price cache loaded from Redis');
    },
    async flush() {
      if (pendingPrices.size === 0 && pendingChanges.size === 0) return;
      const batchPrices = pendingPrices;
      const batchChanges = pendingChanges;
      pendingPrices = new Map();
      pendingChanges = new Map();
      const holder = fence ? fence() : '';
      if (holder === null) return;
      const args: Array<string | number> = [holder, batchPrices.size];
      for (const [id, p] of batchPrices) args.push(id, JSON.stringify(p));
      for (const [id, c] of batchChanges) args.push(id, JSON.stringify(c));
      try {
        await FLUSH(redis, [keys.lease, keys.prices, keys.priceChanges], args);
      } catch (error) {
        if (isFencedReply(error)) return;
        // keep what failed unless a newer value arrived meanwhile
        for (const [id, p] of batchPrices) if (!pendingPrices.has(id)) pendingPrices.set(id, p);
        for (const [id, c] of batchChanges) if (!pendingChanges.has(id)) pendingChanges.set(id, c);
        throw error;
      }
    },
  };
}
