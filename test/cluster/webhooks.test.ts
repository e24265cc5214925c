import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { redisKeys } from '../../src/cluster/redis-keys.js';
import { httpQuery } from '../helpers/clients.js';
import { FROM_START, delivered, logLine, received, subscribeAll, useTestCluster } from '../helpers/cluster.js';
import type { GatewayProcess } from '../helpers/process.js';
import { within } from '../helpers/queue.js';
import { describeRedis, hashField } from '../helpers/redis.js';
import { jwksOf, makeKey, signRequest, type SignedRequest, type TestKey } from '../webhooks/helpers.js';

const describe = await describeRedis();

const NOTIFICATIONS = `subscription($after: String) {
  notificationReceived(after: $after) { ... on Notification { id cursor rawType } }
}`;

const dir = mkdtempSync(join(tmpdir(), 'cluster-webhooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let key: TestKey;
let keysFile: string;
beforeAll(() => {
  key = makeKey('ed25519', 'bitpanda-ed');
  keysFile = join(dir, 'keys.json');
  writeFileSync(keysFile, jwksOf([key]));
});

const PUBLIC = 'https://gw.example.com/webhooks/bitpanda';
const hook = (gw: GatewayProcess, type: string): string => `${gw.graphqlUrl.replace(/\/graphql$/, '')}/webhooks/bitpanda/${type}`;

async function post(gw: GatewayProcess, type: string, request: SignedRequest): Promise<number> {
  const res = await fetch(hook(gw, type), { method: 'POST', headers: request.headers, body: request.body });
  await res.arrayBuffer();
  return res.status;
}

describe('cluster mode: webhooks', () => {
  const { startCluster, ws } = useTestCluster();

  it('a webhook on a follower is stored in the shared log and delivered once, in log order, on every replica; a replay on another replica is refused', async () => {
    const cluster = await startCluster({
      name: 'webhooks',
      simulator: { rest: { eventIntervalMs: 0 } },
      // behind one public URL (a load balancer): a request may land on any replica
      env: { EVENTS_SOURCE: 'both', BITPANDA_WEBHOOK_KEYS: keysFile, BITPANDA_WEBHOOK_URL: PUBLIC },
    });
    const leader = await cluster.spawn();
    await within(logLine(leader, 'leading the upstream'), 15_000, 'the first replica to lead');
    const follower = await cluster.spawn();
    const subs = subscribeAll([ws(leader.wsUrl), ws(follower.wsUrl)], NOTIFICATIONS, { after: FROM_START });

    const type = 'user.update';
    const payload = { action: 'verification', success: true, timestamp: 1671529439, user_id: 'u-follower' };
    const request = await signRequest({ url: `${PUBLIC}/${type}`, key, body: JSON.stringify({ params: payload }) });
    expect(await post(follower, type, request)).toBe(204);
    // the same signed bytes on the leader: an exact replay, refused by the shared replay protection
    expect(await post(leader, type, request)).toBe(401);
    // a retry under a fresh signature: 2xx, nothing new
    expect(await post(leader, type, await signRequest({ url: `${PUBLIC}/${type}`, key, nonce: randomUUID(), body: JSON.stringify({ params: payload }) }))).toBe(204);

    // its polled copy reaches the leader's poller: matched by content, stored as an alias only
    const polled = cluster.sim.rest.controls.addEvent(type, payload);
    const pushedId = await hashField(redisKeys(cluster.prefix).eventAliases, polled.id, () => true, {
      url: cluster.redisUrl,
      ms: 30_000,
      what: 'the polled copy to be stored as an alias of the pushed event',
    });
    expect(pushedId).toMatch(/^push:/);
    const { body } = await httpQuery(follower.graphqlUrl, `query($id: ID!) { notificationEvent(id: $id) { ... on Notification { id } } }`, { id: polled.id });
    expect(body).toEqual({ data: { notificationEvent: { id: pushedId } } });

    // a sentinel on the leader: had anything been delivered twice, it would not be the second
    const sentinel = { action: 'verification', success: false, timestamp: 2, user_id: 'u-sentinel' };
    expect(await post(leader, type, await signRequest({ url: `${PUBLIC}/${type}`, key, body: JSON.stringify({ params: sentinel }) }))).toBe(204);
    await Promise.all(subs.map((s) => delivered(s, 2)));
    const [onLeader, onFollower] = subs.map((s) => received(s));
    expect(onLeader).toHaveLength(2);
    expect(onLeader).toEqual(onFollower);
    expect(onLeader!.every((e) => e.id.startsWith('push:'))).toBe(true);
    expect(new Set(onLeader!.map((e) => e.id)).size).toBe(2);
  }, 120_000);
});
