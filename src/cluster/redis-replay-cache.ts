import type { Redis } from 'ioredis';
import type { ReplayCache } from '../upstream/webhooks/replay.js';
import type { RedisKeys } from './redis-keys.js';

/**
 * Webhook replay protection shared by every replica: an accepted signed message is a key
 * `SET NX` with an expiry at the time it would be refused as stale anyway, so an exact replay
 * is refused whichever replica it reaches. A claim that fails to reach Redis throws, and the
 * receiver answers 503 (the sender retries).
 */
export function createRedisReplayCache(options: { redis: Redis; keys: Pick<RedisKeys, 'webhookSeen'>; now?: () => number }): ReplayCache {
  const { redis, keys, now = Date.now } = options;
  return {
    async claim(id, untilMs) {
      const ttl = Math.max(1, Math.ceil(untilMs - now()));
      return (await redis.set(keys.webhookSeen(id), '1', 'PX', ttl, 'NX')) === 'OK';
    },
    async release(id) {
      await redis.del(keys.webhookSeen(id));
    },
  };
}
