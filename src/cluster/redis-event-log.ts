import type { Redis } from 'ioredis';
import {
  extractUserId,
  notificationTypeOf,
  type IncomingNotification,
  type NotificationRecord,
} from '../domain/notification.js';
import type { RedisKeys } from './redis-keys.js';
import { FENCE_CHECK, FencedError, isFencedReply, redisScript } from './redis-scripts.js';
import type { EventLog, EventQuery } from '../store/types.js';

/**
 * Stores the new events and sets the poll cursor in one atomic step, after the fence check.
 * KEYS: lease, seq, records, log, poll cursor, then per event its type set and user set.
 * ARGV: fence, '1' when a cursor is given, the cursor, then per event id, record JSON, '1' when it has a user.
 * Returns the stored ids and their seqs, flattened.
 */
const APPEND = redisScript(`${FENCE_CHECK}
local stored = {}
local n = (#ARGV - 3) / 3
for i = 1, n do
  local id = ARGV[3 * i + 1]
  if redis.call('HSETNX', KEYS[3], id, ARGV[3 * i + 2]) == 1 then
    local seq = redis.call('INCR', KEYS[2])
    redis.call('ZADD', KEYS[4], seq, id)
    redis.call('ZADD', KEYS[4 + 2 * i], seq, id)
    if ARGV[3 * i + 3] == '1' then redis.call('ZADD', KEYS[5 + 2 * i], seq, id) end
    stored[#stored + 1] = id
    stored[#stored + 1] = seq
  end
end
if ARGV[2] == '1' then redis.call('SET', KEYS[5], ARGV[3]) else redis.call('DEL', KEYS[5]) end
return stored
`);

type StoredFields = Omit<NotificationRecord, 'seq'>;

/** Ids scored by seq, read from one sorted set within the query's bounds. */
async function range(
  redis: Redis,
  key: string,
  query: Pick<EventQuery, 'afterSeq' | 'beforeSeq' | 'direction'>,
  count: number,
): Promise<Array<{ id: string; seq: number }>> {
  const min = query.afterSeq != null ? `(${query.afterSeq}` : '-inf';
  const max = query.beforeSeq != null ? `(${query.beforeSeq}` : '+inf';
  const flat =
    query.direction === 'forward'
      ? await redis.zrangebyscore(key, min, max, 'WITHSCORES', 'LIMIT', 0, count)
      : await redis.zrevrangebyscore(key, max, min, 'WITHSCORES', 'LIMIT', 0, count);
  const out: Array<{ id: string; seq: number }> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ id: flat[i]!, seq: Number(flat[i + 1]) });
  return out;
}

/** The largest page read from a user's set while filtering it by type. */
const SCAN_PAGE = 1000;

/**
 * The notification log on Redis. Reads never need the lease; `append` with a `fence` only
 * succeeds while that fence is the lease's current value, so a deposed leader cannot write.
 *
 * Filtered lists read one sorted set per filter: a type filter merges the per-type sets
 * (each read up to `limit`), a user filter reads the user's set, and a user filter with types
 * pages through the user's set and keeps the matching types.
 */
export function createRedisEventLog(options: { redis: Redis; keys: RedisKeys; fence?: string | null; now?: () => number }): EventLog {
  const { redis, keys, fence = null, now = Date.now } = options;

  async function records(ids: ReadonlyArray<{ id: string; seq: number }>): Promise<NotificationRecord[]> {
    if (ids.length === 0) return [];
    const texts = await redis.hmget(keys.eventRecords, ...ids.map((e) => e.id));
    const out: NotificationRecord[] = [];
    ids.forEach(({ seq }, i) => {
      const text = texts[i];
      if (text) out.push({ seq, ...(JSON.parse(text) as StoredFields) });
    });
    return out;
  }

  async function listOfUserAndTypes(query: EventQuery, userId: string, types: Set<string>, limit: number): Promise<NotificationRecord[]> {
    const out: NotificationRecord[] = [];
    let bounds = { afterSeq: query.afterSeq, beforeSeq: query.beforeSeq, direction: query.direction };
    const page = Math.min(SCAN_PAGE, Math.max(limit * 4, 100));
    for (;;) {
      const ids = await range(redis, keys.eventsOfUser(userId), bounds, page);
      for (const record of await records(ids)) {
        if (types.has(record.type)) out.push(record);
        if (out.length === limit) return out;
      }
      if (ids.length < page) return out;
      const edge = ids[ids.length - 1]!.seq;
      bounds = query.direction === 'forward' ? { ...bounds, afterSeq: edge } : { ...bounds, beforeSeq: edge };
    }
  }

  return {
    async append(events: readonly IncomingNotification[], pollCursor: string | null): Promise<NotificationRecord[]> {
      const receivedAt = now();
      const fields: StoredFields[] = events.map(({ id, type: rawType, payload, created_at: createdAt }) => ({
        id,
        rawType,
        type: notificationTypeOf(rawType),
        createdAt,
        userId: extractUserId(payload),
        payloadText: payload,
        receivedAt,
      }));
      const scriptKeys = [keys.lease, keys.eventSeq, keys.eventRecords, keys.eventLog, keys.pollCursor];
      const args: Array<string | number> = [fence ?? '', pollCursor === null ? '0' : '1', pollCursor ?? ''];
      for (const f of fields) {
        const typeKey = keys.eventsOfType(f.type);
        scriptKeys.push(typeKey, f.userId === null ? typeKey : keys.eventsOfUser(f.userId));
        args.push(f.id, JSON.stringify(f), f.userId === null ? '0' : '1');
      }
      let reply: unknown;
      try {
        reply = await APPEND(redis, scriptKeys, args);
      } catch (error) {
        if (isFencedReply(error)) throw new FencedError('storing events');
        throw error;
      }
      const flat = reply as Array<string | number>;
      const byId = new Map(fields.map((f) => [f.id, f]));
      const stored: NotificationRecord[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) stored.push({ seq: Number(flat[i + 1]), ...byId.get(String(flat[i]))! });
      return stored;
    },
    async pollCursor() {
      return redis.get(keys.pollCursor);
    },
    async get(id) {
      const [text, score] = await Promise.all([redis.hget(keys.eventRecords, id), redis.zscore(keys.eventLog, id)]);
      return text && score ? { seq: Number(score), ...(JSON.parse(text) as StoredFields) } : null;
    },
    async list(query) {
      const limit = Number.isFinite(query.limit) ? Math.max(0, Math.floor(query.limit)) : 0;
      if (limit === 0) return [];
      const types = query.types && query.types.length > 0 ? [...new Set(query.types)] : [];
      if (query.userId != null && types.length > 0) return listOfUserAndTypes(query, query.userId, new Set(types), limit);
      if (query.userId != null) return records(await range(redis, keys.eventsOfUser(query.userId), query, limit));
      if (types.length === 0) return records(await range(redis, keys.eventLog, query, limit));
      const merged = (await Promise.all(types.map((t) => range(redis, keys.eventsOfType(t), query, limit)))).flat();
      merged.sort((a, b) => (query.direction === 'forward' ? a.seq - b.seq : b.seq - a.seq));
      return records(merged.slice(0, limit));
    },
    async lastSeq() {
      return Number((await redis.get(keys.eventSeq)) ?? 0);
    },
  };
}
