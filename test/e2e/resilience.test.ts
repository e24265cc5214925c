import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import { httpQuery, sseClient, wsClient } from '../helpers/clients.js';
import { within } from '../helpers/queue.js';
import { listenerCount } from '../helpers/bus-watch.js';

const LIVE = `subscription($filter: PriceFilter) { priceUpdated(filter: $filter) { id ask bid } }`;
const BTC_EUR = { filter: { pairs: [{ asset: 'BTC', fiat: 'EUR' }] } };
const FAST = { backoff: { initialMs: 20, maxMs: 100, factor: 2 }, silenceTimeoutMs: 60_000 };

function subscribeCounts(gw: TestGateway): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of gw.simulator.prices.controls.subscribeActions()) {
    if (a.action === 'subscribe') counts[a.channel] = (counts[a.channel] ?? 0) + 1;
  }
  return counts;
}

describe('upstream resilience seen from GraphQL clients', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.stop();
    expect(await stopLeftovers()).toBe(0);
  });

  it('reconnects after the upstream drops every connection, resubscribes once per channel, and clients go on', async () => {
    gw = await startTestGateway({}, { upstream: { priceSocket: FAST } });
    await gw.gateway.priceSocket!.ready({ timeoutMs: 10_000 });
    const ws = wsClient(gw.server.wsUrl);
    const sub = ws.subscribe(LIVE, BTC_EUR);
    await listenerCount(gw.services.bus, 'price:updated', 1);
    gw.simulator.prices.controls.emitPrice('BTC', 'EUR', { ask: '100.00010', bid: '99.00000' });
    expect((await within(sub.nextData(), 5000, 'first price')).priceUpdated).toEqual({ id: 'BTC:EUR', ask: '100.00010', bid: '99.00000' });

    for (let round = 1; round <= 3; round++) {
      const resubscribed = gw.gateway.priceSocket!.waitFor('subscribed', { timeoutMs: 10_000 });
      gw.simulator.prices.controls.dropAll();
      await resubscribed;
      gw.simulator.prices.controls.emitPrice('BTC', 'EUR', { ask: `10${round}.00000`, bid: '99.00000' });
      const message = await within(sub.messages.shift(), 5000, `price after drop ${round}`);
      expect(message).toEqual({ kind: 'next', result: { data: { priceUpdated: { id: 'BTC:EUR', ask: `10${round}.00000`, bid: '99.00000' } } } });
    }
    expect(subscribeCounts(gw)).toEqual({ 'prices-v1': 4, 'price-changes-v1': 4 });
    expect(gw.services.upstream.priceSocket()!.reconnects).toBe(3);
    expect(sub.messages.pending).toBe(0);
    sub.dispose();
    await ws.dispose();
  });

  it('backs off while the upstream refuses connections, then recovers', async () => {
    gw = await startTestGateway({}, { upstream: { priceSocket: FAST } });
    await gw.gateway.priceSocket!.ready({ timeoutMs: 10_000 });
    const states: string[] = [];
    const off = gw.gateway.priceSocket!.onStateChange((s) => states.push(s));
    const recovered = gw.gateway.priceSocket!.waitFor('subscribed', { timeoutMs: 15_000 });
    gw.simulator.prices.controls.refuseConnections(400);
    gw.simulator.prices.controls.dropAll();
    await recovered;
    off();
    // several refused attempts, each followed by a wait, before the subscription came back
    expect(states.filter((s) => s === 'reconnecting').length).toBeGreaterThanOrEqual(2);
    expect(states[states.length - 1]).toBe('subscribed');
    expect(gw.services.upstream.priceSocket()!.attempt).toBe(0);
    const res = await fetch(`${gw.server.url}/ready`);
    expect(res.status).toBe(200);
  });

  it('detects a silent feed and reconnects', async () => {
    gw = await startTestGateway({ simulatorIntervalMs: 20 }, { upstream: { priceSocket: { ...FAST, silenceTimeoutMs: 300 } } });
    await gw.gateway.priceSocket!.ready({ timeoutMs: 10_000 });
    const before = gw.services.upstream.priceSocket()!.reconnects;
    const reconnected = gw.gateway.priceSocket!.waitFor('reconnecting', { timeoutMs: 10_000 });
    gw.simulator.prices.controls.stallAll(true);
    await reconnected;
    gw.simulator.prices.controls.stallAll(false);
    await gw.gateway.priceSocket!.waitFor('subscribed', { timeoutMs: 10_000 });
    expect(gw.services.upstream.priceSocket()!.reconnects).toBeGreaterThan(before);
  });

  it('skips malformed and unknown upstream frames, counts them, and keeps serving', async () => {
    gw = await startTestGateway();
    await gw.gateway.priceSocket!.ready({ timeoutMs: 10_000 });
    const ws = wsClient(gw.server.wsUrl);
    const sub = ws.subscribe(LIVE, BTC_EUR);
    await listenerCount(gw.services.bus, 'price:updated', 1);
    gw.simulator.prices.controls.sendRaw('{"AP": "1.0", "BP": oops');
    gw.simulator.prices.controls.sendRaw('{"CH":"prices-v9","A":"BTC"}');
    gw.simulator.prices.controls.sendRaw('{"AP":"1e5","BP":"1.0","U":1,"T":"cr","A":"BTC","F":"EUR","CH":"prices-v1"}');
    gw.simulator.prices.controls.emitPrice('BTC', 'EUR', { ask: '7.00000', bid: '6.00000' });
    expect((await within(sub.nextData(), 5000, 'a good price after garbage')).priceUpdated).toEqual({ id: 'BTC:EUR', ask: '7.00000', bid: '6.00000' });
    const status = gw.services.upstream.priceSocket()!;
    expect(status.malformedFrames + status.unknownFrames).toBe(3);
    expect(status.state).toBe('subscribed');
    const { body } = await httpQuery(gw.server.graphqlUrl, '{ upstream { priceSocket { malformedFrames unknownFrames state } } }');
    expect(body.data!.upstream.priceSocket.malformedFrames + body.data!.upstream.priceSocket.unknownFrames).toBe(3);
    sub.dispose();
    await ws.dispose();
  });
});

describe('bad GraphQL input gets a coded error and the connection stays up', () => {
  afterEach(async () => {
    expect(await stopLeftovers()).toBe(0);
  });

  it('over graphql-ws: unknown asset type, too many pairs, bad cursor, syntax error, unknown field', async () => {
    const gw = await startTestGateway({ maxFilterPairs: 3 });
    await gw.gateway.priceSocket!.ready({ timeoutMs: 10_000 });
    const ws = wsClient(gw.server.wsUrl);
    const codeOf = async (query: string, variables?: Record<string, unknown>): Promise<unknown> => {
      const sub = ws.subscribe(query, variables);
      const message = await within(sub.messages.shift(), 5000, 'an error');
      sub.dispose();
      if (message.kind === 'error') return (message.error as Array<{ extensions?: { code?: string } }>)[0]?.extensions?.code;
      if (message.kind === 'next') return message.result.errors?.[0]?.extensions?.['code'];
      return 'completed without error';
    };
    expect(await codeOf(LIVE, { filter: { types: ['NOT_A_TYPE'] } })).toBe('BAD_USER_INPUT');
    expect(await codeOf('subscription { priceUpdated(filter: { types: [NOT_A_TYPE] }) { id } }')).toBe('GRAPHQL_VALIDATION_FAILED');
    const pairs = ['BTC', 'ETH', 'SOL', 'ADA'].map((asset) => ({ asset, fiat: 'EUR' }));
    expect(await codeOf(LIVE, { filter: { pairs } })).toBe('BAD_USER_INPUT');
    expect(await codeOf('subscription { notificationReceived(after: "not-a-cursor") { __typename } }')).toBe('BAD_USER_INPUT');
    expect(await codeOf('subscription { priceUpdated { id ')).toBe('GRAPHQL_PARSE_FAILED');
    expect(await codeOf('subscription { priceUpdated { nope } }')).toBe('GRAPHQL_VALIDATION_FAILED');

    // the same connection still works
    const sub = ws.subscribe(LIVE, BTC_EUR);
    await listenerCount(gw.services.bus, 'price:updated', 1);
    gw.simulator.prices.controls.emitPrice('BTC', 'EUR', { ask: '5.00000', bid: '4.00000' });
    expect((await within(sub.nextData(), 5000, 'price on the same connection')).priceUpdated).toEqual({ id: 'BTC:EUR', ask: '5.00000', bid: '4.00000' });
    sub.dispose();
    await ws.dispose();
    await gw.stop();
  });

  it('over HTTP and SSE', async () => {
    const gw = await startTestGateway({ maxFilterPairs: 3 });
    const pairs = ['BTC', 'ETH', 'SOL', 'ADA'].map((asset) => ({ asset, fiat: 'EUR' }));
    const tooMany = await httpQuery(gw.server.graphqlUrl, 'query($f: PriceFilter) { prices(filter: $f) { id } }', { f: { pairs } });
    expect(tooMany.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(tooMany.body.errors?.[0]?.message).toContain('at most 3 pairs, got 4');
    const badEnum = await httpQuery(gw.server.graphqlUrl, 'query($f: PriceFilter) { prices(filter: $f) { id } }', { f: { types: ['X'] } });
    expect(badEnum.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    const both = await httpQuery(gw.server.graphqlUrl, '{ notificationEvents(first: 1, last: 1) { edges { cursor } } }');
    expect(both.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');

    const sse = sseClient(gw.server.graphqlUrl);
    const sub = sse.subscribe(LIVE, { filter: { pairs } });
    const message = await within(sub.messages.shift(), 5000, 'an SSE error');
    const code =
      message.kind === 'next'
        ? message.result.errors?.[0]?.extensions?.['code']
        : message.kind === 'error'
          ? JSON.stringify(message.error)
          : 'complete';
    expect(String(code)).toContain('BAD_USER_INPUT');
    sub.dispose();
    sse.dispose();
    await gw.stop();
  });
});
