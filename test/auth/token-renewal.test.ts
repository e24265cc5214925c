import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { keepSignedIn } from '../../examples/shared/token-renewal.js';
import { AsyncQueue, within } from '../helpers/queue.js';
import { startAuthGateway, type AuthGateway } from '../helpers/auth.js';
import { stopLeftovers } from '../helpers/gateway.js';
import { closeRawClients, type RawClient } from '../fanout/raw-client.js';
import { addEvent, codesOf, firstAnswer, framesOf, FROM_START, notificationListeners, signedIn, STREAM, waitEvents } from './helpers.js';

const AUTHENTICATE = 'mutation($token: String!) { authenticate(token: $token) { subject expiresAt } }';
const PRICES = 'subscription { priceUpdated(filter: { pairs: [{ asset: "BTC", fiat: "EUR" }] }) { id ask } }';

function closedYet(client: RawClient): () => boolean {
  let closed = false;
  void client.closed.then(() => (closed = true));
  return () => closed;
}

/** Resolves once subscription `id` delivered `count` prices. */
function pricesOn(client: RawClient, id: string, count: number): Promise<string> {
  let seen = 0;
  const isPrice = (text: string): boolean => {
    const f = JSON.parse(text) as { id?: string; type: string };
    return f.id === id && f.type === 'next' && ++seen >= count;
  };
  return within(client.frames.find(isPrice), 10_000, `${count} prices on ${id}`);
}

function askPrices(client: RawClient, id: string): string[] {
  return framesOf(client, id)
    .filter((f) => f.type === 'next')
    .map((f) => f.payload.data.priceUpdated.ask as string);
}

describe('token expiry and renewal on a live WebSocket', () => {
  let auth: AuthGateway;
  afterEach(async () => {
    await closeRawClients();
    await auth.stop();
    expect(await stopLeftovers()).toBe(0);
  });

  it('closes the socket with 4403 when its token expires', async () => {
    auth = await startAuthGateway();
    const a = await signedIn(auth, await auth.user('alice', 60));
    a.subscribe('live', STREAM);
    await notificationListeners(auth, 1);
    auth.clock.advance(59_000);
    const first = addEvent(auth, 'alice');
    expect(await waitEvents(a, 'live', 1)).toEqual([first]);
    auth.clock.advance(1_000);
    expect((await a.closed).code).toBe(4403);
    await notificationListeners(auth, 0);
  });

  it('renewed with the same subject before expiry, every subscription goes on with no gap and no duplicate', async () => {
    auth = await startAuthGateway();
    await auth.gw.gateway.priceSocket!.ready({ timeoutMs: 10_000 });
    // only the prices the test emits: the simulator's own tick of BTC/EUR would slip into a slow run
    auth.gw.simulator.prices.controls.stallAll(true);
    const a = await signedIn(auth, await auth.user('alice', 60));
    const isClosed = closedYet(a);
    a.subscribe('live', STREAM);
    a.subscribe('replay', STREAM, { after: FROM_START });
    a.subscribe('prices', PRICES);
    await notificationListeners(auth, 2);
    const emit = (ask: string) => void auth.gw.simulator.prices.controls.emitPrice('BTC', 'EUR', { ask, bid: '1.00000' });

    const before = addEvent(auth, 'alice');
    emit('100.00000');
    await waitEvents(a, 'replay', 1);
    await pricesOn(a, 'prices', 1);

    a.subscribe('renew', AUTHENTICATE, { token: await auth.user('alice', 600) });
    const renewed = await firstAnswer(a, 'renew');
    expect(renewed.payload.errors).toBeUndefined();
    expect(renewed.payload.data.authenticate.subject).toBe('alice');
    expect(Date.parse(renewed.payload.data.authenticate.expiresAt)).toBe(Math.floor(auth.clock.now() / 1000) * 1000 + 600_000);

    const between = addEvent(auth, 'alice');
    await waitEvents(a, 'live', 2);
    auth.clock.advance(61_000); // past the first token's expiry
    const after = addEvent(auth, 'alice');
    emit('101.00000');
    expect(await waitEvents(a, 'live', 3)).toEqual([before, between, after]);
    expect(await waitEvents(a, 'replay', 3)).toEqual([before, between, after]);
    await pricesOn(a, 'prices', 2);
    expect(askPrices(a, 'prices')).toEqual(['100.00000', '101.00000']);
    expect(isClosed()).toBe(false);

    auth.clock.advance(540_000); // the renewed token's expiry
    expect((await a.closed).code).toBe(4403);
  });

  it('refuses a renewal with another subject (FORBIDDEN), which changes nothing and never leaks an event', async () => {
    auth = await startAuthGateway();
    const a = await signedIn(auth, await auth.user('alice', 60));
    a.subscribe('live', STREAM);
    await notificationListeners(auth, 1);

    a.subscribe('renew', AUTHENTICATE, { token: await auth.user('bob', 600) });
    expect(codesOf(await firstAnswer(a, 'renew'))).toEqual(['FORBIDDEN']);
    a.subscribe('partner', AUTHENTICATE, { token: await auth.partner('alice') });
    expect(codesOf(await firstAnswer(a, 'partner'))).toEqual(['FORBIDDEN']);
    a.subscribe('bad', AUTHENTICATE, { token: 'not-a-token' });
    expect(codesOf(await firstAnswer(a, 'bad'))).toEqual(['UNAUTHENTICATED']);

    addEvent(auth, 'bob');
    const own = addEvent(auth, 'alice');
    expect(await waitEvents(a, 'live', 1)).toEqual([own]);
    auth.clock.advance(60_000); // the first token's expiry still holds
    expect((await a.closed).code).toBe(4403);
  });

  it('an anonymous socket cannot take a token later; over HTTP authenticate only checks it', async () => {
    auth = await startAuthGateway();
    const anonymous = await signedIn(auth, null);
    anonymous.subscribe('renew', AUTHENTICATE, { token: await auth.user('alice') });
    expect(codesOf(await firstAnswer(anonymous, 'renew'))).toEqual(['FORBIDDEN']);

    const res = await fetch(auth.gw.server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: AUTHENTICATE, variables: { token: await auth.user('alice', 120) } }),
    });
    const body = (await res.json()) as { data: { authenticate: { subject: string; expiresAt: string } } };
    expect(res.status).toBe(200);
    expect(body.data.authenticate.subject).toBe('alice');
  });

  it('the example renewal helper keeps a graphql-ws client signed in past its first token', async () => {
    auth = await startAuthGateway();
    let token = await auth.user('alice', 60);
    const closes: number[] = [];
    const client = createClient({
      url: auth.gw.server.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: () => ({ authorization: `Bearer ${token}` }),
      on: { closed: (event) => void closes.push((event as { code: number }).code) },
    });
    const events = new AsyncQueue<string>();
    const dispose = client.subscribe<{ notificationReceived: { id: string } }>(
      { query: STREAM },
      { next: (r) => r.data && events.push(r.data.notificationReceived.id), error: () => {}, complete: () => {} },
    );
    await notificationListeners(auth, 1);
    const renewed = new AsyncQueue<number>();
    const stop = keepSignedIn({
      client,
      refresh: async () => (token = await auth.user('alice', 600)),
      expiresAt: Date.now(),
      marginMs: 0,
      onRenewed: (at) => renewed.push(at),
      onError: () => renewed.push(Number.NaN),
    });
    try {
      expect(await within(renewed.shift(), 10_000, 'the renewal')).toBe(Math.floor(auth.clock.now() / 1000) * 1000 + 600_000);
      auth.clock.advance(120_000);
      const id = addEvent(auth, 'alice');
      expect(await within(events.shift(), 20_000, 'an event after the first expiry')).toBe(id);
      expect(closes).toEqual([]);
    } finally {
      stop();
      dispose();
      await client.dispose();
    }
  });
});
