import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import { httpQuery, wsClient, type TestSubscription } from '../helpers/clients.js';
import { listenersAtLeast } from '../helpers/bus-watch.js';
import { within } from '../helpers/queue.js';

const EVENT_FIELDS = `
  __typename
  ... on Notification { id type rawType createdAt userId cursor payload }
  ... on TopUpSuccessNotification { fiatAmount fiatSymbol reference }
  ... on UnknownNotification { payload }
`;
const STREAM = `subscription($types: [NotificationType!], $userId: ID, $after: String) {
  notificationReceived(types: $types, userId: $userId, after: $after) { ${EVENT_FIELDS} }
}`;

interface Event {
  __typename: string;
  id: string;
  type: string;
  rawType: string;
  userId: string | null;
  cursor: string;
  payload: unknown;
  [key: string]: unknown;
}

/** Collects `count` events from a subscription. */
async function take(sub: TestSubscription, count: number, what: string): Promise<Event[]> {
  const out: Event[] = [];
  await within(
    (async () => {
      while (out.length < count) out.push((await sub.nextData()).notificationReceived as Event);
    })(),
    20_000,
    what,
  );
  return out;
}

async function listeners(gw: TestGateway, count: number): Promise<void> {
  await listenersAtLeast(gw.services.bus, 'notification:received', count);
}

describe('notification events end to end', () => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw.stop();
    expect(await stopLeftovers()).toBe(0);
  });

  async function start(): Promise<TestGateway> {
    gw = await startTestGateway({ eventsPageSize: 5, eventsPollIntervalMs: 10 }, { simulator: { rest: { eventIntervalMs: 0 } } });
    return gw;
  }

  it('delivers live events typed, filtered by type and user, with payloads untouched and unknown ones kept', async () => {
    await start();
    const ws = wsClient(gw.server.wsUrl);
    const all = ws.subscribe(STREAM);
    const topUps = ws.subscribe(STREAM, { types: ['ACCOUNT_TOP_UP_SUCCESS', 'UNKNOWN'] });
    const user = ws.subscribe(STREAM, { userId: 'user-42' });
    await listeners(gw, 3);

    const rest = gw.simulator.rest.controls;
    const topUpPayload = { id: '1ed8065b-2a73-6b5e-b03f-2a65c999892d', type: 'deposit', reference: '7945045137', timestamp: 1671540979, fiat_amount: '25.00000000', fiat_symbol: 'EUR' };
    const e1 = rest.addEvent('account.top-up-success', topUpPayload);
    const e2 = rest.addEvent('user.update', { action: 'verification', success: true, timestamp: 1671529439, user_id: 'user-42' });
    const e3 = rest.injectUnknownType('user.brand-new-thing');
    const e4 = rest.injectInvalidPayload('user.update');

    const got = await take(all, 4, 'four live events');
    expect(got.map((e) => [e.__typename, e.id, e.type, e.rawType])).toEqual([
      ['TopUpSuccessNotification', e1.id, 'ACCOUNT_TOP_UP_SUCCESS', 'account.top-up-success'],
      ['UserUpdateNotification', e2.id, 'USER_UPDATE', 'user.update'],
      ['UnknownNotification', e3.id, 'UNKNOWN', 'user.brand-new-thing'],
      ['UnknownNotification', e4.id, 'USER_UPDATE', 'user.update'],
    ]);
    expect(got[0]!.fiatAmount).toBe('25.00000000');
    expect(got[0]!.payload).toEqual(topUpPayload);
    expect(got[1]!.userId).toBe('user-42');
    expect(got[2]!.payload).toEqual(JSON.parse(e3.payload));
    expect(got[3]!.payload).toBe(e4.payload);

    expect((await take(topUps, 2, 'filtered by type')).map((e) => e.id)).toEqual([e1.id, e3.id]);
    expect((await take(user, 1, 'filtered by user')).map((e) => e.id)).toEqual([e2.id]);
    for (const s of [all, topUps, user]) s.dispose();
    await ws.dispose();
  });

  it('pages the log as a Relay connection both ways, and finds one event by id', async () => {
    await start();
    const events = gw.simulator.rest.controls.addEvents(30);
    await within(
      (async () => {
        while ((await gw.services.store.events.lastSeq()) < 30) await gw.gateway.poller!.pollNow();
      })(),
      10_000,
      'the poller to store 30 events',
    );
    const ids = events.map((e) => e.id);
    const page = async (args: string) =>
      (await httpQuery(gw.server.graphqlUrl, `{ notificationEvents(${args}) { edges { cursor node { ... on Notification { id } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`)).body.data!.notificationEvents;

    const p1 = await page('first: 12');
    expect(p1.edges.map((e: any) => e.node.id)).toEqual(ids.slice(0, 12));
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const p2 = await page(`first: 12, after: "${p1.pageInfo.endCursor}"`);
    expect(p2.edges.map((e: any) => e.node.id)).toEqual(ids.slice(12, 24));
    expect(p2.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const p3 = await page(`first: 12, after: "${p2.pageInfo.endCursor}"`);
    expect(p3.edges.map((e: any) => e.node.id)).toEqual(ids.slice(24));
    expect(p3.pageInfo.hasNextPage).toBe(false);

    const newest = await page('last: 20');
    expect(newest.edges.map((e: any) => e.node.id)).toEqual(ids.slice(10));
    expect(newest.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const older = await page(`last: 20, before: "${newest.pageInfo.startCursor}"`);
    expect(older.edges.map((e: any) => e.node.id)).toEqual(ids.slice(0, 10));
    expect(older.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });

    const typed = events.filter((e) => e.type === 'user.crypto-action');
    const byType = await page('types: [USER_CRYPTO_ACTION], first: 50');
    expect(byType.edges.map((e: any) => e.node.id)).toEqual(typed.map((e) => e.id));

    const one = await httpQuery(
      gw.server.graphqlUrl,
      `query($id: ID!) { notificationEvent(id: $id) { __typename ... on CryptoActionNotification { id transactions { assetAmount direction } } } missing: notificationEvent(id: "nope") { __typename } }`,
      { id: typed[0]!.id },
    );
    expect(one.body.errors).toBeUndefined();
    expect(one.body.data!.notificationEvent.__typename).toBe('CryptoActionNotification');
    const payload = JSON.parse(typed[0]!.payload) as { transactions: Array<{ asset_amount: string; direction: string }> };
    expect(one.body.data!.notificationEvent.transactions).toEqual(payload.transactions.map((t) => ({ assetAmount: t.asset_amount, direction: t.direction })));
    expect(one.body.data!.missing).toBeNull();
  });

  it('replays after a cursor then goes live with no gap and no duplicate at the seam while events keep arriving', async () => {
    await start();
    const rest = gw.simulator.rest.controls;
    const ws = wsClient(gw.server.wsUrl);
    rest.addEvents(40);
    const live = ws.subscribe(STREAM);
    await listeners(gw, 1);
    const firstBatch = await take(live, 40, 'the first 40 events');
    const resumeFrom = firstBatch[9]!.cursor;

    // traffic keeps flowing while the replaying subscription starts
    const feeding = (async () => {
      for (let i = 0; i < 60; i++) {
        rest.addEvents(1);
        if (i % 5 === 0) await gw.gateway.poller!.pollNow();
        await new Promise((r) => setImmediate(r));
      }
    })();
    const resumed = ws.subscribe(STREAM, { after: resumeFrom });
    await feeding;
    const all = rest.events().map((e) => e.id);
    expect(all).toHaveLength(100);
    const replayed = await take(resumed, 90, 'replay then live');
    expect(replayed.map((e) => e.id)).toEqual(all.slice(10));
    expect(new Set(replayed.map((e) => e.cursor)).size).toBe(90);
    const liveAll = [...firstBatch, ...(await take(live, 60, 'live tail'))];
    expect(liveAll.map((e) => e.id)).toEqual(all);
    // the cursor of each delivered event resumes right after it
    const again = ws.subscribe(STREAM, { after: replayed[79]!.cursor });
    expect((await take(again, 10, 'resume from a delivered cursor')).map((e) => e.id)).toEqual(all.slice(90));
    for (const s of [live, resumed, again]) s.dispose();
    await ws.dispose();
  });
});
