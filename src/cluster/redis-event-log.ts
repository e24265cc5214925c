import type { Redis } from 'ioredis';
import type { NotificationRecord } from '../domain/notification.js';
import {
  notificationContentKey,
  storablePolled,
  storablePushed,
  storedRecord,
  type StorableNotification,
} from '../domain/notification-identity.js';
import type { RedisKeys } from './redis-keys.js';
import { FENCE_CHECK, FencedError, isFencedReply, redisScript } from './redis-scripts.js';
import type { EventLog, EventQuery } from '../store/types.js';

/**
 * Stores the events not stored before, and moves the poll cursor, in one atomic step; after
 * the fence check when a fence is given (polled pages of a leader; pushes pass none).
 * A polled event (with an upstream id) is new unless that id is known as an event or an alias,
 * or a pushed event of the same content awaits its upstream id (which then becomes an alias).
 * A pushed event (no upstream id) is new unless some event has its content key.
 * KEYS: lease, seq, records, log, poll cursor, content keys, awaiting upstream id, aliases, then
 * per event its type set and user set.
 * ARGV: fence ('' = unfenced), cursor action ('set', 'clear' or 'keep'), the cursor, then per
 * event: id, upstream id ('' for a push), content key, record JSON, '1' when it has a user.
 * Returns the stored ids and their seqs, flattened.
 */
const APPEND = redisScript(`${FENCE_CHECK}
local stored = {}
local n = (#ARGV - 3) / 5
for i = 1, n do
  local a = 3 + 5 * (i - 1)
  local id, upstream, key = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local fresh = false
  if upstream == '' then
    fresh = redis.call('HEXISTS', KEYS[6], key) == 0 and redis.call('HEXISTS', KEYS[3], id) == 0
    if fresh then redis.call('HSET', KEYS[7], key, id) end
  elseif redis.call('HEXISTS', KEYS[3], upstream) == 0 and redis.call('HEXISTS', KEYS[8], upstream) == 0 then
    local pushed = redis.call('HGET', KEYS[7], key)
    if pushed then
      redis.call('HSET', KEYS[8], upstream, pushed)
      redis.call('HDEL', KEYS[7], key)
    else
      fresh = true
    end
  end
  if fresh then
    redis.call('HSET', KEYS[3], id, ARGV[a + 4])
    local seq = redis.call('INCR', KEYS[2])
    redis.call('ZADD', KEYS[4], seq, id)
    redis.call('ZADD', KEYS[7 + 2 * i], seq, id)
    if ARGV[a + 5] == '1' then redis.call('ZADD', KEYS[8 + 2 * i], seq, id) end
    redis.call('HSETNX', KEYS[6], key, id)
    stored[#stored + 1] = id
    stored[#stored + 1] = seq
  end
end
if ARGV[2] == 'set' then redis.call('SET', KEYS[5], ARGV[3]) elseif ARGV[2] == 'clear' then redis.call('DEL', KEYS[5]) end
return stored
`);

type StoredFields = Omit<NotificationRecord, 'seq'>;

/** What a record's JSON holds in the records hash: everything but its seq (the log's score). */
const RECORD_FIELDS: Array<keyof StoredFields> = ['id', 'rawType', 'type', 'createdAt', 'userId', 'payloadText', 'receivedAt'];

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
 * The notification log on Redis. Reads never need the lease; `append` (a polled page and its
 * cursor) with a `fence` only succeeds while that fence is the lease's current value, so a
 * deposed leader cannot write. `appendPushed` is never fenced: a webhook may land on any replica.
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

  type CursorWrite = { action: 'set' | 'clear'; cursor: string } | { action: 'keep' };

  async function write(events: readonly StorableNotification[], cursor: CursorWrite, writeFence: string | null): Promise<NotificationRecord[]> {
    const scriptKeys = [
      keys.lease, keys.eventSeq, keys.eventRecords, keys.eventLog, keys.pollCursor,
      keys.eventContentKeys, keys.eventsAwaitingUpstreamId, keys.eventAliases,
    ];
    const args: Array<string | number> = [writeFence ?? '', cursor.action, cursor.action === 'keep' ? '' : cursor.cursor];
    for (const e of events) {
      const typeKey = keys.eventsOfType(e.type);
      scriptKeys.push(typeKey, e.userId === null ? typeKey : keys.eventsOfUser(e.userId));
      args.push(e.id, e.upstreamId ?? '', e.contentKey, JSON.stringify(storedRecord(e, 0), RECORD_FIELDS), e.userId === null ? '0' : '1');
    }
    let reply: unknown;
    try {
      reply = await APPEND(redis, scriptKeys, args);
    } catch (error) {
      if (isFencedReply(error)) throw new FencedError('storing events');
      throw error;
    }
    const flat = reply as Array<string | number>;
    const byId = new Map(events.map((e) => [e.id, e]));
    const stored: NotificationRecord[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) stored.push(storedRecord(byId.get(String(flat[i]))!, Number(flat[i + 1])));
    return stored;
  }

  async function read(id: string): Promise<NotificationRecord | null> {
    const [text, score] = await Promise.all([redis.hget(keys.eventRecords, id), redis.zscore(keys.eventLog, id)]);
    return text && score ? { seq: Number(score), ...(JSON.parse(text) as StoredFields) } : null;
  }

  return {
    async append(events, pollCursor) {
      const receivedAt = now();
      const cursor: CursorWrite = pollCursor === null ? { action: 'clear', cursor: '' } : { action: 'set', cursor: pollCursor };
      return write(events.map((e) => storablePolled(e, receivedAt)), cursor, fence);
    },
    async appendPushed(events) {
      const receivedAt = now();
      return write(events.map((e) => storablePushed(e, receivedAt)), { action: 'keep' }, null);
    },
    async pollCursor() {
      return redis.get(keys.pollCursor);
    },
    async get(id) {
      const record = await read(id);
      if (record) return record;
      const target = await redis.hget(keys.eventAliases, id);
      return target ? read(target) : null;
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

/**
 * Indexes the content keys of the events stored before content keys existed, once per log (a
 * marker key says it is done). Idempotent, so replicas starting together may both run it.
 * Returns how many events it read.
 */
export async function indexStoredContentKeys(redis: Redis, keys: RedisKeys): Promise<number> {
  if ((await redis.exists(keys.eventContentIndexed)) === 1) return 0;
  let cursor = '0';
  let indexed = 0;
  do {
    const [next, flat] = await redis.hscan(keys.eventRecords, cursor, 'COUNT', 500);
    cursor = next;
    const pipeline = redis.pipeline();
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const { rawType, payloadText } = JSON.parse(flat[i + 1]!) as StoredFields;
      pipeline.hsetnx(keys.eventContentKeys, notificationContentKey(rawType, payloadText), flat[i]!);
      indexed += 1;
    }
    const failed = flat.length > 0 ? (await pipeline.exec())?.find(([error]) => error)?.[0] : undefined;
    if (failed) throw failed;
  } while (cursor !== '0');
  await redis.set(keys.eventContentIndexed, '1');
  return indexed;
}
