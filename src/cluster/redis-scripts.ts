import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type RedisScript = (redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>) => Promise<unknown>;

/**
 * A Lua script run with EVALSHA, falling back to EVAL when the server does not know it yet
 * (first use, or after a Redis restart emptied the script cache).
 */
export function redisScript(lua: string): RedisScript {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (redis, keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return redis.eval(lua, keys.length, ...keys, ...args);
    }
  };
}

/** The error a fenced write gets when this replica no longer holds the upstream lease. */
export class FencedError extends Error {
  constructor(what: string) {
    super(`${what} refused: this replica no longer holds the upstream leader lease`);
    this.name = 'FencedError';
  }
}

export const FENCED_REPLY = 'FENCED';

export function isFencedReply(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith(FENCED_REPLY);
}

/** Lua prologue of every fenced write: KEYS[1] is the lease key, ARGV[1] the holder's fence ('' = unfenced). */
export const FENCE_CHECK = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('${FENCED_REPLY} the upstream lease is held by another replica')
end
`;

/** Deletes every key under `prefix` (tests and tooling). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
