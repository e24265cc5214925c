import { expect, it } from 'vitest';
import { httpQuery } from '../helpers/clients.js';
import {
  FAILOVER_BOUND_MS,
  TEST_LEASE_TTL_MS,
  FROM_START,
  NOTIFICATIONS,
  delivered,
  ended,
  logLine,
  readiness,
  received,
  replicaIdOf,
  useTestCluster,
} from '../helpers/cluster.js';
import type { GatewayProcess } from '../helpers/process.js';
import { within } from '../helpers/queue.js';
import { describeRedis } from '../helpers/redis.js';

const describe = await describeRedis();

/** Log pipe latency and scheduling of four processes on a small machine. */
const MARGIN_MS = 1500;

describe('cluster mode: failover of the upstream leader', () => {
  const { startCluster, ws } = useTestCluster();

  it(`kill -9 of the leader mid-stream: another replica leads within ${FAILOVER_BOUND_MS} ms and resumed subscribers see every event once, in order`, async () => {
    const cluster = await startCluster({ name: 'failover', simulator: { rest: { eventIntervalMs: 15 } } });
    const { sim } = cluster;
    sim.rest.controls.pauseGeneration(true);
    const a = await cluster.spawn();
    const first = await within(logLine(a, 'leading the upstream'), 15_000, 'replica A to lead');
    const [b, c] = await Promise.all([cluster.spawn(), cluster.spawn()]);

    const onLeader = ws(a.wsUrl).subscribe(NOTIFICATIONS, { after: FROM_START });
    const onC = ws(c.wsUrl).subscribe(NOTIFICATIONS, { after: FROM_START });
    sim.rest.controls.pauseGeneration(false);
    await delivered(onLeader, 40);

    const fromB = b.logs.all.length;
    const fromC = c.logs.all.length;
    const killedAt = Date.now();
    await a.kill('SIGKILL');
    const [successor, line] = await within(
      Promise.race([
        logLine(b, 'leading the upstream', fromB).then((l) => [b, l] as const),
        logLine(c, 'leading the upstream', fromC).then((l) => [c, l] as const),
      ]),
      FAILOVER_BOUND_MS + 10_000,
      'another replica to lead',
    );
    const takeoverMs = Number(line.time) - killedAt;
    console.info(`failover: ${replicaIdOf(successor)} leads ${takeoverMs} ms after kill -9 of the leader (bound ${FAILOVER_BOUND_MS} ms)`);
    expect(takeoverMs).toBeLessThanOrEqual(FAILOVER_BOUND_MS + MARGIN_MS);
    expect(Number(line.fencingToken)).toBeGreaterThan(Number(first.fencingToken));
    const others: GatewayProcess[] = [b, c].filter((gw) => gw !== successor);
    expect(others.every((gw) => !gw.logs.all.slice(gw === b ? fromB : fromC).some((l) => l.msg === 'leading the upstream'))).toBe(true);

    // the leader's client resumes elsewhere with the last cursor it got
    await ended(onLeader);
    const beforeKill = received(onLeader);
    const resumed = ws(b.wsUrl).subscribe(NOTIFICATIONS, { after: beforeKill.at(-1)!.cursor });

    // traffic goes on through the new leader, then stops so the lists can be compared whole
    const atKill = received(onC).length;
    await delivered(onC, atKill + 40);
    sim.rest.controls.pauseGeneration(true);
    const expected = sim.rest.controls.events().map((e) => e.id);
    await delivered(onC, expected.length);
    await delivered(resumed, expected.length - beforeKill.length);

    expect(received(onC).map((e) => e.id)).toEqual(expected);
    expect([...beforeKill, ...received(resumed)].map((e) => e.id)).toEqual(expected);
    const cursors = received(onC).map((e) => e.cursor);
    expect(new Set(cursors).size).toBe(cursors.length);

    // one more event: exactly one more message, nothing replayed twice
    const [extra] = sim.rest.controls.addEvents(1);
    await delivered(onC, expected.length + 1);
    expect(received(onC).at(-1)!.id).toBe(extra!.id);
    expect(received(onC)).toHaveLength(expected.length + 1);

    const { body } = await httpQuery(successor.graphqlUrl, '{ upstream { cluster { leader leaderId fencingToken } } }');
    expect(body.data!.upstream.cluster).toEqual({ leader: true, leaderId: replicaIdOf(successor), fencingToken: Number(line.fencingToken) });
    for (const gw of [b, c]) expect((await readiness(gw)).status).toBe(200);
  }, 120_000);

  it('a leader that stops gracefully hands the upstream over at once', async () => {
    const cluster = await startCluster({ name: 'handover', simulator: { rest: { eventIntervalMs: 0 } } });
    const a = await cluster.spawn();
    await within(logLine(a, 'leading the upstream'), 15_000, 'replica A to lead');
    const b = await cluster.spawn();
    const from = b.logs.all.length;
    expect(await a.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    const released = a.logs.all.find((l) => l.msg === 'stopped leading the upstream');
    expect(released).toMatchObject({ reason: 'stopping' });
    const line = await within(logLine(b, 'leading the upstream', from), 10_000, 'replica B to lead');
    // no lease expiry to wait for: B's next attempt (every 400 ms) takes the released lease
    expect(Number(line.time) - Number(released!.time)).toBeLessThan(TEST_LEASE_TTL_MS / 2);
    const added = cluster.sim.rest.controls.addEvents(3).map((e) => e.id);
    const sub = ws(b.wsUrl).subscribe(NOTIFICATIONS, { after: FROM_START });
    await delivered(sub, 3);
    expect(received(sub).map((e) => e.id)).toEqual(added);
  }, 60_000);
});
