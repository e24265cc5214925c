import { expect, it } from 'vitest';
import { httpQuery } from '../helpers/clients.js';
import {
  BTC_EUR,
  FROM_START,
  NOTIFICATIONS,
  asks,
  delivered,
  logLine,
  pricesFlowing,
  readiness,
  received,
  replicaIdOf,
  subscribeAll,
  useTestCluster,
} from '../helpers/cluster.js';
import { within } from '../helpers/queue.js';
import { describeRedis, hashField } from '../helpers/redis.js';

const describe = await describeRedis();

const SNAPSHOT = `{
  prices { id ask bid }
  notificationEvents(first: 100) { edges { cursor node { ... on Notification { id type userId } } } }
}`;
const UPSTREAM = `{
  upstream {
    healthy
    priceSocket { state }
    poller { state cursor }
    cluster { mode replicaId leader leaderId fencingToken redisConnected }
  }
}`;

/** What a follower logs when it reads a new leader's status, or a change of it. */
const LEADER_STATUS = ['following the upstream leader', "the upstream leader's status changed"];

describe('cluster mode: replicas on one Redis', () => {
  const { startCluster, ws } = useTestCluster();

  it('a subscriber on a follower gets what the leader ingested, exactly once; every replica answers alike; a late one starts warm', async () => {
    // at debug a follower logs each change it reads of the leader's status
    const cluster = await startCluster({ name: 'pubsub', simulator: { rest: { eventIntervalMs: 0 } }, env: { LOG_LEVEL: 'debug' } });
    const { sim } = cluster;
    const a = await cluster.spawn();
    const leading = await within(logLine(a, 'leading the upstream'), 15_000, 'replica A to lead');
    expect(leading.fencingToken).toEqual(expect.any(Number));
    const b = await cluster.spawn();
    const [onA, onB] = [ws(a.wsUrl), ws(b.wsUrl)];

    // notifications: both replicas deliver the simulator's events, in its order, once
    const [eventsA, eventsB] = subscribeAll([onA, onB], NOTIFICATIONS, { after: FROM_START });
    const first = sim.rest.controls.addEvents(12).map((e) => e.id);
    await Promise.all([delivered(eventsA!, 12), delivered(eventsB!, 12)]);
    const next = sim.rest.controls.addEvents(1).map((e) => e.id);
    await Promise.all([delivered(eventsA!, 13), delivered(eventsB!, 13)]);
    for (const sub of [eventsA!, eventsB!]) {
      expect(received(sub).map((e) => e.id)).toEqual([...first, ...next]);
    }
    expect(received(eventsA!)).toEqual(received(eventsB!));

    // prices: the leader's frames reach both, each once, in order
    const [pricesA, pricesB] = subscribeAll([onA, onB], BTC_EUR);
    await pricesFlowing(sim, [pricesA!, pricesB!], '1', b);
    sim.prices.controls.emitPrice('BTC', 'EUR', { ask: '70000.10', bid: '69999.90' });
    await Promise.all([pricesA, pricesB].map((s) => within(s!.messages.find((m) => m.kind === 'next' && asks(s!).includes('70000.10')), 10_000, 'X')));
    sim.prices.controls.emitPrice('BTC', 'EUR', { ask: '70000.20', bid: '70000.00' });
    for (const sub of [pricesA!, pricesB!]) {
      await within(sub.messages.find(() => asks(sub).includes('70000.20')), 10_000, 'the second price');
      const seen = asks(sub);
      expect(seen.slice(seen.indexOf('70000.10'))).toEqual(['70000.10', '70000.20']);
      expect(new Set(seen).size).toBe(seen.length);
    }

    // queries: the same answers on every replica
    const snapshotA = await httpQuery(a.graphqlUrl, SNAPSHOT);
    const snapshotB = await httpQuery(b.graphqlUrl, SNAPSHOT);
    expect(snapshotA.body.errors).toBeUndefined();
    expect(snapshotB.body).toEqual(snapshotA.body);
    expect(snapshotB.body.data!.notificationEvents.edges).toHaveLength(13);
    expect(snapshotB.body.data!.prices.find((p: { id: string }) => p.id === 'BTC:EUR').ask).toBe('70000.20');

    // the follower shows the leader's upstream
    const idA = replicaIdOf(a);
    // the leader shares its status every second and at each change of its socket's state; the follower reads it as often
    const seen = await within(
      b.logs.find((l) => LEADER_STATUS.includes(String(l.msg)) && l.priceSocket === 'subscribed' && l.pollCursor === next[0]),
      10_000,
      "the leader's current status on the follower",
    );
    expect(seen).toMatchObject({ leaderId: idA, fencingToken: leading.fencingToken });
    // at info, once per leader
    expect(b.logs.all.filter((l) => l.msg === 'following the upstream leader')).toEqual([
      expect.objectContaining({ level: 30, leaderId: idA, fencingToken: leading.fencingToken }),
    ]);
    const status = (await httpQuery(b.graphqlUrl, UPSTREAM)).body.data!.upstream;
    expect(status).toMatchObject({
      healthy: true,
      poller: { cursor: next[0] },
      cluster: { mode: 'CLUSTER', replicaId: replicaIdOf(b), leader: false, leaderId: idA, fencingToken: leading.fencingToken, redisConnected: true },
    });
    const statusA = (await httpQuery(a.graphqlUrl, UPSTREAM)).body.data!.upstream;
    expect(statusA.cluster).toMatchObject({ leader: true, leaderId: idA, replicaId: idA });
    for (const gw of [a, b]) expect(await readiness(gw)).toMatchObject({ status: 200, body: { status: 'ready' } });

    // a replica that joins later starts warm: prices from the shared hash, events from the shared log
    const written = await hashField(`${cluster.prefix}prices`, 'BTC:EUR', (json) => (JSON.parse(json) as { ask: string }).ask === '70000.20', {
      url: cluster.redisUrl,
      what: 'the price written behind',
    });
    expect(JSON.parse(written)).toMatchObject({ id: 'BTC:EUR', ask: '70000.20', bid: '70000.00' });
    const c = await cluster.spawn();
    const late = await httpQuery(c.graphqlUrl, SNAPSHOT);
    expect(late.body.data!.prices.find((p: { id: string }) => p.id === 'BTC:EUR').ask).toBe('70000.20');
    expect(late.body.data!.notificationEvents).toEqual(snapshotA.body.data!.notificationEvents);
    expect(c.logs.all.some((l) => l.msg === 'leading the upstream')).toBe(false);
  }, 90_000);
});
