import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createLease, type Lease } from '../../src/cluster/lease.js';
import { indexStoredContentKeys } from '../../src/cluster/redis-event-log.js';
import { openRedisStore, type RedisStore } from '../../src/cluster/redis-store.js';
import { FencedError } from '../../src/cluster/redis-scripts.js';
import { TEST_REDIS_URL, cleanupPrefix, describeRedis, uniquePrefix } from '../helpers/redis.js';
import { describeEventLogIdentity, polled, pushed } from '../store/event-log-identity.js';

const describe = await describeRedis();

const clients: Redis[] = [];
const prefixes: string[] = [];
const opened: RedisStore[] = [];
const leases: Lease[] = [];
const client = (): Redis => {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  clients.push(redis);
  return redis;
};
let redis: Redis;

beforeAll(() => {
  redis = client();
});
afterEach(async () => {
  await Promise.all(leases.splice(0).map((l) => l.stop({ release: false })));
  await Promise.all(opened.splice(0).map((s) => s.close()));
  await Promise.all(prefixes.splice(0).map((p) => cleanupPrefix(p)));
});
afterAll(() => {
  for (const c of clients) c.disconnect();
});

async function store(name: string, options: { prefix?: string; on?: Redis } = {}): Promise<RedisStore> {
  const prefix = options.prefix ?? uniquePrefix(name);
  if (!options.prefix) prefixes.push(prefix);
  const s = await openRedisStore({ redis: options.on ?? redis, prefix });
  opened.push(s);
  return s;
}

describeEventLogIdentity('the Redis event log', describe, async () => (await store('identity')).events);

describe('the Redis event log: pushes on any replica', () => {
  it('stores a push on a replica that does not lead, and on a deposed leader, while their polled pages stay fenced', async () => {
    const s = await store('unfenced');
    const lease = createLease({ redis, key: s.keys.lease, tokenKey: s.keys.fencingToken, replicaId: 'replica-a', ttlMs: 400, renewIntervalMs: 50 });
    leases.push(lease);
    await lease.tick();
    const leader = s.fencedEvents(lease.held()!.fence);
    expect(await leader.append([polled('evt-1', '{"n":1}')], 'evt-1')).toHaveLength(1);

    const follower = s.events;
    expect(await follower.appendPushed([pushed('{"n":2}')])).toMatchObject([{ seq: 2 }]);
    const deposed = s.fencedEvents('replica-z|1');
    expect(await deposed.appendPushed([pushed('{"n":3}')])).toMatchObject([{ seq: 3 }]);
    await expect(deposed.append([polled('evt-4', '{"n":4}')], 'evt-4')).rejects.toBeInstanceOf(FencedError);
    expect(await s.events.pollCursor()).toBe('evt-1');
    expect(await leader.append([polled('evt-2', '{"n":2}'), polled('evt-4', '{"n":4}')], 'evt-4')).toMatchObject([{ seq: 4, id: 'evt-4' }]);
    expect((await s.events.get('evt-2'))?.id).toBe(pushed('{"n":2}').id);
  });

  it('stores 200 notifications pushed at once through two connections, each by both, exactly once and without gaps', async () => {
    const a = await store('concurrent');
    const b = await store('concurrent', { prefix: a.keys.prefix, on: client() });
    const payloads = Array.from({ length: 200 }, (_, i) => `{"user_id":"u-${i % 5}","n":${i}}`);
    const results = await Promise.all(
      payloads.flatMap((payload, i) => [
        a.events.appendPushed([pushed(payload)]),
        b.events.appendPushed([pushed(i % 2 === 0 ? ` ${payload}` : payload)]),
      ]),
    );
    const stored = results.flat();
    expect(stored).toHaveLength(200);
    expect(stored.map((r) => r.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(new Set(stored.map((r) => r.id))).toEqual(new Set(payloads.map((p) => pushed(p).id)));
    expect(await a.events.lastSeq()).toBe(200);
    expect(await b.events.list({ limit: 500, direction: 'forward', userId: 'u-3' })).toHaveLength(40);
  });
});

describe('the Redis event log: events stored by the previous release', () => {
  it('indexes their content keys once when a store opens, so their pushes are duplicates', async () => {
    const prefix = uniquePrefix('backfill');
    prefixes.push(prefix);
    const records = Array.from({ length: 1200 }, (_, i) => ({
      id: `old-${i}`,
      rawType: 'user.update',
      type: 'USER_UPDATE',
      createdAt: 't',
      userId: null,
      payloadText: `{"n":${i}}`,
      receivedAt: 1,
    }));
    await redis.hset(`${prefix}events:records`, Object.fromEntries(records.map((r) => [r.id, JSON.stringify(r)])));
    await redis.zadd(`${prefix}events:log`, ...records.flatMap((r, i) => [i + 1, r.id]));
    await redis.set(`${prefix}events:seq`, records.length);

    const s = await store('backfill', { prefix });
    expect(await redis.get(s.keys.eventContentIndexed)).toBe('1');
    expect(await redis.hlen(s.keys.eventContentKeys)).toBe(1200);
    expect(await s.events.appendPushed([pushed('{ "n": 7 }'), pushed('{"n":1199}')])).toEqual([]);
    expect(await s.events.appendPushed([pushed('{"n":1200}')])).toMatchObject([{ seq: 1201 }]);
    expect(await indexStoredContentKeys(redis, s.keys)).toBe(0);
  });
});
