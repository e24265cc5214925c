import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { withErrorCodes } from '../../src/server/error-codes.js';
import { createYogaServer } from '../../src/server/yoga.js';
import { schema } from '../../src/schema/index.js';
import { startTestGateway, stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import { listenerCount, published } from '../helpers/bus-watch.js';
import { closeRawClients, rawClient, type RawClient } from './raw-client.js';

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

/** The reference: graphql-ws's own server through Yoga's envelop, executing per subscriber. */
async function referenceServer(gw: TestGateway): Promise<{ url: string; close(): Promise<void> }> {
  const yoga = createYogaServer({ schema, services: gw.services });
  const server: Server = createServer();
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const disposable = useServer(
    {
      execute: (args) => ((args as ExecutionArgs).rootValue as EnvelopedRoot).execute(args as ExecutionArgs) as never,
      subscribe: (args) => ((args as ExecutionArgs).rootValue as EnvelopedRoot).subscribe(args as ExecutionArgs) as never,
      onSubscribe: async (ctx, _id, params) => {
        const { schema: s, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({ ...ctx, params });
        let document;
        try {
          document = parse(params.query);
        } catch (error) {
          return [new GraphQLError((error as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const errors = validate(s, document);
        if (errors.length > 0) {
          return errors.map((e: GraphQLError) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
        }
        const contextValue = await contextFactory();
        return { schema: s, operationName: params.operationName, document, variableValues: params.variables, contextValue, rootValue: { execute, subscribe } };
      },
      onError: (_ctx, _id, _payload, errors) => withErrorCodes(errors).map((e) => e.toJSON()),
    },
    wss,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    async close() {
      await disposable.dispose();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const FILTERED = 'subscription($f: PriceFilter) { priceUpdated(filter: $f) { id } }';
const OPERATIONS: Array<{ id: string; query: string; variables?: Record<string, unknown>; operationName?: string }> = [
  { id: 'query', query: '{ price(asset: "BTC", fiat: "EUR") { id ask } }' },
  { id: 'enum', query: FILTERED, variables: { f: { types: ['NOPE'] } } },
  { id: 'pairs', query: FILTERED, variables: { f: { pairs: ['A', 'B', 'C', 'D'].map((asset) => ({ asset, fiat: 'EUR' })) } } },
  { id: 'syntax', query: 'subscription { priceUpdated { id ' },
  { id: 'field', query: 'subscription { priceUpdated { nope } }' },
  { id: 'literal', query: 'subscription { priceUpdated(filter: { types: [NOT] }) { id } }' },
  { id: 'cursor', query: 'subscription($a: String) { notificationReceived(after: $a) { __typename } }', variables: { a: 'bad' } },
  { id: 'vartype', query: 'subscription($t: PriceFilter!) { priceUpdated(filter: $t) { id } }', variables: { t: 5 } },
  { id: 'varmissing', query: 'subscription($t: PriceFilter!) { priceUpdated(filter: $t) { id } }', variables: {} },
  { id: 'noop', query: 'query A { __typename } query B { __typename }', operationName: 'C' },
  { id: 'opB', query: 'query A { __typename } query B { upstream { healthy } }', operationName: 'B' },
  { id: 'mutation', query: 'mutation { x }' },
  { id: 'resolver', query: '{ notificationEvents(first: 1, last: 1) { edges { cursor } } }' },
  { id: 'throttle', query: 'subscription { priceUpdated(throttleMs: 60001) { id } }' },
];

/** Sends one operation and collects its frames up to its `complete` or `error`. */
async function run(client: RawClient, op: (typeof OPERATIONS)[number]): Promise<string[]> {
  client.send({ id: op.id, type: 'subscribe', payload: { query: op.query, variables: op.variables, operationName: op.operationName } });
  const frames: string[] = [];
  for (;;) {
    const text = await client.frames.shift();
    frames.push(text);
    const { type } = JSON.parse(text) as { type: string };
    if (type === 'complete' || type === 'error') return frames;
  }
}

describe('parity with graphql-ws`s own server', () => {
  let gw: TestGateway;
  let reference: Awaited<ReturnType<typeof referenceServer>>;
  beforeAll(async () => {
    gw = await startTestGateway({ maxFilterPairs: 3 });
    await gw.gateway.priceSocket!.ready({ timeoutMs: 10_000 });
    reference = await referenceServer(gw);
  });
  afterAll(async () => {
    expect(await closeRawClients()).toBe(0);
    await reference.close();
    await gw.stop();
    expect(await stopLeftovers()).toBe(0);
  });

  it('sends byte-identical frames for queries, bad documents, bad variables and bad arguments', async () => {
    const cached = published(gw.services.bus, 'price:updated', (p) => p.id === 'BTC:EUR' && p.ask === '3.00000');
    gw.simulator.prices.controls.emitPrice('BTC', 'EUR', { ask: '3.00000', bid: '2.00000' });
    await cached;
    const ours = await rawClient(gw.server.wsUrl);
    const theirs = await rawClient(reference.url);
    await Promise.all([ours.init(), theirs.init()]);
    for (const op of OPERATIONS) {
      const [a, b] = await Promise.all([run(ours, op), run(theirs, op)]);
      expect(a, op.id).toEqual(b);
    }

    const live = `subscription { priceUpdated(filter: { pairs: [{ asset: "BTC", fiat: "EUR" }] }) { id ask bid mid spread change { id } } }`;
    ours.subscribe('live', live);
    theirs.subscribe('live', live);
    await listenerCount(gw.services.bus, 'price:updated', 2);
    gw.simulator.prices.controls.emitPrice('BTC', 'EUR', { ask: '4.00000', bid: '2.00000' });
    const [a, b] = await Promise.all([ours.frames.shift(), theirs.frames.shift()]);
    expect(a).toBe(b);
    for (const c of [ours, theirs]) c.send({ id: 'live', type: 'complete' });
    await listenerCount(gw.services.bus, 'price:updated', 0);
    await ours.close();
    await theirs.close();
  });
});
