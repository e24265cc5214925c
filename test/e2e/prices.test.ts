import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import { httpQuery, sseClient, wsClient, type TestSubscription } from '../helpers/clients.js';
import { metricValue } from '../../src/metrics/series.js';
import { within } from '../helpers/queue.js';
import { CHANGE_WINDOWS, type ChangeWindow, type ChangeWindowName, type PriceChange } from '../../src/domain/price.js';

const LIVE = /* GraphQL */ `
  subscription Live($filter: PriceFilter) {
    priceUpdated(filter: $filter) { id type asset fiat ask bid mid spread time }
  }
`;

interface Row {
  id: string;
  type: string;
  asset: string;
  fiat: string;
  ask: string;
  bid: string;
  mid: string;
  spread: string;
}

/** Prices emitted in this order; the asset types come from the simulator's catalogue. */
const FEED = [
  { asset: 'BTC', fiat: 'EUR', type: 'CRYPTO', ask: '65544.85350', bid: '65217.84675', mid: '65381.350125', spread: '327.00675' },
  { asset: 'ETH', fiat: 'EUR', type: 'CRYPTO', ask: '3194.87001', bid: '3190.00000', mid: '3192.435005', spread: '4.87001' },
  { asset: 'BTC', fiat: 'USD', type: 'CRYPTO', ask: '70001.10000', bid: '70000.00010', mid: '70000.55005', spread: '1.09990' },
  { asset: 'AAPL', fiat: 'EUR', type: 'SECURITY', ask: '171.230', bid: '171.100', mid: '171.165', spread: '0.130' },
  { asset: 'XAU', fiat: 'USD', type: 'COMMODITY', ask: '74.51230', bid: '74.40000', mid: '74.45615', spread: '0.11230' },
  { asset: 'ETH', fiat: 'CHF', type: 'CRYPTO', ask: '2999.00000', bid: '2998.99999', mid: '2998.999995', spread: '0.00001' },
];

describe('live prices end to end (graphql-ws and SSE against the simulator)', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway();
    await within(waitSubscribed(gw), 10_000, 'the upstream subscription');
    // every price these tests see is one they emit: the simulator's own ticks (one pair every
    // few seconds) would slip into a slow run
    gw.simulator.prices.controls.stallAll(true);
  });
  afterEach(async () => {
    await gw.stop();
    expect(await stopLeftovers()).toBe(0);
  });

  async function waitSubscribed(g: TestGateway): Promise<void> {
    for (;;) {
      const res = await fetch(`${g.server.url}/ready`);
      if (res.status === 200) return;
      await new Promise((r) => setImmediate(r));
    }
  }

  it('reads Price.change afresh at every event of a live subscription, over WebSocket and SSE', async () => {
    const change = (monthlyVolatility: string): PriceChange => ({
      id: 'BTC:EUR',
      type: 'CRYPTO',
      asset: 'BTC',
      fiat: 'EUR',
      ...(Object.fromEntries(CHANGE_WINDOWS.map((w) => [w, { percent: '0.1', value: '1.0' }])) as Record<ChangeWindowName, ChangeWindow>),
      monthlyVolatility,
      receivedAt: Date.now(),
    });
    const query = 'subscription { priceUpdated(filter: { pairs: [{ asset: "BTC", fiat: "EUR" }] }) { ask change { monthlyVolatility } } }';
    const ws = wsClient(gw.server.wsUrl);
    const sse = sseClient(gw.server.graphqlUrl);
    const subs = [ws.subscribe(query), sse.subscribe(query)];
    await within(
      (async () => {
        while (gw.services.bus.listenerCount('price:updated') < subs.length) await new Promise((r) => setImmediate(r));
      })(),
      10_000,
      'both subscriptions to be registered',
    );
    for (const [ask, volatility] of [['1.00000', '0.11'], ['2.00000', '0.22'], ['3.00000', '0.33']] as const) {
      gw.services.store.prices.putChange(change(volatility));
      gw.simulator.prices.controls.emitPrice('BTC', 'EUR', { ask, bid: '0.50000' });
      for (const sub of subs) {
        expect(await within(sub.nextData(), 10_000, `the price at ${ask}`)).toEqual({ priceUpdated: { ask, change: { monthlyVolatility: volatility } } });
      }
    }
    for (const sub of subs) sub.dispose();
    await ws.dispose();
    sse.dispose();
  });

  it('delivers exactly the matching updates for pair, asset, fiat and type filters, decimals byte for byte', async () => {
    const cases: Array<{ name: string; filter: Record<string, unknown>; sentinel: { asset: string; fiat: string } }> = [
      { name: 'pairs', filter: { pairs: [{ asset: 'BTC', fiat: 'EUR' }, { asset: 'XAU', fiat: 'USD' }] }, sentinel: { asset: 'BTC', fiat: 'EUR' } },
      { name: 'assets', filter: { assets: ['ETH'] }, sentinel: { asset: 'ETH', fiat: 'EUR' } },
      { name: 'fiats', filter: { fiats: ['USD'] }, sentinel: { asset: 'BTC', fiat: 'USD' } },
      { name: 'types', filter: { types: ['SECURITY', 'COMMODITY'] }, sentinel: { asset: 'AAPL', fiat: 'EUR' } },
      { name: 'combined', filter: { assets: ['BTC', 'ETH'], fiats: ['EUR'] }, sentinel: { asset: 'ETH', fiat: 'EUR' } },
      { name: 'empty', filter: {}, sentinel: { asset: 'BTC', fiat: 'EUR' } },
    ];
    const ws = wsClient(gw.server.wsUrl);
    const sse = sseClient(gw.server.graphqlUrl);
    const subs: Array<{ name: string; transport: string; sub: TestSubscription; filter: Record<string, unknown>; sentinel: { asset: string; fiat: string } }> = [];
    for (const c of cases) {
      subs.push({ ...c, transport: 'ws', sub: ws.subscribe(LIVE, { filter: c.filter }) });
      subs.push({ ...c, transport: 'sse', sub: sse.subscribe(LIVE, { filter: c.filter }) });
    }
    // every subscription is live once the bus has that many listeners
    await within(
      (async () => {
        while (gw.services.bus.listenerCount('price:updated') < subs.length) await new Promise((r) => setImmediate(r));
      })(),
      10_000,
      'all subscriptions to be registered',
    );

    for (const p of FEED) gw.simulator.prices.controls.emitPrice(p.asset, p.fiat, { ask: p.ask, bid: p.bid });
    // a sentinel per subscription: once it arrives, everything emitted before it has arrived too
    const SENTINEL_ASK = '1.00001';
    for (const s of new Set(cases.map((c) => `${c.sentinel.asset}/${c.sentinel.fiat}`))) {
      const [asset, fiat] = s.split('/') as [string, string];
      gw.simulator.prices.controls.emitPrice(asset, fiat, { ask: SENTINEL_ASK, bid: '1.00000' });
    }

    const matches = (row: (typeof FEED)[number], f: Record<string, any>): boolean =>
      (!f.pairs || f.pairs.some((p: any) => p.asset === row.asset && p.fiat === row.fiat)) &&
      (!f.assets || f.assets.includes(row.asset)) &&
      (!f.fiats || f.fiats.includes(row.fiat)) &&
      (!f.types || f.types.includes(row.type));

    for (const s of subs) {
      const received: Row[] = [];
      await within(
        (async () => {
          for (;;) {
            const data = await s.sub.nextData();
            const row = data.priceUpdated as Row;
            if (row.ask === SENTINEL_ASK && row.asset === s.sentinel.asset && row.fiat === s.sentinel.fiat) return;
            if (row.ask !== SENTINEL_ASK) received.push(row);
          }
        })(),
        10_000,
        `${s.transport} ${s.name} sentinel`,
      );
      const expected = FEED.filter((row) => matches(row, s.filter)).map((p) => ({
        id: `${p.asset}:${p.fiat}`,
        type: p.type,
        asset: p.asset,
        fiat: p.fiat,
        ask: p.ask,
        bid: p.bid,
        mid: p.mid,
        spread: p.spread,
      }));
      expect(received.map(({ id, type, asset, fiat, ask, bid, mid, spread }) => ({ id, type, asset, fiat, ask, bid, mid, spread })), `${s.transport} ${s.name}`).toEqual(expected);
    }
    for (const s of subs) s.sub.dispose();
    await ws.dispose();
    sse.dispose();
  });

  it('answers the cached latest prices with DataLoader batching Price.change in one batch', async () => {
    for (const p of FEED) gw.simulator.prices.controls.emitPrice(p.asset, p.fiat, { ask: p.ask, bid: p.bid });
    await within(
      (async () => {
        while (gw.services.store.prices.getPrice('ETH:CHF')?.ask !== '2999.00000') await new Promise((r) => setImmediate(r));
      })(),
      10_000,
      'the cache to hold the feed',
    );
    const before = await metricValue(gw.services.metrics.registry, 'graphql_loader_batches_total', { loader: 'priceChange' });
    const { body } = await httpQuery(
      gw.server.graphqlUrl,
      `{ prices(filter: { pairs: [{asset: "BTC", fiat: "EUR"}, {asset: "ETH", fiat: "CHF"}, {asset: "AAPL", fiat: "EUR"}] }) { id ask bid mid change { id } } one: price(asset: "BTC", fiat: "EUR") { ask change { id } } none: price(asset: "NOPE", fiat: "EUR") { ask } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.prices.map((p: Row) => [p.id, p.ask, p.bid])).toEqual([
      ['AAPL:EUR', '171.230', '171.100'],
      ['BTC:EUR', '65544.85350', '65217.84675'],
      ['ETH:CHF', '2999.00000', '2998.99999'],
    ]);
    expect(body.data!.one.ask).toBe('65544.85350');
    expect(body.data!.none).toBeNull();
    const after = await metricValue(gw.services.metrics.registry, 'graphql_loader_batches_total', { loader: 'priceChange' });
    expect(after - before).toBe(1);
  });
});
