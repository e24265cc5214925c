import { httpQuery } from '../helpers/clients.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { within } from '../helpers/queue.js';

/** Prices the gateway has cached before a client starts, with what it must derive from them. */
export const STORED_PRICES = [
  { id: 'BTC:EUR', asset: 'BTC', fiat: 'EUR', ask: '65544.85350', bid: '65217.84675', mid: '65381.350125', spread: '327.00675' },
  { id: 'ETH:EUR', asset: 'ETH', fiat: 'EUR', ask: '2999.00000', bid: '2998.99999', mid: '2998.999995', spread: '0.00001' },
];

/** Prices sent while a client watches. */
export const LIVE_PRICES = [
  { id: 'BTC:EUR', asset: 'BTC', fiat: 'EUR', ask: '70001.10000', bid: '70000.00010', mid: '70000.55005', spread: '1.09990' },
  { id: 'ETH:EUR', asset: 'ETH', fiat: 'EUR', ask: '3194.87001', bid: '3190.00000', mid: '3192.435005', spread: '4.87001' },
];

export const TOP_UP = (fiatAmount: string) => ({
  id: '1ed8065b-2a73-6b5e-b03f-2a65c999892d',
  type: 'deposit',
  reference: '7945045137',
  timestamp: 1671540979,
  fiat_amount: fiatAmount,
  fiat_symbol: 'EUR',
});

/** The interface fields every example selects, as the gateway answers them over plain HTTP. */
export interface StoredEvent {
  __typename: string;
  id: string;
  type: string;
  rawType: string;
  createdAt: string;
  userId: string | null;
  cursor: string;
}

/**
 * A gateway on the simulator whose prices move only when a test sends one and whose events
 * are only those a test adds (polled every 10 ms).
 */
export async function startQuietGateway(): Promise<TestGateway> {
  const gw = await startTestGateway({ eventsPageSize: 50, eventsPollIntervalMs: 10 }, { simulator: { rest: { eventIntervalMs: 0 } } });
  await within(gw.gateway.priceSocket!.waitFor('subscribed'), 20_000, 'the upstream price subscription');
  gw.simulator.prices.controls.stallAll(true);
  return gw;
}

/** Sends prices upstream and resolves once the gateway has cached and published all of them. */
export async function sendPrices(gw: TestGateway, prices: ReadonlyArray<{ asset: string; fiat: string; ask: string; bid: string }>): Promise<void> {
  const pending = new Set(prices.map((p) => `${p.asset}/${p.fiat}/${p.ask}`));
  const published = new Promise<void>((resolve) => {
    const off = gw.services.bus.on('price:updated', (p) => {
      pending.delete(`${p.asset}/${p.fiat}/${p.ask}`);
      if (pending.size === 0) {
        off();
        resolve();
      }
    });
  });
  for (const p of prices) gw.simulator.prices.controls.emitPrice(p.asset, p.fiat, { ask: p.ask, bid: p.bid });
  await within(published, 10_000, 'the gateway to receive the prices');
}

/** Adds events upstream through `add` and resolves once the gateway has stored and published `count` of them. */
export async function addEvents(gw: TestGateway, count: number, add: () => void): Promise<void> {
  let seen = 0;
  const published = new Promise<void>((resolve) => {
    const off = gw.services.bus.on('notification:received', () => {
      if (++seen < count) return;
      off();
      resolve();
    });
  });
  add();
  await within(published, 10_000, `the gateway to store ${count} events`);
}

/** Every stored event, oldest first, read over plain HTTP: what a client must show. */
export async function storedEvents(gw: TestGateway): Promise<StoredEvent[]> {
  const { body } = await httpQuery(
    gw.server.graphqlUrl,
    `{ notificationEvents(first: 100) { edges { node { __typename ... on Notification { id type rawType createdAt userId cursor } } } } }`,
  );
  if (body.errors) throw new Error(`expected the stored events, got ${JSON.stringify(body.errors)}`);
  return body.data!.notificationEvents.edges.map((e: { node: StoredEvent }) => e.node);
}

/** The interface fields of a printed event (missing ones show as undefined and fail equality). */
export function interfaceFields(event: Record<string, unknown>): StoredEvent {
  const { __typename, id, type, rawType, createdAt, userId, cursor } = event as unknown as StoredEvent;
  return { __typename, id, type, rawType, createdAt, userId, cursor };
}
