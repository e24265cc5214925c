import { Writable } from 'node:stream';
import { afterEach, describe as plainDescribe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
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

type LogLine = Record<string, any>;

/** The gateway's log lines, parsed, as they are written. */
function logQueue(): { lines: AsyncQueue<LogLine>; logger: Logger } {
  const lines = new AsyncQueue<LogLine>();
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

/** The next flip of readiness the gateway logs from index `from` on (`gateway ready` or `gateway not ready: …`). */
function flip(lines: AsyncQueue<LogLine>, ready: boolean, from: number): Promise<LogLine> {
  return within(
    lines.find((l) => l.component === 'readiness' && l.ready === ready, from),
    15_000,
    `the gateway to log that it is ${ready ? '' : 'not '}ready`,
  );
}

async function failThenRecover(overrides: Partial<Config>): Promise<void> {
  const { lines, logger } = logQueue();
  gw = await startTestGateway(overrides, {
    logger,
    simulator: { rest: { eventIntervalMs: 0 } },
    upstream: { poller: { backoff: { initialMs: 5, maxMs: 10 } } },
    pollerFailingBoundMs: 1,
  });
  expect((await flip(lines, true, 0)).msg).toBe('gateway ready');
  expect((await readiness()).status).toBe(200);

  const before = lines.all.length;
  gw.simulator.rest.controls.maintenance(1_000_000, 'events');
  const logged = await flip(lines, false, before);
  expect(logged.msg).toMatch(/^gateway not ready: events poller failing for \d+ s \(\d+ polls, bound 0 s\): HTTP 503/);
  expect(logged.checks.events).toBe(false);
  const down = await readiness();
  expect(down.status).toBe(503);
  expect(down.body.checks.events).toBe(false);
  expect(down.body.reasons.join()).toMatch(/events poller failing for \d+ s \(\d+ polls, bound 0 s\): HTTP 503/);

  const failed = lines.all.length;
  gw.simulator.rest.controls.resetFaults();
  expect((await flip(lines, true, failed)).checks.events).toBe(true);
  const up = await readiness();
  expect([up.status, up.body.checks.events]).toEqual([200, true]);
}

plainDescribe('/ready and the events poller (embedded)', () => {
  it('503 with a reason while the poller has failed for longer than the bound, 200 after a success', async () => {
    await failThenRecover({});
  });

  it('with EVENTS_SOURCE=webhook there is no poller, and the events check holds', async () => {
    const { lines, logger } = logQueue();
    gw = await startTestGateway({ eventsSource: 'webhook' }, { logger, simulator: { rest: { eventIntervalMs: 0 } } });
    expect(gw.gateway.poller).toBeNull();
    expect((await flip(lines, true, 0)).checks.events).toBe(true);
    const ready = await readiness();
    expect([ready.status, ready.body.checks.events]).toEqual([200, true]);
  });
});

const describe = await describeRedis();

describe('/ready and the events poller (cluster)', () => {
  it('503 with a reason while the leader\'s poller has failed for longer than the bound, 200 after a success', async () => {
    prefix = uniquePrefix('events-readiness');
    await failThenRecover({ redisUrl: TEST_REDIS_URL, redisKeyPrefix: prefix, clusterLeaseTtlMs: 1000 });
  });
});
