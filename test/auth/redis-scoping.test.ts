import { afterEach, expect, it } from 'vitest';
import { startAuthGateway, type AuthGateway } from '../helpers/auth.js';
import { stopLeftovers } from '../helpers/gateway.js';
import { cleanupPrefix, describeRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { closeRawClients } from '../fanout/raw-client.js';
import { addEvent, FROM_START, notificationListeners, post, signedIn, storedEvents, STREAM, waitEvents } from './helpers.js';

const PAGE = `query($first: Int, $after: String, $last: Int, $types: [NotificationType!]) {
  notificationEvents(first: $first, after: $after, last: $last, types: $types) {
    edges { cursor node { ... on Notification { id } } }
    pageInfo { hasNextPage hasPreviousPage }
  }
}`;

const describe = await describeRedis();

describe('per-user scoping on the Redis event log (cluster mode)', () => {
  let auth: AuthGateway;
  let prefix: string;
  afterEach(async () => {
    await closeRawClients();
    await auth.stop();
    await cleanupPrefix(prefix);
    expect(await stopLeftovers()).toBe(0);
  });

  it("pages, replays and streams only the user's own events, read from the user's index", async () => {
    prefix = uniquePrefix('auth-scoping');
    auth = await startAuthGateway({ redisUrl: TEST_REDIS_URL, redisKeyPrefix: prefix });
    const [alice, partner] = await Promise.all([auth.user('alice'), auth.partner()]);
    const a1 = addEvent(auth, 'alice');
    addEvent(auth, 'bob');
    addEvent(auth, null);
    const a2 = addEvent(auth, 'alice');
    addEvent(auth, 'bob');
    await storedEvents(auth, 5);
    expect((await post(auth, PAGE, { first: 10 }, partner)).body.data.notificationEvents.edges).toHaveLength(5);

    const page = async (variables: Record<string, unknown>) => (await post(auth, PAGE, variables, alice)).body.data.notificationEvents;
    const ids = (p: any): string[] => p.edges.map((e: any) => e.node.id);
    const first = await page({ first: 1 });
    expect([ids(first), first.pageInfo]).toEqual([[a1], { hasNextPage: true, hasPreviousPage: false }]);
    const second = await page({ first: 1, after: first.edges[0].cursor });
    expect([ids(second), second.pageInfo]).toEqual([[a2], { hasNextPage: false, hasPreviousPage: true }]);
    expect(ids(await page({ last: 5, types: ['USER_UPDATE'] }))).toEqual([a1, a2]);

    const socket = await signedIn(auth, alice);
    socket.subscribe('replay', STREAM, { after: FROM_START });
    expect(await waitEvents(socket, 'replay', 2)).toEqual([a1, a2]);
    await notificationListeners(auth, 1);
    addEvent(auth, 'bob');
    const a3 = addEvent(auth, 'alice');
    expect(await waitEvents(socket, 'replay', 3)).toEqual([a1, a2, a3]);
  });
});
