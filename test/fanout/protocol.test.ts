import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from 'graphql-ws';
import { WsCloseCode } from '../../src/server/fanout/close-codes.js';
import { startTestGateway, stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import { within } from '../helpers/queue.js';
import { listenerCount, published } from '../helpers/bus-watch.js';
import { closeRawClients, rawClient, type RawClient } from './raw-client.js';

const PRICE = `subscription($pair: PairInput!) { priceUpdated(filter: { pairs: [$pair] }) { id ask } }`;
const BTC = { pair: { asset: 'BTC', fiat: 'EUR' } };
const ETH = { pair: { asset: 'ETH', fiat: 'EUR' } };

describe('graphql-transport-ws conformance on the raw ws library', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ wsConnectionInitTimeoutMs: 300 });
    await gw.gateway.priceSocket!.ready({ timeoutMs: 10_000 });
  });
  afterEach(async () => {
    expect(await closeRawClients()).toBe(0);
  });
  afterAll(async () => {
    await gw.stop();
    expect(await stopLeftovers()).toBe(0);
  });

  const listeners = (n: number) => listenerCount(gw.services.bus, 'price:updated', n);

  it('uses the close codes graphql-ws defines', () => {
    for (const name of Object.keys(CloseCode).filter((k) => Number.isNaN(Number(k)))) {
      if (name in WsCloseCode) expect(WsCloseCode[name as keyof typeof WsCloseCode], name).toBe(CloseCode[name as keyof typeof CloseCode]);
    }
    expect(WsCloseCode.SlowConsumer).toBe(1013);
  });

  it('acknowledges connection_init and answers ping with pong, payload echoed only when given', async () => {
    const c = await rawClient(gw.server.wsUrl);
    c.send({ type: 'connection_init', payload: { token: 'x' } });
    expect(await within(c.frames.shift(), 5000, 'ack')).toBe('{"type":"connection_ack"}');
    c.send({ type: 'ping' });
    expect(await within(c.frames.shift(), 5000, 'pong')).toBe('{"type":"pong"}');
    c.send({ type: 'ping', payload: { at: 1 } });
    expect(await within(c.frames.shift(), 5000, 'pong with payload')).toBe('{"type":"pong","payload":{"at":1}}');
    c.send({ type: 'pong' });
    c.send({ type: 'ping' });
    expect(await within(c.frames.shift(), 5000, 'pong after a pong')).toBe('{"type":"pong"}');
    await c.close();
  });

  type Act = (c: RawClient) => void;
  it.each<[string, number, string, Act]>([
    ['subscribe before the ack', 4401, 'Unauthorized', (c) => c.subscribe('1', PRICE, BTC)],
    ['text that is not JSON', 4400, 'Invalid message received', (c) => c.send('{nope')],
    ['an unknown message type', 4400, 'Invalid message received', (c) => c.send({ type: 'bogus' })],
    ['a subscribe without an id', 4400, 'Invalid message received', (c) => c.send({ type: 'subscribe', payload: { query: '{ __typename }' } })],
  ])('closes on %s with %i %s', async (_name, code, reason, act) => {
    const c = await rawClient(gw.server.wsUrl);
    act(c);
    expect(await within(c.closed, 5000, 'the close')).toEqual({ code, reason });
    await c.close();
  });

  it('closes on a second connection_init (4429), a duplicate id (4409), a server-only message (4500)', async () => {
    const a = await rawClient(gw.server.wsUrl);
    await a.init();
    a.send({ type: 'connection_init' });
    expect(await within(a.closed, 5000, '4429')).toEqual({ code: 4429, reason: 'Too many initialisation requests' });
    const b = await rawClient(gw.server.wsUrl);
    await b.init();
    b.subscribe('same', PRICE, BTC);
    await listeners(1);
    b.subscribe('same', PRICE, ETH);
    expect(await within(b.closed, 5000, '4409')).toEqual({ code: 4409, reason: 'Subscriber for same already exists' });
    await listeners(0);
    const c = await rawClient(gw.server.wsUrl);
    await c.init();
    c.send({ type: 'next', id: 'x', payload: {} });
    expect((await within(c.closed, 5000, '4500')).code).toBe(4500);
    for (const x of [a, b, c]) await x.close();
  });

  it('closes with 4408 when connection_init does not come in time, and 4406 without the subprotocol', async () => {
    const slow = await rawClient(gw.server.wsUrl);
    expect(await within(slow.closed, 5000, '4408')).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
    // no subprotocol offered (a client offering only others fails on its own side)
    const other = await rawClient(gw.server.wsUrl, []);
    expect(await within(other.closed, 5000, '4406')).toEqual({ code: 4406, reason: 'Subprotocol not acceptable' });
    for (const x of [slow, other]) await x.close();
  });

  it('frames next/complete exactly as graphql-ws, stops a completed subscription, and keeps the connection on bad operations', async () => {
    const c = await rawClient(gw.server.wsUrl);
    await c.init();
    const cached = published(gw.services.bus, 'price:updated', (p) => p.id === 'BTC:EUR' && p.ask === '10.00000');
    gw.simulator.prices.controls.emitPrice('BTC', 'EUR', { ask: '10.00000', bid: '9.00000' });
    await cached;
    c.subscribe('q', '{ price(asset: "BTC", fiat: "EUR") { id ask } }');
    expect(await within(c.frames.shift(), 5000, 'query result')).toBe(
      JSON.stringify({ id: 'q', type: 'next', payload: { data: { price: { id: 'BTC:EUR', ask: '10.00000' } } } }),
    );
    expect(await within(c.frames.shift(), 5000, 'complete')).toBe('{"id":"q","type":"complete"}');

    c.subscribe('bad', 'subscription { priceUpdated { nope } }');
    const error = await c.next('validation error');
    expect(error).toMatchObject({ id: 'bad', type: 'error', payload: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    c.subscribe('filter', PRICE, { pair: { asset: 'B T C', fiat: 'EUR' } });
    expect(await c.next('filter error')).toMatchObject({ id: 'filter', type: 'next', payload: { errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] } });
    expect(await c.next('filter complete')).toEqual({ id: 'filter', type: 'complete' });

    c.subscribe('a', PRICE, BTC);
    c.subscribe('b', PRICE, ETH);
    await listeners(2);
    gw.simulator.prices.controls.emitPrice('BTC', 'EUR', { ask: '11.00000', bid: '9.00000' });
    expect(await within(c.frames.shift(), 5000, 'a price')).toBe(
      JSON.stringify({ id: 'a', type: 'next', payload: { data: { priceUpdated: { id: 'BTC:EUR', ask: '11.00000' } } } }),
    );
    c.send({ id: 'a', type: 'complete' });
    await listeners(1);
    gw.simulator.prices.controls.emitPrice('BTC', 'EUR', { ask: '12.00000', bid: '9.00000' });
    gw.simulator.prices.controls.emitPrice('ETH', 'EUR', { ask: '13.00000', bid: '9.00000' });
    // nothing for `a` (not even a complete): the next frame is b's
    expect(await c.next('b price')).toEqual({ id: 'b', type: 'next', payload: { data: { priceUpdated: { id: 'ETH:EUR', ask: '13.00000' } } } });
    // a completed id may be used again
    c.subscribe('a', PRICE, BTC);
    await listeners(2);
    gw.simulator.prices.controls.emitPrice('BTC', 'EUR', { ask: '14.00000', bid: '9.00000' });
    expect(await c.next('a again')).toEqual({ id: 'a', type: 'next', payload: { data: { priceUpdated: { id: 'BTC:EUR', ask: '14.00000' } } } });
    expect(c.frames.pending).toBe(0);
    expect(c.binaryFrames()).toBe(0);
    await c.close();
    await listeners(0);
  });
});

describe('permessage-deflate (WS_COMPRESSION)', () => {
  afterEach(async () => {
    expect(await closeRawClients()).toBe(0);
    expect(await stopLeftovers()).toBe(0);
  });

  it('is off by default and, when on, negotiated and delivering shared frames intact', async () => {
    for (const wsCompression of [false, true]) {
      const gw = await startTestGateway({ wsCompression });
      await gw.gateway.priceSocket!.ready({ timeoutMs: 10_000 });
      const c = await rawClient(gw.server.wsUrl);
      expect(c.ws.extensions.includes('permessage-deflate'), `compression ${wsCompression}`).toBe(wsCompression);
      await c.init();
      const wide = Array.from({ length: 100 }, (_, i) => `m${i}: mid`).join(' ');
      c.subscribe('w', `subscription { priceUpdated(filter: { pairs: [{ asset: "BTC", fiat: "EUR" }] }) { id ask ${wide} } }`);
      await listenerCount(gw.services.bus, 'price:updated', 1);
      gw.simulator.prices.controls.emitPrice('BTC', 'EUR', { ask: '8.00000', bid: '6.00000' });
      const frame = await c.next('a compressed frame');
      expect(frame.payload.data.priceUpdated).toMatchObject({ id: 'BTC:EUR', ask: '8.00000', m0: '7.00000', m99: '7.00000' });
      expect(c.binaryFrames()).toBe(0);
      await c.close();
      await gw.stop();
    }
  });
});
