import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LIMIT_CODES } from '../../src/server/use-operation-limits.js';
import { startTestGateway, stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import { closeRawClients, gauge, metric, rawClient } from '../fanout/raw-client.js';

/**
 * Requests built to hurt are refused before anything executes, while the gateway goes on
 * serving others: `/health` answers and a live subscription on another socket keeps receiving.
 * No wall-clock bounds here: bench/abuse.ts measures how long a refusal takes.
 */

const aliases = (n: number, selection: string) => Array.from({ length: n }, (_, i) => `a${i}: ${selection}`).join(' ');
const BOMBS: Array<[string, string, number, string]> = [
  ['an alias bomb (100 aliases of prices)', `{ ${aliases(100, 'prices { id ask bid mid spread time }')} }`, 400, LIMIT_CODES.aliases],
  ['a depth bomb', `{ __type(name: "Price") { ${'ofType { '.repeat(40)}name${' }'.repeat(40)} } }`, 400, LIMIT_CODES.depth],
  ['a 2 MB document', `{ prices { id } } # ${'x'.repeat(2 * 1024 * 1024)}`, 413, 'REQUEST_ENTITY_TOO_LARGE'],
  ['a 10k-token document', `{ prices { ${'id '.repeat(10_000)} } }`, 400, LIMIT_CODES.tokens],
];

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterEach(async () => {
  expect(await closeRawClients()).toBe(0);
});
afterAll(async () => {
  await gw.stop();
  expect(await stopLeftovers()).toBe(0);
});

describe('abuse', () => {
  it.each(BOMBS)('%s is refused while /health and a live subscription on another socket are served', async (_name, query, status, code) => {
    const live = await rawClient(gw.server.wsUrl);
    await live.init();
    live.subscribe('live', 'subscription { priceUpdated(filter: { pairs: [{ asset: "BTC", fiat: "EUR" }] }) { id ask } }');
    await gauge(gw, 'graphql_subscription_members', 1);
    const post = () => fetch(gw.server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: JSON.stringify({ query }) });
    // several at once, with the health check and a price in between
    const attacks = Array.from({ length: 4 }, post);
    const health = fetch(`${gw.server.url}/health`);
    gw.simulator.prices.controls.emitPrice('BTC', 'EUR', { ask: '7.77777', bid: '1.00000' });
    const responses = await Promise.all(attacks);
    for (const response of responses) {
      expect(response.status).toBe(status);
      const body = (await response.json()) as { data?: unknown; errors: Array<{ extensions?: { code?: string } }> };
      expect(body.data).toBeUndefined();
      expect(body.errors.map((e) => e.extensions?.code)).toContain(code);
    }
    expect((await health).status).toBe(200);
    const frame = JSON.parse(await live.frames.find((f) => f.includes('7.77777')));
    expect(frame).toMatchObject({ id: 'live', type: 'next', payload: { data: { priceUpdated: { id: 'BTC:EUR', ask: '7.77777' } } } });
    await live.close();
    await gauge(gw, 'graphql_subscription_members', 0);
  });

  it('10,000 subscriptions with distinct variables on one connection: 100 live, the rest refused with a code, groups bounded', async () => {
    const c = await rawClient(gw.server.wsUrl);
    await c.init();
    const query = 'subscription($a: String!) { priceUpdated(filter: { assets: [$a] }) { id } }';
    for (let i = 0; i < 10_000; i++) c.subscribe(`s${i}`, query, { a: `A${i}` });
    c.send({ type: 'ping' });
    await c.frames.find((f) => f === '{"type":"pong"}');
    const refusals = c.frames.all.filter((f) => f.includes('"type":"error"'));
    expect(refusals).toHaveLength(9_900);
    expect(new Set(refusals.map((f) => JSON.parse(f).payload[0].extensions.code))).toEqual(new Set(['MAX_SUBSCRIPTIONS_PER_CONNECTION_EXCEEDED']));
    expect(await metric(gw, 'graphql_subscription_groups')).toBe(100);
    await c.close();
    await gauge(gw, 'graphql_subscription_groups', 0);
  });

  it('20,000 subscribe/complete cycles leave no group, member or subscription behind (heap and RSS are logged)', async () => {
    const c = await rawClient(gw.server.wsUrl);
    await c.init();
    const query = 'subscription($a: String!) { priceUpdated(filter: { assets: [$a] }) { id } }';
    global.gc?.();
    const before = process.memoryUsage();
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 100; i++) c.subscribe(`r${i}`, query, { a: `A${round}-${i}` });
      for (let i = 0; i < 100; i++) c.send({ id: `r${i}`, type: 'complete' });
      c.send({ type: 'ping', payload: { round } });
      await c.frames.find((f) => f === `{"type":"pong","payload":{"round":${round}}}`);
    }
    expect(c.frames.all.filter((f) => f.includes('"type":"error"'))).toEqual([]);
    await gauge(gw, 'graphql_subscription_groups', 0);
    expect(await metric(gw, 'graphql_subscription_members')).toBe(0);
    expect(gw.services.bus.listenerCount('price:updated')).toBe(0);
    global.gc?.();
    const after = process.memoryUsage();
    const mb = (n: number) => (n / 1_048_576).toFixed(1);
    console.log(`20,000 subscribe/complete cycles: heap ${mb(before.heapUsed)} → ${mb(after.heapUsed)} MiB, RSS ${mb(before.rss)} → ${mb(after.rss)} MiB`);
    await c.close();
  });
});
