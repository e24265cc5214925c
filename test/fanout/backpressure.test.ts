import { describe, expect, it } from 'vitest';
import { FANOUT_METRICS as M } from '../../src/metrics/fanout-metrics.js';
import { WsCloseCode } from '../../src/server/fanout/close-codes.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import type { TestSubscription } from '../helpers/clients.js';
import { within } from '../helpers/queue.js';
import { gauge, metric, rawClient, useGatewayClients } from './raw-client.js';
import { whenTrue } from '../helpers/when.js';

const HIGH_WATER = 16_384;
const LIMIT = 262_144;
/** many aliases make each price frame about 6 KB, so a socket that does not read falls behind fast */
const WIDE = Array.from({ length: 250 }, (_, i) => `m${i}: mid`).join(' ');
const PRICES = `subscription { priceUpdated(filter: { pairs: [{ asset: "BTC", fiat: "EUR" }, { asset: "ETH", fiat: "EUR" }] }) { id ask bid ${WIDE} } }`;
/** the bid of every price the test emits: the simulator's own random walk never quotes it */
const MARK = '0.12345';
const EVENTS = `subscription { notificationReceived { ... on Notification { id cursor payload } } }`;

const nexts = (s: TestSubscription): Array<Record<string, any>> =>
  s.messages.all.flatMap((m) => (m.kind === 'next' ? [m.result.data as Record<string, any>] : []));

/** The asks of the marked prices a subscription received so far, scanned incrementally. */
function markedAsks(s: TestSubscription): () => string[] {
  const asks: string[] = [];
  let scanned = 0;
  return () => {
    for (; scanned < s.messages.all.length; scanned++) {
      const m = s.messages.all[scanned]!;
      const row = m.kind === 'next' ? (m.result.data as { priceUpdated: { ask: string; bid: string } }).priceUpdated : null;
      if (row?.bid === MARK) asks.push(row.ask);
    }
    return asks;
  };
}

describe('backpressure: a slow socket never hurts the others, and memory stays bounded', () => {
  let gw: TestGateway;
  const connect = useGatewayClients(() => gw);

  function healthy(query: string, variables?: Record<string, unknown>): TestSubscription {
    return connect().subscribe(query, variables);
  }

  it('prices: a socket that stops reading gets only the latest per pair; drops are counted; healthy clients get everything', async () => {
    // 250 aliases make the wide frames: above the default MAX_ALIASES
    gw = await startTestGateway({ wsSendHighWaterBytes: HIGH_WATER, wsSendLimitBytes: LIMIT, maxAliases: 300 });
    await gw.gateway.priceSocket!.ready({ timeoutMs: 10_000 });
    // only the prices the test emits: a tick of the simulator's own, conflated into the paused
    // socket's waiting frame of BTC/EUR or ETH/EUR, would replace the last marked value it waits for
    gw.simulator.prices.controls.stallAll(true);
    const good = [healthy(PRICES), healthy(PRICES)];
    const asks = good.map(markedAsks);
    const slow = await rawClient(gw.server.wsUrl);
    await slow.init();
    slow.subscribe('slow', PRICES);
    await gauge(gw, M.members, 3);
    expect(await metric(gw, M.groups)).toBe(1);
    slow.pause();
    const executedBefore = await metric(gw, M.executions, { field: 'priceUpdated' });

    let seq = 0;
    let maxBuffered = 0;
    let maxQueued = 0;
    const sample = async (): Promise<void> => {
      maxBuffered = Math.max(maxBuffered, await metric(gw, M.bufferedMax));
      maxQueued = Math.max(maxQueued, await metric(gw, M.queuedBytes));
    };
    while ((await metric(gw, M.conflated)) < 50 && seq < 20_000) {
      // small bursts: a healthy client in this same process reads between them
      for (let k = 0; k < 10; k++) {
        seq++;
        gw.simulator.prices.controls.emitPrice(seq % 2 ? 'BTC' : 'ETH', 'EUR', { ask: `${seq}.00000`, bid: MARK });
      }
      const last = `${seq}.00000`;
      await within(
        Promise.all(good.map((sub) => sub.messages.find((m) => m.kind === 'next' && (m.result.data as { priceUpdated: { ask: string; bid: string } }).priceUpdated.bid === MARK && (m.result.data as { priceUpdated: { ask: string } }).priceUpdated.ask === last))),
        10_000,
        `healthy clients at ${seq}`,
      );
      await sample();
    }
    expect(await metric(gw, M.conflated)).toBeGreaterThanOrEqual(50);
    // the slow socket's buffer stays within one frame of the high-water mark; one waiting frame per pair
    const frame = Math.max(...nexts(good[0]!).map((d) => JSON.stringify(d).length)) + 64;
    expect(maxBuffered).toBeLessThanOrEqual(HIGH_WATER + frame);
    expect(maxQueued, `conflated ${await metric(gw, M.conflated)}`).toBeLessThanOrEqual(2 * frame);

    const sent = Array.from({ length: seq }, (_, i) => `${i + 1}.00000`);
    for (const read of asks) expect(read()).toEqual(sent);

    slow.resume();
    const last = { 'BTC:EUR': seq % 2 ? seq : seq - 1, 'ETH:EUR': seq % 2 ? seq - 1 : seq };
    const seen: Record<string, number[]> = { 'BTC:EUR': [], 'ETH:EUR': [] };
    let slowFrames = 0;
    await within(
      (async () => {
        while (seen['BTC:EUR']!.at(-1) !== last['BTC:EUR'] || seen['ETH:EUR']!.at(-1) !== last['ETH:EUR']) {
          const message = await slow.next('a frame after resuming');
          slowFrames++;
          const row = message.payload.data.priceUpdated as { id: string; ask: string; bid: string };
          if (row.bid === MARK) seen[row.id]!.push(Number(row.ask));
        }
      })(),
      20_000,
      'the latest value of each pair at the slow client',
    );
    for (const values of Object.values(seen)) expect(values).toEqual([...values].sort((a, b) => a - b));
    const received = seen['BTC:EUR']!.length + seen['ETH:EUR']!.length;
    expect(received).toBeLessThan(seq);
    // every frame of the group (the simulator's own included) either reaches it or was replaced
    const owed = async (): Promise<number> => (await metric(gw, M.executions, { field: 'priceUpdated' })) - executedBefore - (await metric(gw, M.conflated));
    await whenTrue(slow.frames.watch, async () => {
      for (; slow.frames.pending > 0; slowFrames++) void slow.frames.shift();
      return slowFrames >= (await owed());
    }, () => `every frame not replaced (${slowFrames} received)`);
    expect(slowFrames).toBe(await owed());
    expect(await metric(gw, M.slowCloses)).toBe(0);
    expect(slow.binaryFrames()).toBe(0);
    await slow.close();
  });

  it('notifications: nothing is dropped; past the limit the slow connection is closed with 1013 and resumes from its cursor', async () => {
    gw = await startTestGateway(
      { wsSendHighWaterBytes: HIGH_WATER, wsSendLimitBytes: LIMIT, eventsPageSize: 100 },
      { simulator: { rest: { eventIntervalMs: 0 } } },
    );
    const rest = gw.simulator.rest.controls;
    const good = healthy(EVENTS);
    const slow = await rawClient(gw.server.wsUrl);
    await slow.init();
    slow.subscribe('slow', EVENTS);
    await gauge(gw, M.members, 2);
    slow.pause();

    const ids: string[] = [];
    let maxQueued = 0;
    while ((await metric(gw, M.slowCloses)) === 0 && ids.length < 2000) {
      for (let k = 0; k < 20; k++) ids.push(rest.addEvent('user.update', { action: 'verification', note: 'x'.repeat(20_000) }).id);
      const target = ids.length;
      await within(
        (async () => {
          while ((await gw.services.store.events.lastSeq()) < target) await gw.gateway.poller!.pollNow();
        })(),
        10_000,
        'the poller',
      );
      // sampled at each frame the healthy client receives
      await whenTrue(good.messages.watch, async () => {
        maxQueued = Math.max(maxQueued, await metric(gw, M.queuedBytes));
        return good.messages.all.length === target;
      }, () => `the healthy client at ${target} (${good.messages.all.length} now)`);
    }
    expect(await metric(gw, M.slowCloses)).toBe(1);
    expect(maxQueued).toBeLessThanOrEqual(LIMIT);
    expect(await metric(gw, M.conflated)).toBe(0);
    expect(nexts(good).map((d) => d.notificationReceived.id)).toEqual(ids);
    // the close that counted it released the slow member at once
    expect(await metric(gw, M.members)).toBe(1);

    // what reached the slow client is a gap-free prefix, then the documented close
    slow.resume();
    expect(await within(slow.closed, 20_000, 'the close')).toMatchObject({ code: WsCloseCode.SlowConsumer });
    const got: Array<{ id: string; cursor: string }> = [];
    while (slow.frames.pending > 0) got.push((await slow.next()).payload.data.notificationReceived);
    expect(got.length).toBeGreaterThan(0);
    expect(got.map((e) => e.id)).toEqual(ids.slice(0, got.length));

    const resumed = healthy(`subscription($after: String) { notificationReceived(after: $after) { ... on Notification { id } } }`, {
      after: got.at(-1)!.cursor,
    });
    await within(resumed.messages.find(() => true, ids.length - got.length - 1), 20_000, 'the rest after the cursor');
    expect(nexts(resumed).map((d) => d.notificationReceived.id)).toEqual(ids.slice(got.length));
    await slow.close();
  });
});
