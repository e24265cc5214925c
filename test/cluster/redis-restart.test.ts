import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { httpQuery } from '../helpers/clients.js';
import {
  BTC_EUR,
  FROM_START,
  NOTIFICATIONS,
  TEST_LEASE_TTL_MS,
  asks,
  delivered,
  logLine,
  pricesFlowing,
  readiness,
  received,
  useTestCluster,
} from '../helpers/cluster.js';
import type { GatewayProcess } from '../helpers/process.js';
import { within } from '../helpers/queue.js';
import { describeRedis, killLeftoverRedisServers, startThrowawayRedis, type ThrowawayRedis } from '../helpers/redis.js';

const describe = await describeRedis({ redisServer: true });

/** Resolves once both Redis connections of `gw` (commands and subscriber) logged their reconnect, from log index `from` on. */
function restored(gw: GatewayProcess, from: number): Promise<unknown> {
  return Promise.all(
    ['command', 'subscriber'].map((connection) => gw.logs.find((l) => l.msg === 'redis connection restored' && l.connection === connection, from)),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'gateway-redis-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cluster mode: a Redis restart during traffic', () => {
  let redis: ThrowawayRedis | null = null;
  const { startCluster, ws } = useTestCluster({
    async stopAlso() {
      await redis?.stop();
      redis = null;
    },
    checkAlso: () => expect(killLeftoverRedisServers()).toBe(0),
  });

  it('replicas report Redis down, reconnect, elect a leader again and lose no notification; prices resume', async () => {
    redis = await startThrowawayRedis({ dir });
    const cluster = await startCluster({ name: 'restart', redisUrl: redis.url, simulator: { rest: { eventIntervalMs: 15 } } });
    const { sim } = cluster;
    sim.rest.controls.pauseGeneration(true);
    const a = await cluster.spawn();
    await within(logLine(a, 'leading the upstream'), 15_000, 'replica A to lead');
    const b = await cluster.spawn();
    const onB = ws(b.wsUrl);
    const events = onB.subscribe(NOTIFICATIONS, { after: FROM_START });
    const prices = onB.subscribe(BTC_EUR);
    await pricesFlowing(sim, [prices], '1', b);
    sim.rest.controls.pauseGeneration(false);
    await delivered(events, 30);

    // Redis crashes (kill -9) while events keep coming upstream
    const [fromA, fromB] = [a.logs.all.length, b.logs.all.length];
    await redis.kill('SIGKILL');
    await within(
      Promise.all([logLine(a, 'redis connection lost; reconnecting', fromA), logLine(b, 'redis connection lost; reconnecting', fromB)]),
      10_000,
      'both replicas to notice',
    );
    const down = await readiness(b);
    expect(down.status).toBe(503);
    expect(down.body.reasons.join(' ')).toMatch(/redis/);
    const { body } = await httpQuery(b.graphqlUrl, '{ upstream { cluster { redisConnected } } }');
    expect(body.data!.upstream.cluster.redisConnected).toBe(false);
    // the leader cannot renew its lease: it stops its upstream clients before the lease could expire
    const stepDown = await within(logLine(a, 'stopped leading the upstream', fromA), TEST_LEASE_TTL_MS + 5_000, 'the leader to step down');
    expect(stepDown.reason).toMatch(/not renewed/);

    await redis.restart();
    // ready again once both of its connections are back and some replica holds the lease
    await within(
      Promise.all([restored(a, fromA), restored(b, fromB)]),
      15_000,
      'both connections of both replicas to reconnect',
    );
    await within(
      Promise.race([a, b].map((gw, i) => logLine(gw, 'leading the upstream', i === 0 ? fromA : fromB))),
      TEST_LEASE_TTL_MS * 3 + 5_000,
      'a replica to lead again',
    );
    expect(await readiness(b)).toMatchObject({ status: 200, body: { status: 'ready', reasons: [] } });

    // traffic flows again; then it stops so the lists can be compared whole
    const before = received(events).length;
    await delivered(events, before + 30, 30_000);
    sim.rest.controls.pauseGeneration(true);
    const expected = sim.rest.controls.events().map((e) => e.id);
    await delivered(events, expected.length, 30_000);
    expect(received(events).map((e) => e.id)).toEqual(expected);
    expect(events.messages.all.every((m) => m.kind === 'next')).toBe(true);

    // prices resume with the next frames
    await pricesFlowing(sim, [prices], '2', b);
    sim.prices.controls.emitPrice('BTC', 'EUR', { ask: '71000.10', bid: '71000.00' });
    await within(prices.messages.find(() => asks(prices).includes('71000.10')), 10_000, 'a price after the restart');
    const seen = asks(prices);
    expect(new Set(seen).size).toBe(seen.length);
  }, 120_000);
});
