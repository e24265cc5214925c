import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { killLeftoverProcesses, simulatorEnv, spawnGateway } from '../helpers/process.js';
import { encodeCursor } from '../../src/domain/notification.js';
import { httpQuery, wsClient, type TestSubscription } from '../helpers/clients.js';
import { within } from '../helpers/queue.js';

const STREAM = `subscription($after: String) { notificationReceived(after: $after) { ... on Notification { id cursor } } }`;
const TOTAL = 300;

describe('exactly once across a kill -9 of the gateway', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-restart-'));
  let sim: Simulator | undefined;
  afterEach(async () => {
    expect(killLeftoverProcesses()).toBe(0);
    await sim?.stop();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resumes from the stored cursor: the delivered sequence has no gap and no duplicate', async () => {
    sim = await startSimulator({ rest: { eventIntervalMs: 0 }, prices: { intervalMs: 600_000 } });
    const env = {
      ...simulatorEnv(sim),
      EVENTS_POLL_INTERVAL_MS: '10',
      EVENTS_PAGE_SIZE: '7',
      DATABASE_PATH: join(dir, 'gateway.sqlite'),
      LOG_LEVEL: 'info',
    };
    const rest = sim.rest.controls;
    const delivered: Array<{ id: string; cursor: string }> = [];

    // Reads events until `count` were delivered; each wait is bounded, so a failed one ends the loop.
    const collect = async (sub: TestSubscription, count: number, what: string): Promise<void> => {
      while (delivered.length < count) delivered.push((await within(sub.nextData(), 20_000, `${what} (${delivered.length} so far)`)).notificationReceived as { id: string; cursor: string });
    };

    // first life: a live subscriber from the start of the log, upstream traffic, a SIGKILL mid-stream
    const first = await spawnGateway(env);
    const ws1 = wsClient(first.wsUrl);
    const sub1 = ws1.subscribe(STREAM, { after: encodeCursor(0) });
    rest.addEvents(150);
    await collect(sub1, 100, '100 events before the kill');
    const killed = await first.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    sub1.dispose();
    await ws1.dispose();

    // upstream traffic goes on while the gateway is down
    rest.addEvents(75);

    // second life on the same database: the client resumes with the last cursor it saw
    const second = await spawnGateway(env);
    const ws2 = wsClient(second.wsUrl);
    const sub2 = ws2.subscribe(STREAM, { after: delivered[delivered.length - 1]!.cursor });
    rest.addEvents(TOTAL - 225);
    await collect(sub2, TOTAL, 'every event after the restart');
    const upstreamIds = rest.events().map((e) => e.id);
    expect(upstreamIds).toHaveLength(TOTAL);
    expect(delivered.map((e) => e.id)).toEqual(upstreamIds);
    expect(new Set(delivered.map((e) => e.cursor)).size).toBe(TOTAL);

    // and the log itself holds each event once, in upstream order
    const { body } = await httpQuery(second.graphqlUrl, `{ notificationEvents(first: 500) { edges { node { ... on Notification { id } } } } }`);
    expect(body.data!.notificationEvents.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(upstreamIds);

    sub2.dispose();
    await ws2.dispose();
    expect(await second.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 90_000);
});
