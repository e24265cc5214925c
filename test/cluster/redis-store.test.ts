import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { IncomingNotification } from '../../src/domain/notification.js';
import { createLease, type HeldLease, type Lease } from '../../src/cluster/lease.js';
import type { Price } from '../../src/domain/price.js';
import { openRedisStore, type RedisStore } from '../../src/cluster/redis-store.js';
import { FencedError } from '../../src/cluster/redis-scripts.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { EventQuery } from '../../src/store/types.js';
import { within } from '../helpers/queue.js';
import { TEST_REDIS_URL, cleanupPrefix, describeRedis, uniquePrefix } from '../helpers/redis.js';

const describe = await describeRedis();

const RAW_TYPES = ['user.update', 'account.top-up-success', 'user.crypto-action', 'user.brand-new-thing', 'account.send-money'];
const USERS = ['u-1', 'u-2', 'u-3', null];

function event(n: number): IncomingNotification {
  const user = USERS[(n * 7) % USERS.length];
  const payload = user === null ? { n } : { user_id: user, n };
  return { id: `evt-${n}`, type: RAW_TYPES[n % RAW_TYPES.length]!, payload: JSON.stringify(payload), created_at: `2025-01-01T00:00:${String(n % 60).padStart(2, '0')}Z` };
}

const price = (id: string, ask: string, time: number): Price =>
  ({ id, type: 'CRYPTO', asset: id.split(':')[0]!, fiat: id.split(':')[1]!, ask, bid: ask, time, receivedAt: time }) as unknown as Price;

describe('the Redis store and the upstream lease (against a real Redis)', () => {
  let redis: Redis;
  const prefixes: string[] = [];
  const opened: Array<{ close(): Promise<void> }> = [];
  const leases: Lease[] = [];
  const now = () => 1_700_000_000_000;

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterEach(async () => {
    await Promise.all(leases.splice(0).map((l) => l.stop({ release: false })));
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await Promise.all(prefixes.splice(0).map((p) => cleanupPrefix(p)));
  });
  afterAll(() => redis.disconnect());

  async function store(name: string, options: { fence?: () => string | null } = {}): Promise<RedisStore> {
    const prefix = uniquePrefix(name);
    prefixes.push(prefix);
    const s = await openRedisStore({ redis, prefix, now, ...options });
    opened.push(s);
    return s;
  }

  function lease(s: RedisStore, replicaId: string, onChange?: (held: HeldLease | null) => void): Lease {
    const l = createLease({ redis, key: s.keys.lease, tokenKey: s.keys.fencingToken, replicaId, ttlMs: 400, renewIntervalMs: 50, onChange });
    leases.push(l);
    return l;
  }

  it('appends only unseen ids, numbers them without gaps and moves the poll cursor in the same step', async () => {
    const s = await store('append');
    expect(await s.events.pollCursor()).toBeNull();
    expect(await s.events.lastSeq()).toBe(0);
    const first = await s.events.append([event(1), event(2), event(2)], 'evt-2');
    expect(first.map((r) => [r.seq, r.id])).toEqual([[1, 'evt-1'], [2, 'evt-2']]);
    const second = await s.events.append([event(2), event(3)], 'evt-3');
    expect(second.map((r) => [r.seq, r.id])).toEqual([[3, 'evt-3']]);
    expect(await s.events.pollCursor()).toBe('evt-3');
    expect(await s.events.append([], null)).toEqual([]);
    expect(await s.events.pollCursor()).toBeNull();
    expect(await s.events.lastSeq()).toBe(3);
    const stored = await s.events.get('evt-1');
    expect(stored).toEqual({ ...first[0], receivedAt: now() });
    expect(stored).toMatchObject({ rawType: 'account.top-up-success', type: 'ACCOUNT_TOP_UP_SUCCESS', userId: null, createdAt: '2025-01-01T00:00:01Z' });
    expect(await s.events.get('nope')).toBeNull();
  });

  it('answers every filter and direction exactly as the embedded store does', async () => {
    const s = await store('list');
    const sqlite = openSqliteStore({ path: ':memory:', now });
    opened.push(sqlite);
    const events = Array.from({ length: 60 }, (_, i) => event(i + 1));
    for (let i = 0; i < events.length; i += 9) {
      const batch = [...events.slice(i, i + 9), events[Math.max(0, i - 1)]!];
      expect((await s.events.append(batch, batch.at(-1)!.id)).length).toBe((await sqlite.events.append(batch, batch.at(-1)!.id)).length);
    }
    let compared = 0;
    for (const types of [null, ['USER_UPDATE'], ['UNKNOWN', 'ACCOUNT_TOP_UP_SUCCESS'], ['USER_AUTOMATED_ORDER']]) {
      for (const userId of [null, 'u-1', 'u-404']) {
        for (const [afterSeq, beforeSeq] of [[null, null], [10, null], [null, 50], [10, 50]] as const) {
          for (const limit of [1, 7, 100]) {
            for (const direction of ['forward', 'backward'] as const) {
              const query: EventQuery = { types, userId, afterSeq, beforeSeq, limit, direction };
              expect(await s.events.list(query), JSON.stringify(query)).toEqual(await sqlite.events.list(query));
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBe(288);
    expect((await s.events.list({ userId: 'u-1', types: ['USER_UPDATE'], limit: 100, direction: 'forward' })).length).toBeGreaterThan(0);
  });

  it('fences appends: a deposed leader cannot store events or move the cursor', async () => {
    const s = await store('fence');
    const gained: Array<HeldLease | null> = [];
    const a = lease(s, 'replica-a', (h) => gained.push(h));
    await a.tick();
    const heldA = a.held()!;
    expect(heldA.fence).toBe(`replica-a|${heldA.token}`);
    const logA = s.fencedEvents(heldA.fence);
    expect((await logA.append([event(1)], 'evt-1')).map((r) => r.seq)).toEqual([1]);

    // A stops renewing (a dead or paused process); B takes over once the lease expires
    await a.stop({ release: false });
    const heldB = await within(
      new Promise<HeldLease>((resolve) => lease(s, 'replica-b', (h) => h && resolve(h)).start()),
      5_000,
      'replica B to take the expired lease',
    );
    expect(heldB.token).toBeGreaterThan(heldA.token);

    await expect(logA.append([event(2)], 'evt-2')).rejects.toBeInstanceOf(FencedError);
    expect(await s.events.get('evt-2')).toBeNull();
    expect(await s.events.pollCursor()).toBe('evt-1');
    expect((await s.fencedEvents(heldB.fence).append([event(2)], 'evt-2')).map((r) => r.seq)).toEqual([2]);
    expect(gained.at(-1)).toBeNull();
  });

  it('keeps the lease while it is renewed, hands it over at once when released, and re-adopts its own', async () => {
    const s = await store('lease');
    const a = lease(s, 'replica-a');
    const b = lease(s, 'replica-b');
    await a.tick();
    for (let i = 0; i < 5; i++) {
      await b.tick();
      await a.tick();
    }
    expect(a.held()).not.toBeNull();
    expect(b.held()).toBeNull();
    expect(b.holderId()).toBe('replica-a');
    expect(Number(await redis.pttl(s.keys.lease))).toBeGreaterThan(300);

    // a replica that asks again while holding it gets its own token back
    const again = createLease({ redis, key: s.keys.lease, tokenKey: s.keys.fencingToken, replicaId: 'replica-a', ttlMs: 400, renewIntervalMs: 50 });
    leases.push(again);
    await again.tick();
    expect(again.held()).toEqual(a.held());

    const token = a.held()!.token;
    await a.stop({ release: true });
    await b.tick();
    expect(b.held()?.token).toBe(token + 1);
    expect(b.holderId()).toBe('replica-b');
  });

  it('gives the lease up by itself when it cannot renew it in time', async () => {
    const s = await store('lease-expiry');
    const lost = new Promise<string>((resolve) => {
      const l = createLease({
        redis,
        key: s.keys.lease,
        tokenKey: s.keys.fencingToken,
        replicaId: 'replica-a',
        ttlMs: 400,
        renewIntervalMs: 50,
        onChange: (held, reason) => held === null && resolve(reason),
      });
      leases.push(l);
      void l.tick().then(() => redis.set(s.keys.lease, 'replica-x|99', 'PX', 10_000)).then(() => l.tick());
    });
    expect(await within(lost, 2_000, 'the lease to be lost')).toBe('the lease expired or another replica took it');
  });

  it('writes prices behind, fenced, and a store opened later starts warm', async () => {
    let fence: string | null = null;
    const s = await store('prices', { fence: () => fence });
    s.prices.putPrice(price('BTC:EUR', '1.0', 1000));
    await s.prices.flush();
    expect(await redis.hlen(s.keys.prices)).toBe(0);

    const l = lease(s, 'replica-a');
    await l.tick();
    fence = l.held()!.fence;
    s.prices.putPrice(price('BTC:EUR', '2.0', 2000));
    s.prices.putPrice(price('ETH:EUR', '3.0', 2000));
    await s.prices.flush();
    expect(await redis.hlen(s.keys.prices)).toBe(2);

    const later = await openRedisStore({ redis, prefix: s.keys.prefix, now });
    opened.push(later);
    expect(later.prices.getPrice('BTC:EUR')?.ask).toBe('2.0');
    later.prices.remember(price('BTC:EUR', '1.5', 1500));
    expect(later.prices.getPrice('BTC:EUR')?.ask).toBe('2.0');
    later.prices.remember(price('BTC:EUR', '2.5', 2500));
    expect(later.prices.getPrice('BTC:EUR')?.ask).toBe('2.5');
    expect(later.prices.listPrices().map((p) => p.id).sort()).toEqual(['BTC:EUR', 'ETH:EUR']);
  });
});
