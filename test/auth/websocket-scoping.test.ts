import { afterEach, describe, expect, it } from 'vitest';
import { startAuthGateway, type AuthGateway } from '../helpers/auth.js';
import { stopLeftovers } from '../helpers/gateway.js';
import { makeKey, mint } from '../helpers/jwks.js';
import { closeRawClients } from '../fanout/raw-client.js';
import { addEvent, codesOf, connectWith, firstAnswer, FROM_START, notificationListeners, openConnections, signedIn, STREAM, waitEvents } from './helpers.js';

describe('client authentication and per-user scoping over WebSocket', () => {
  let auth: AuthGateway;
  afterEach(async () => {
    expect(await closeRawClients()).toBeGreaterThanOrEqual(0);
    await auth.stop();
    expect(await stopLeftovers()).toBe(0);
  });

  it('two users at once each see only their own events, live and in replay; the partner sees every one; groups follow the scope', async () => {
    auth = await startAuthGateway();
    const [a, a2, b, partner] = await Promise.all([
      signedIn(auth, await auth.user('alice')),
      signedIn(auth, await auth.user('alice')),
      signedIn(auth, await auth.user('bob')),
      signedIn(auth, await auth.partner()),
    ]);
    a.subscribe('live', STREAM);
    a2.subscribe('live', STREAM);
    b.subscribe('live', STREAM);
    partner.subscribe('live', STREAM);
    // alice's two sockets share one group; bob and the partner have their own
    await notificationListeners(auth, 3);

    const a1 = addEvent(auth, 'alice');
    const b1 = addEvent(auth, 'bob');
    const account = addEvent(auth, null);
    const a2e = addEvent(auth, 'alice');
    expect(await waitEvents(partner, 'live', 4)).toEqual([a1, b1, account, a2e]);
    expect(await waitEvents(a, 'live', 2)).toEqual([a1, a2e]);
    expect(await waitEvents(a2, 'live', 2)).toEqual([a1, a2e]);
    expect(await waitEvents(b, 'live', 1)).toEqual([b1]);

    // replays (after:) run per subscription and are scoped the same way, then go on live
    a.subscribe('replay', STREAM, { after: FROM_START });
    b.subscribe('replay', STREAM, { after: FROM_START });
    partner.subscribe('bob-only', STREAM, { userId: 'bob', after: FROM_START });
    expect(await waitEvents(a, 'replay', 2)).toEqual([a1, a2e]);
    expect(await waitEvents(b, 'replay', 1)).toEqual([b1]);
    expect(await waitEvents(partner, 'bob-only', 1)).toEqual([b1]);
    await notificationListeners(auth, 6);
    const b2 = addEvent(auth, 'bob');
    const a3 = addEvent(auth, 'alice');
    expect(await waitEvents(partner, 'live', 6)).toEqual([a1, b1, account, a2e, b2, a3]);
    expect(await waitEvents(a, 'replay', 3)).toEqual([a1, a2e, a3]);
    expect(await waitEvents(a, 'live', 3)).toEqual([a1, a2e, a3]);
    expect(await waitEvents(b, 'replay', 2)).toEqual([b1, b2]);
    expect(await waitEvents(b, 'live', 2)).toEqual([b1, b2]);
    expect(await waitEvents(partner, 'bob-only', 2)).toEqual([b1, b2]);
  });

  it("refuses another user's userId (FORBIDDEN) and anonymous notifications, keeping the connection open", async () => {
    auth = await startAuthGateway();
    const a = await signedIn(auth, await auth.user('alice'));
    a.subscribe('foreign', STREAM, { userId: 'bob' });
    expect(codesOf(await firstAnswer(a, 'foreign'))).toEqual(['FORBIDDEN']);
    a.subscribe('own', STREAM, { userId: 'alice' });
    await notificationListeners(auth, 1);

    const anonymous = await signedIn(auth, null);
    anonymous.subscribe('n', STREAM);
    expect(codesOf(await firstAnswer(anonymous, 'n'))).toEqual(['FORBIDDEN']);
    anonymous.subscribe('q', '{ notificationEvent(id: "x") { __typename } upstream { __typename } }');
    expect(codesOf(await firstAnswer(anonymous, 'q'))).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    anonymous.subscribe('p', '{ prices { id } }');
    const prices = await firstAnswer(anonymous, 'p');
    expect(prices.type).toBe('next');
    expect(prices.payload.errors).toBeUndefined();

    const own = addEvent(auth, 'alice');
    expect(await waitEvents(a, 'own', 1)).toEqual([own]);
    expect(a.ws.readyState).toBe(a.ws.OPEN);
  });

  it('closes with 4403 at connection_init for a token that does not verify or has expired; reads the upgrade header too', async () => {
    auth = await startAuthGateway();
    const stranger = await makeKey('RS256', auth.key.kid);
    const forged = await connectWith(auth, await mint(stranger, { sub: 'alice' }));
    expect((await forged.closed).code).toBe(4403);
    const now = Math.floor(auth.clock.now() / 1000);
    const expired = await connectWith(auth, await mint(auth.key, { sub: 'alice' }, { iat: now - 3600, ttl: 60 }));
    expect(await expired.closed).toEqual({ code: 4403, reason: 'The token has expired' });
    const garbage = await connectWith(auth, 'not-a-jwt');
    expect((await garbage.closed).code).toBe(4403);

    const byHeader = await connectWith(auth, null, { authorization: `Bearer ${await auth.user('alice')}` });
    expect((await byHeader.next('connection_ack')).type).toBe('connection_ack');
    byHeader.subscribe('own', STREAM);
    await notificationListeners(auth, 1);
    addEvent(auth, 'bob');
    const mine = addEvent(auth, 'alice');
    expect(await waitEvents(byHeader, 'own', 1)).toEqual([mine]);
  });

  it('MAX_CONNECTIONS_PER_CLIENT caps open sockets per subject, and per IP address for anonymous clients', async () => {
    auth = await startAuthGateway({ maxConnectionsPerClient: 2 });
    const alice = await auth.user('alice');
    const [first] = await Promise.all([signedIn(auth, alice), signedIn(auth, alice)]);
    const third = await connectWith(auth, alice);
    expect((await third.closed).code).toBe(1008);
    await signedIn(auth, await auth.user('bob'));
    await Promise.all([signedIn(auth, null), signedIn(auth, null)]);
    expect((await (await connectWith(auth, null)).closed).code).toBe(1008);

    await first!.close();
    await openConnections(auth, 'subject:alice', 1);
    await signedIn(auth, alice);
  });
});
