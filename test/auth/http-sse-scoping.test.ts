import { createClient as createSseClient, NetworkError } from 'graphql-sse';
import { afterEach, describe, expect, it } from 'vitest';
import { startAuthGateway, type AuthGateway } from '../helpers/auth.js';
import { stopLeftovers } from '../helpers/gateway.js';
import { makeKey, mint } from '../helpers/jwks.js';
import { AsyncQueue, within } from '../helpers/queue.js';
import { addEvent, FROM_START, notificationListeners, openConnections, post, storedEvents, STREAM } from './helpers.js';

const PAGE = `query($first: Int, $after: String, $last: Int, $before: String, $userId: ID) {
  notificationEvents(first: $first, after: $after, last: $last, before: $before, userId: $userId) {
    edges { cursor node { ... on Notification { id userId } } }
    pageInfo { hasNextPage hasPreviousPage }
  }
}`;
const ONE = 'query($id: ID!) { notificationEvent(id: $id) { ... on Notification { id } } }';

type Sse = { events: AsyncQueue<any>; dispose(): void };

function sse(auth: AuthGateway, query: string, variables: Record<string, unknown>, token: string | null): Sse {
  const client = createSseClient({ url: auth.gw.server.graphqlUrl, retryAttempts: 0, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const events = new AsyncQueue<any>();
  const stop = client.subscribe({ query, variables }, { next: (v) => events.push(v), error: (e) => events.push({ failed: e }), complete: () => events.push({ complete: true }) });
  return { events, dispose: () => (stop(), client.dispose()) };
}

async function sseIds(stream: Sse, count: number): Promise<string[]> {
  const out: string[] = [];
  await within(
    (async () => {
      while (out.length < count) {
        const value = await stream.events.shift();
        if (!value.data) throw new Error(`expected an event, got ${JSON.stringify(value)}`);
        out.push(value.data.notificationReceived.id);
      }
    })(),
    20_000,
    `${count} SSE events`,
  );
  return out;
}

describe('client authentication and per-user scoping over HTTP and SSE', () => {
  let auth: AuthGateway;
  const streams: Sse[] = [];
  afterEach(async () => {
    for (const s of streams.splice(0)) s.dispose();
    await auth.stop();
    expect(await stopLeftovers()).toBe(0);
  });
  const open = (...args: Parameters<typeof sse>): Sse => {
    const s = sse(...args);
    streams.push(s);
    return s;
  };

  it('refuses a token that does not verify or has expired with 401 UNAUTHENTICATED, before anything else', async () => {
    auth = await startAuthGateway();
    const stranger = await makeKey('ES256', 'someone-else');
    const forged = await mint(stranger, { sub: 'alice' });
    const now = Math.floor(auth.clock.now() / 1000);
    const expired = await mint(auth.key, { sub: 'alice' }, { iat: now - 3600, ttl: 60 });
    for (const token of [forged, expired, 'abc.def']) {
      const res = await post(auth, '{ prices { id } }', undefined, token);
      expect(res.status).toBe(401);
      expect(res.codes).toEqual(['UNAUTHENTICATED']);
      expect(JSON.stringify(res.body)).not.toContain(token.split('.')[1]!);
    }
    // even a document that does not parse: the token is refused first
    expect((await post(auth, '{ prices {', undefined, expired)).status).toBe(401);
    expect((await post(auth, '{ prices { id } }', undefined, null, { authorization: 'Basic dTpw' })).status).toBe(401);

    const refused = open(auth, STREAM, {}, expired);
    const failure = await within(refused.events.shift(), 10_000, 'the SSE refusal');
    expect(failure.failed).toBeInstanceOf(NetworkError);
    expect((failure.failed as NetworkError).response?.status).toBe(401);
  });

  it('anonymous clients get prices only (AUTH_ANONYMOUS=prices): everything else is FORBIDDEN', async () => {
    auth = await startAuthGateway();
    expect((await post(auth, '{ prices { id } priceChanges { id } price(asset: "BTC", fiat: "EUR") { id } __typename }')).codes).toEqual([]);
    const forbidden = await post(auth, '{ notificationEvents { edges { cursor } } }');
    expect(forbidden.codes).toEqual(['FORBIDDEN']);
    expect(forbidden.body.data ?? null).toBeNull();
    expect((await post(auth, 'query { ...F } fragment F on Query { upstream { __typename } }')).codes).toEqual(['FORBIDDEN']);
    const stream = open(auth, STREAM, {}, null);
    const refused = await within(stream.events.shift(), 10_000, 'the SSE answer');
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a user reads only its own events: pages of the filtered log, single events, a foreign userId FORBIDDEN; the partner reads all', async () => {
    auth = await startAuthGateway();
    const [alice, bob, partner] = await Promise.all([auth.user('alice'), auth.user('bob'), auth.partner()]);
    const ids = [addEvent(auth, 'alice'), addEvent(auth, 'bob'), addEvent(auth, null), addEvent(auth, 'alice'), addEvent(auth, 'bob'), addEvent(auth, 'alice')];
    const [a1, b1, account, a2, , a3] = ids;
    await storedEvents(auth, 6);

    const page = async (token: string, variables: Record<string, unknown>) => (await post(auth, PAGE, variables, token)).body.data.notificationEvents;
    const nodes = (p: any): string[] => p.edges.map((e: any) => e.node.id);
    const p1 = await page(alice, { first: 1 });
    expect([nodes(p1), p1.pageInfo]).toEqual([[a1], { hasNextPage: true, hasPreviousPage: false }]);
    const p2 = await page(alice, { first: 1, after: p1.edges[0].cursor });
    expect([nodes(p2), p2.pageInfo]).toEqual([[a2], { hasNextPage: true, hasPreviousPage: true }]);
    const p3 = await page(alice, { first: 5, after: p2.edges[0].cursor });
    expect([nodes(p3), p3.pageInfo]).toEqual([[a3], { hasNextPage: false, hasPreviousPage: true }]);
    const newest = await page(alice, { last: 2 });
    expect([nodes(newest), newest.pageInfo]).toEqual([[a2, a3], { hasNextPage: false, hasPreviousPage: true }]);
    expect(nodes(await page(alice, { userId: 'alice' }))).toEqual([a1, a2, a3]);
    expect((await post(auth, PAGE, { userId: 'bob' }, alice)).codes).toEqual(['FORBIDDEN']);

    expect((await post(auth, ONE, { id: a1 }, alice)).body.data.notificationEvent).toEqual({ id: a1 });
    expect((await post(auth, ONE, { id: b1 }, alice)).body.data.notificationEvent).toBeNull();
    expect((await post(auth, ONE, { id: account }, alice)).body.data.notificationEvent).toBeNull();
    expect((await post(auth, ONE, { id: account }, partner)).body.data.notificationEvent).toEqual({ id: account });

    expect(nodes(await page(partner, { first: 10 }))).toEqual(ids);
    expect(nodes(await page(partner, { userId: 'bob' }))).toEqual([b1, ids[4]]);
    expect(nodes(await page(bob, {}))).toEqual([b1, ids[4]]);
  });

  it('SSE streams are scoped per user, live and in replay, and count against MAX_CONNECTIONS_PER_CLIENT', async () => {
    auth = await startAuthGateway({ maxConnectionsPerClient: 2 });
    const [alice, bob, partner] = await Promise.all([auth.user('alice'), auth.user('bob'), auth.partner()]);
    const a1 = addEvent(auth, 'alice');
    const b1 = addEvent(auth, 'bob');
    await storedEvents(auth, 2);
    expect((await post(auth, PAGE, { first: 10 }, partner)).body.data.notificationEvents.edges).toHaveLength(2);

    const aLive = open(auth, STREAM, {}, alice);
    const aReplay = open(auth, STREAM, { after: FROM_START }, alice);
    const bLive = open(auth, STREAM, {}, bob);
    expect(await sseIds(aReplay, 1)).toEqual([a1]);
    await notificationListeners(auth, 3);
    const a2 = addEvent(auth, 'alice');
    const b2 = addEvent(auth, 'bob');
    expect(await sseIds(aLive, 1)).toEqual([a2]);
    expect(await sseIds(aReplay, 1)).toEqual([a2]);
    expect(await sseIds(bLive, 1)).toEqual([b2]);
    void b1;

    const third = open(auth, STREAM, {}, alice);
    const refused = await within(third.events.shift(), 10_000, 'the third stream');
    expect((refused.failed as NetworkError).response?.status).toBe(429);
    expect(auth.gw.services.auth.connections.count('subject:alice')).toBe(2);
    aLive.dispose();
    await openConnections(auth, 'subject:alice', 1);
  });
});
