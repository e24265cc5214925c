import { afterEach, expect, it } from 'vitest';
import { createLease } from '../../src/cluster/lease.js';
import { createRedisBus, type RedisBus } from '../../src/cluster/redis-bus.js';
import { openRedisStore, type RedisStore } from '../../src/cluster/redis-store.js';
import type { NotificationRecord } from '../../src/domain/notification.js';
import type { Price } from '../../src/domain/price.js';
import { createIngest, type Ingest } from '../../src/ingest/ingest.js';
import { AsyncQueue, within } from '../helpers/queue.js';
import { cleanupPrefix, describeRedis, uniquePrefix, useRedisClients } from '../helpers/redis.js';
import { polled, pushed } from '../store/event-log-identity.js';

const describe = await describeRedis();

interface Replica {
  store: RedisStore;
  bus: RedisBus;
  ingest: Ingest;
  delivered: AsyncQueue<NotificationRecord>;
  prices: AsyncQueue<Price>;
}

describe('ingest in cluster mode (against a real Redis)', () => {
  const client = useRedisClients();
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  /**
   * A replica: its own connections, store and bus on the shared prefix, the leader's ingest
   * writing polled pages through its fenced log. The periodic catch-up from the log is off, so
   * what a replica delivers came through Redis pub/sub (or a gap filled when the next one came).
   */
  async function replica(prefix: string, leader: boolean): Promise<Replica> {
    const command = await client();
    const store = await openRedisStore({ redis: command, prefix });
    const bus = createRedisBus({
      publisher: command,
      subscriber: await client(),
      channel: store.keys.channel,
      log: store.events,
      canPublish: () => leader,
      catchUpIntervalMs: 3_600_000,
    });
    await bus.start();
    stops.push(() => store.close(), () => bus.stop());
    let log = store.events;
    if (leader) {
      const lease = createLease({ redis: command, key: store.keys.lease, tokenKey: store.keys.fencingToken, replicaId: 'leader', ttlMs: 60_000 });
      await lease.tick();
      stops.push(() => lease.stop());
      log = store.fencedEvents(lease.held()!.fence);
    }
    const delivered = new AsyncQueue<NotificationRecord>();
    const prices = new AsyncQueue<Price>();
    const offs = [bus.on('notification:received', (r) => delivered.push(r)), bus.on('price:updated', (p) => prices.push(p))];
    stops.push(async () => offs.forEach((off) => off()));
    return { store, bus, delivered, prices, ingest: createIngest({ log, bus }) };
  }

  /** A leader and a follower whose Redis subscriptions are in place (a price from the leader reached both). */
  async function cluster(name: string): Promise<[Replica, Replica]> {
    const prefix = uniquePrefix(name);
    stops.push(() => cleanupPrefix(prefix));
    const leader = await replica(prefix, true);
    const follower = await replica(prefix, false);
    for (let i = 0; ; i++) {
      leader.bus.publish('price:updated', { id: 'BTC:EUR', ask: String(i) } as unknown as Price);
      const both = Promise.all([leader, follower].map((r) => r.prices.find((p) => p.ask === String(i))));
      if (await Promise.race([both.then(() => true), leader.bus.catchUp().then(() => false)])) break;
    }
    return [leader, follower];
  }

  async function deliveredUpTo(replicas: Replica[], seq: number): Promise<void> {
    await within(Promise.all(replicas.map((r) => r.delivered.find((x) => x.seq === seq))), 10_000, `seq ${seq} on every replica`);
    // anything the log holds and pub/sub did not bring would come now; the sequencer drops repeats
    await Promise.all(replicas.map((r) => r.bus.catchUp()));
  }

  const A = '{"user_id":"u-1","amount":"1.50"}';
  const B = '{"user_id":"u-2","amount":"2.00"}';
  const C = '{"user_id":"u-3","amount":"3.00"}';

  it('delivers a notification pushed on a follower and polled by the leader, in either order, once on every replica', async () => {
    const [leader, follower] = await cluster('both-sources');
    expect(await follower.ingest.ingestPushed('user.update', A)).toBe('stored');
    // the follower published it: the leader's catch-up from the log is off
    expect((await within(leader.delivered.find((x) => x.seq === 1), 10_000, 'the push on the leader')).id).toBe(pushed(A).id);
    expect((await leader.ingest.ingestPolled([polled('evt-a', ` ${A}`), polled('evt-b', B)], 'evt-b')).map((r) => r.id)).toEqual(['evt-b']);
    expect((await leader.ingest.ingestPolled([polled('evt-c', C)], 'evt-c')).map((r) => r.seq)).toEqual([3]);
    expect(await follower.ingest.ingestPushed('user.update', C)).toBe('duplicate');
    expect(await leader.ingest.ingestPushed('user.update', B)).toBe('duplicate');
    await deliveredUpTo([leader, follower], 3);
    for (const r of [leader, follower]) expect(r.delivered.all.map((x) => [x.seq, x.id])).toEqual([[1, pushed(A).id], [2, 'evt-b'], [3, 'evt-c']]);
    expect((await follower.store.events.get('evt-a'))?.id).toBe(pushed(A).id);
    expect(await leader.store.events.pollCursor()).toBe('evt-c');
  });

  it('stores 200 notifications each pushed on both replicas at once exactly once, and delivers them once, in order, everywhere', async () => {
    const replicas = await cluster('burst');
    const payloads = Array.from({ length: 200 }, (_, i) => `{"user_id":"u-${i % 4}","n":${i}}`);
    const outcomes = await Promise.all(payloads.map((p) => Promise.all(replicas.map((r) => r.ingest.ingestPushed('user.update', p)))));
    expect(outcomes.map((pair) => [...pair].sort().join())).toEqual(payloads.map(() => 'duplicate,stored'));
    await deliveredUpTo(replicas, 200);
    for (const r of replicas) {
      expect(r.delivered.all.map((x) => x.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(new Set(r.delivered.all.map((x) => x.payloadText))).toEqual(new Set(payloads));
    }
  });
});
