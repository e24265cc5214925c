import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { killLeftoverProcesses, simulatorEnv, spawnGateway } from '../helpers/process.js';
import { httpQuery, wsClient } from '../helpers/clients.js';
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

    // first life: live subscriber, continuous upstream traffic, killed with SIGKILL mid-stream
    const first = await spawnGateway(env);
    const ws1 = wsClient(first.wsUrl);
    // the first event, read from the connection; the subscription resumes after its cursor, so
    // nothing depends on when the subscription is registered
    rest.addEvents(1);
    let added = 1;
    for (;;) {
      const { body } = await httpQuery(first.graphqlUrl, `{ notificationEvents(first: 1) { edges { cursor node { ... on Notification { id } } } } }`);
      const edge = body.data?.notificationEvents.edges[0] as { cursor: string; node: { id: string } } | undefined;
      if (edge) {
        delivered.push({ id: edge.node.id, cursor: edge.cursor });
        break;
      }
    }
    const sub1 = ws1.subscribe(STREAM, { after: delivered[0]!.cursor });
    let feeding = true;
    const feeder = (async () => {
      while (feeding && added < TOTAL) {
        rest.addEvents(1);
        added++;
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    await within(
      (async () => {
        while (delivered.length < 100) delivered.push((await sub1.nextData()).notificationReceived as { id: string; cursor: string });
      })(),
      20_000,
      '100 events before the kill',
    );
    const killed = await first.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    sub1.dispose();
    await ws1.dispose();

    // second life on the same database: the client resumes with the last cursor it saw
    const second = await spawnGateway(env);
    const ws2 = wsClient(second.wsUrl);
    const sub2 = ws2.subscribe(STREAM, { after: delivered[delivered.length - 1]!.cursor });
    await feeder;
    feeding = false;
    expect(added).toBe(TOTAL);
    await within(
      (async () => {
        while (delivered.length < TOTAL) delivered.push((await sub2.nextData()).notificationReceived as { id: string; cursor: string });
      })(),
      30_000,
      'every event after the restart',
    );
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
