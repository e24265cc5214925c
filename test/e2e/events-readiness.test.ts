import { afterEach, describe as plainDescribe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import type { PollOutcome } from '../../src/upstream/events-poller.js';
import { startTestGateway, stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import { AsyncQueue, within } from '../helpers/queue.js';
import { cleanupPrefix, describeRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

/**
 * `/ready` includes the events source: 503 with a reason while the poller has failed every poll
 * for longer than the bound (60 s by default; 1 ms here), 200 again after a success; in
 * embedded and cluster mode alike.
 */

let gw: TestGateway | null = null;
let prefix: string | null = null;
afterEach(async () => {
  await gw?.stop();
  gw = null;
  if (prefix) await cleanupPrefix(prefix);
  prefix = null;
  expect(await stopLeftovers()).toBe(0);
});

async function readiness(): Promise<{ status: number; body: { reasons: string[]; checks: Record<string, boolean> } }> {
  const res = await fetch(`${gw!.server.url}/ready`);
  return { status: res.status, body: (await res.json()) as { reasons: string[]; checks: Record<string, boolean> } };
}

async function untilReady(): Promise<void> {
  await within(
    (async () => {
      while ((await readiness()).status !== 200) await new Promise((r) => setImmediate(r));
    })(),
    15_000,
    '/ready to answer 200',
  );
}

async function failThenRecover(overrides: Partial<Config>): Promise<void> {
  const polls = new AsyncQueue<PollOutcome>();
  gw = await startTestGateway(overrides, {
    simulator: { rest: { eventIntervalMs: 0 } },
    upstream: { poller: { backoff: { initialMs: 5, maxMs: 10 }, onPoll: (o) => polls.push(o) } },
    pollerFailingBoundMs: 1,
  });
  await untilReady();
  const seen = polls.all.length;
  gw.simulator.rest.controls.maintenance(1_000_000, 'events');
  await within(polls.find((o) => !o.ok, seen + 1), 15_000, 'two failed polls in a row');
  const down = await readiness();
  expect(down.status).toBe(503);
  expect(down.body.checks.events).toBe(false);
  expect(down.body.reasons.join()).toMatch(/events poller failing for \d+ s \(\d+ polls, bound 0 s\): HTTP 503/);

  gw.simulator.rest.controls.resetFaults();
  const failed = polls.all.length;
  await within(polls.find((o) => o.ok, failed), 15_000, 'a successful poll');
  const up = await readiness();
  expect([up.status, up.body.checks.events]).toEqual([200, true]);
}

plainDescribe('/ready and the events poller (embedded)', () => {
  it('503 with a reason while the poller has failed for longer than the bound, 200 after a success', async () => {
    await failThenRecover({});
  });

  it('with EVENTS_SOURCE=webhook there is no poller, and the events check holds', async () => {
    gw = await startTestGateway({ eventsSource: 'webhook' }, { simulator: { rest: { eventIntervalMs: 0 } } });
    expect(gw.gateway.poller).toBeNull();
    await untilReady();
    expect((await readiness()).body.checks.events).toBe(true);
  });
});

const describe = await describeRedis();

describe('/ready and the events poller (cluster)', () => {
  it('503 with a reason while the leader\'s poller has failed for longer than the bound, 200 after a success', async () => {
    prefix = uniquePrefix('events-readiness');
    await failThenRecover({ redisUrl: TEST_REDIS_URL, redisKeyPrefix: prefix, clusterLeaseTtlMs: 1000 });
  });
});
