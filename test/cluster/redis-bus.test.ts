import { afterEach, expect, it } from 'vitest';
import { createRedisBus, type RedisBus } from '../../src/cluster/redis-bus.js';
import { createSequencer } from '../../src/cluster/notification-sequencer.js';
import type { NotificationRecord } from '../../src/domain/notification.js';
import type { Price } from '../../src/domain/price.js';
import { openRedisStore, type RedisStore } from '../../src/cluster/redis-store.js';
import { AsyncQueue, within } from '../helpers/queue.js';
import { cleanupPrefix, describeRedis, uniquePrefix, useRedisClients } from '../helpers/redis.js';

const describe = await describeRedis();

const price = (ask: string): Price => ({ id: 'BTC:EUR', ask, time: 1, receivedAt: 1 }) as unknown as Price;
const incoming = (n: number) => ({ id: `evt-${n}`, type: 'user.update', payload: '{}', created_at: '2025-01-01T00:00:00Z' });

describe('the Redis bus (against a real Redis)', () => {
  const client = useRedisClients();
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  async function replica(store: RedisStore, canPublish: () => boolean): Promise<RedisBus> {
    const bus = createRedisBus({ publisher: await client(), subscriber: await client(), channel: store.keys.channel, log: store.events, canPublish });
    await bus.start();
    stops.push(() => bus.stop());
    return bus;
  }

  async function sharedStore(name: string): Promise<RedisStore> {
    const prefix = uniquePrefix(name);
    const store = await openRedisStore({ redis: await client(), prefix });
    stops.push(async () => {
      await store.close();
      await cleanupPrefix(prefix);
    });
    return store;
  }

  /** Resolves once a message published now reaches `queue` (the Redis subscription is in place). */
  async function subscribed(leader: RedisBus, queue: AsyncQueue<Price>, tag: number): Promise<void> {
    for (let i = 0; ; i++) {
      const marker = `${tag}.${i}`;
      leader.publish('price:updated', price(marker));
      const seen = await Promise.race([queue.find((p) => p.ask === marker), leader.catchUp().then(() => null)]);
      if (seen) return;
    }
  }

  it('delivers every publish once on every replica, the publishing one included, and only the leader publishes', async () => {
    const store = await sharedStore('bus');
    const leader = await replica(store, () => true);
    const follower = await replica(store, () => false);
    const atLeader = new AsyncQueue<Price>();
    const atFollower = new AsyncQueue<Price>();
    const offLeader = leader.on('price:updated', (p) => atLeader.push(p));
    const offFollower = follower.on('price:updated', (p) => atFollower.push(p));
    stops.push(async () => (offLeader(), offFollower()));
    await within(Promise.all([subscribed(leader, atLeader, 10), subscribed(leader, atFollower, 20)]), 5_000, 'both subscriptions');

    follower.publish('price:updated', price('666.0'));
    leader.publish('price:updated', price('1.0'));
    leader.publish('price:updated', price('2.0'));
    for (const queue of [atLeader, atFollower]) {
      await within(queue.find((p) => p.ask === '2.0'), 5_000, 'the second price');
      const asks = queue.all.map((p) => p.ask);
      expect(asks.slice(asks.indexOf('1.0'))).toEqual(['1.0', '2.0']);
      expect(asks).not.toContain('666.0');
      expect(new Set(asks).size).toBe(asks.length);
    }
  });

  it('delivers notifications in log order, once, filling what pub/sub did not bring from the log', async () => {
    const store = await sharedStore('sequencer');
    const delivered: NotificationRecord[] = [];
    const sequencer = createSequencer({ log: store.events, deliver: (r) => delivered.push(r) });
    await sequencer.catchUp();
    expect(sequencer.lastDelivered()).toBe(0);

    const records = await store.events.append([1, 2, 3].map(incoming), 'evt-3');
    sequencer.receive(records[2]!);
    sequencer.receive(records[1]!);
    await sequencer.idle();
    expect(delivered.map((r) => r.seq)).toEqual([1, 2, 3]);

    await store.events.append([4, 5].map(incoming), 'evt-5');
    await sequencer.catchUp();
    sequencer.receive(records[0]!);
    await sequencer.idle();
    expect(delivered.map((r) => r.id)).toEqual(['evt-1', 'evt-2', 'evt-3', 'evt-4', 'evt-5']);
  });

  it('brings a notification whose publish was lost to subscribers on the next check of the log', async () => {
    const store = await sharedStore('catch-up');
    const bus = await replica(store, () => true);
    const received = new AsyncQueue<NotificationRecord>();
    const off = bus.on('notification:received', (r) => received.push(r));
    stops.push(async () => off());
    await store.events.append([incoming(1)], 'evt-1');
    await bus.catchUp();
    expect((await within(received.shift(), 2_000, 'the stored event')).id).toBe('evt-1');
  });
});
