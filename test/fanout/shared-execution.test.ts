import { beforeEach, describe, expect, it } from 'vitest';
import { decimalMid } from '../../src/domain/decimal.js';
import { FANOUT_METRICS as M } from '../../src/metrics/fanout-metrics.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import type { TestSubscription } from '../helpers/clients.js';
import { within } from '../helpers/queue.js';
import { gauge, metric, rawClient, useGatewayClients } from './raw-client.js';
import { listenerCount } from '../helpers/bus-watch.js';
import { whenTrue } from '../helpers/when.js';
import { metricTotal } from '../../src/metrics/series.js';

const BY_FILTER = `subscription Prices($filter: PriceFilter) { priceUpdated(filter: $filter) { id ask bid } }`;
const EUR_MIDS = `subscription { priceUpdated(filter: { fiats: ["EUR"] }) { id asset mid } }`;

const COMBOS = [
  { query: BY_FILTER, variables: { filter: { pairs: [{ asset: 'BTC', fiat: 'EUR' }] } }, pairs: ['BTC:EUR'], fields: ['id', 'ask', 'bid'] },
  // same document, other variables (keys in another order must not matter for the group)
  { query: BY_FILTER, variables: { filter: { assets: ['BTC'] } }, pairs: ['BTC:EUR', 'BTC:USD'], fields: ['id', 'ask', 'bid'] },
  { query: EUR_MIDS, variables: undefined, pairs: ['BTC:EUR', 'ETH:EUR'], fields: ['id', 'asset', 'mid'] },
];

/** Each message any of `subs` receives, as a source for `whenTrue`. */
const messagesOf = (subs: ReadonlyArray<{ sub: TestSubscription }>) => subs.map((s) => s.sub.messages.watch);
const executions = (gw: TestGateway): Promise<number> => metricTotal(gw.services.metrics.registry, M.executions);
const frames = (gw: TestGateway): Promise<number> => metric(gw, 'upstream_frames_total', { channel: 'prices-v1' });

describe('shared execution: one execution per group per event', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway();
    await gw.gateway.priceSocket!.ready({ timeoutMs: 10_000 });
    // only the frames each test emits: the simulator's own ticks would add frames the counts do not expect
    gw.simulator.prices.controls.stallAll(true);
  });
  const connect = useGatewayClients(() => gw);

  it('50 clients on 3 (query, variables) combos: 3 executions per event, exactly the right frames to each', async () => {
    const subs: Array<{ sub: TestSubscription; combo: (typeof COMBOS)[number] }> = [];
    for (let i = 0; i < 50; i++) {
      const combo = COMBOS[i % 3]!;
      subs.push({ combo, sub: connect().subscribe(combo.query, combo.variables) });
    }
    await gauge(gw, M.members, 50);
    expect(await metric(gw, M.groups)).toBe(3);
    expect(gw.services.bus.listenerCount('price:updated')).toBe(3);

    const emit = (asset: string, fiat: string, ask: string): void =>
      void gw.simulator.prices.controls.emitPrice(asset, fiat, { ask, bid: '1.00000' });
    const expectAll = async (label: string, count: number): Promise<void> => {
      await whenTrue(messagesOf(subs), () => subs.every((s) => s.sub.messages.all.length >= count), `${label}: ${count} frames at every client`);
    };

    // every group matches BTC:EUR: executions per upstream event = number of groups
    const [exec0, frames0] = [await executions(gw), await frames(gw)];
    for (let i = 1; i <= 5; i++) emit('BTC', 'EUR', `${100 + i}.00000`);
    await expectAll('BTC:EUR burst', 5);
    expect((await frames(gw)) - frames0).toBe(5);
    expect(((await executions(gw)) - exec0) / ((await frames(gw)) - frames0)).toBe(3);
    expect((await metric(gw, M.executions, { field: 'priceUpdated' })) - exec0).toBe(15);

    // pairs only some groups want: one execution per matching group
    const exec1 = await executions(gw);
    emit('ETH', 'EUR', '200.00000');
    emit('BTC', 'USD', '300.00000');
    emit('BTC', 'EUR', '400.00000');
    await whenTrue(messagesOf(subs), () => subs.every((s) => s.sub.messages.all.length === 5 + s.combo.pairs.length), 'the last frames');
    expect((await executions(gw)) - exec1).toBe(1 + 1 + 3);

    const feed = [
      ...[101, 102, 103, 104, 105].map((n) => ({ id: 'BTC:EUR', asset: 'BTC', ask: `${n}.00000` })),
      { id: 'ETH:EUR', asset: 'ETH', ask: '200.00000' },
      { id: 'BTC:USD', asset: 'BTC', ask: '300.00000' },
      { id: 'BTC:EUR', asset: 'BTC', ask: '400.00000' },
    ];
    for (const { sub, combo } of subs) {
      const expected = feed
        .filter((f) => combo.pairs.includes(f.id))
        .map((f) => {
          const row: Record<string, string> = { id: f.id, ask: f.ask, bid: '1.00000', asset: f.asset };
          row.mid = decimalMid(f.ask, '1.00000');
          return Object.fromEntries(combo.fields.map((k) => [k, row[k]]));
        });
      expect(sub.messages.all.map((m) => (m.kind === 'next' ? m.result : m))).toEqual(expected.map((row) => ({ data: { priceUpdated: row } })));
    }
    expect(await metricTotal(gw.services.metrics.registry, M.deliveries)).toBeGreaterThanOrEqual(50 * 5);
    for (const { sub } of subs) sub.dispose();
    await gauge(gw, M.groups, 0);
    await listenerCount(gw.services.bus, 'price:updated', 0);
  });

  it('members join and leave; the last one out releases the bus listener, whether it completes or disconnects', async () => {
    const query = `subscription { priceUpdated(filter: { pairs: [{ asset: "ETH", fiat: "EUR" }] }) { id ask } }`;
    const emit = (ask: string): void => void gw.simulator.prices.controls.emitPrice('ETH', 'EUR', { ask, bid: '1.00000' });
    const ask = async (s: TestSubscription, what: string): Promise<unknown> =>
      ((await within(s.nextData(), 5000, what)).priceUpdated as { ask: string }).ask;

    const one = connect().subscribe(query);
    await gauge(gw, M.members, 1);
    const two = connect().subscribe(`  ${query.replace(/\s+/g, '  ')}  `); // same document, other whitespace
    await gauge(gw, M.members, 2);
    expect(await metric(gw, M.groups)).toBe(1);
    expect(gw.services.bus.listenerCount('price:updated')).toBe(1);

    emit('1.00000');
    expect([await ask(one, 'one: 1'), await ask(two, 'two: 1')]).toEqual(['1.00000', '1.00000']);
    one.dispose();
    await gauge(gw, M.members, 1);
    expect(gw.services.bus.listenerCount('price:updated')).toBe(1);
    emit('2.00000');
    expect(await ask(two, 'two: 2')).toBe('2.00000');

    const three = connect().subscribe(query);
    await gauge(gw, M.members, 2);
    emit('3.00000');
    expect([await ask(two, 'two: 3'), await ask(three, 'three: 3')]).toEqual(['3.00000', '3.00000']);
    const nexts = (x: TestSubscription): number => x.messages.all.filter((m) => m.kind === 'next').length;
    expect([nexts(one), nexts(two), nexts(three)]).toEqual([1, 3, 1]);

    // one leaves by completing, the last one by dropping its connection
    two.dispose();
    await gauge(gw, M.members, 1);
    const raw = await rawClient(gw.server.wsUrl);
    await raw.init();
    raw.subscribe('r', query);
    await gauge(gw, M.members, 2);
    three.dispose();
    await gauge(gw, M.members, 1);
    expect(gw.services.bus.listenerCount('price:updated')).toBe(1);
    await raw.close();
    await gauge(gw, M.groups, 0);
    await listenerCount(gw.services.bus, 'price:updated', 0);
    expect(await metric(gw, M.members)).toBe(0);

    // a new subscriber starts a new group
    const four = connect().subscribe(query);
    await listenerCount(gw.services.bus, 'price:updated', 1);
    emit('4.00000');
    expect(await ask(four, 'four: 4')).toBe('4.00000');
    four.dispose();
    await listenerCount(gw.services.bus, 'price:updated', 0);
  });

  it('does not share replays: notificationReceived with a cursor runs on its own, live ones share', async () => {
    const live = `subscription { notificationReceived { ... on Notification { id } } }`;
    const replay = `subscription($after: String) { notificationReceived(after: $after) { ... on Notification { id } } }`;
    const a = connect().subscribe(live);
    const b = connect().subscribe(live);
    const c = connect().subscribe(replay, { after: null });
    await gauge(gw, M.members, 3);
    expect(await metric(gw, M.groups)).toBe(2);
    const cursor = 'cursor-that-does-not-exist';
    const d = connect().subscribe(replay, { after: cursor });
    const message = await within(d.messages.shift(), 5000, 'the bad cursor error');
    expect(message.kind === 'next' && message.result.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(await metric(gw, M.unshared, { field: 'notificationReceived' })).toBe(1);
    for (const s of [a, b, c]) s.dispose();
    await gauge(gw, M.groups, 0);
  });
});
