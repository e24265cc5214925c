import { join } from 'node:path';
import { Writable } from 'node:stream';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { NOTIFICATION_REGISTRY } from '../../src/domain/notification-registry.js';
import { createLogger } from '../../src/logger.js';
import { metricValue } from '../../src/metrics/series.js';
import { NOTIFICATION_FIXTURES, notificationRecord, type NotificationFixtureName } from '../fixtures/notifications.js';
import { wsClient, type TestSubscription, type TestWsClient } from '../helpers/clients.js';
import { startTestGateway, stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import { listenersAtLeast } from '../helpers/bus-watch.js';
import { within } from '../helpers/queue.js';
import { useTmpStores } from '../helpers/tmp-store.js';
import { digestOf, keySetOf, makeKey, signRequest, type SignedRequest, type TestKey } from './helpers.js';

/**
 * The webhook route of a running gateway (real sockets, a real SQLite file), with requests
 * signed by an independent RFC 9421 implementation: refusals store nothing, accepted pushes are
 * durable before their 204 and reach subscribers typed and once, whichever source came first.
 */

const tmp = useTmpStores();
let gw: TestGateway | null = null;
const clients: TestWsClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await gw?.stop();
  gw = null;
  expect(await stopLeftovers()).toBe(0);
});

let p256: TestKey;
let stranger: TestKey;
beforeAll(() => {
  p256 = makeKey('ecdsa-p256-sha256', 'bitpanda-p256');
  stranger = makeKey('ecdsa-p256-sha256', 'bitpanda-p256');
});

const STREAM = `subscription { notificationReceived { __typename ... on Notification { id type rawType payload } } }`;

interface Delivered {
  __typename: string;
  id: string;
  rawType: string;
  payload: unknown;
}

async function start(overrides: Partial<Config> = {}, logLines?: string[]): Promise<TestGateway> {
  const logger = logLines
    ? createLogger({ level: 'info', destination: new Writable({ write: (chunk: Buffer, _e, done) => (logLines.push(chunk.toString()), done()) }) })
    : undefined;
  gw = await startTestGateway(
    { eventsSource: 'webhook', webhookKeys: keySetOf([p256]), databasePath: join(tmp.dir, 'gateway.sqlite'), ...overrides },
    { simulator: { rest: { eventIntervalMs: 0 } }, ...(logger ? { logger } : {}) },
  );
  return gw;
}

function hookUrl(type: string): string {
  return `${gw!.server.url}/webhooks/bitpanda/${type}`;
}

function sign(type: string, payload: string, options: Partial<Parameters<typeof signRequest>[0]> = {}): Promise<SignedRequest> {
  return signRequest({ url: hookUrl(type), key: p256, body: `{"params":${payload}}`, nonce: Math.random().toString(36).slice(2), ...options });
}

async function post(type: string, request: SignedRequest): Promise<{ status: number; body: string; retryAfter: string | null }> {
  const res = await fetch(hookUrl(type), { method: request.method, headers: request.headers, body: request.body });
  return { status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') };
}

async function stored(): Promise<string[]> {
  return (await gw!.services.store.events.list({ limit: 10_000, direction: 'forward' })).map((r) => r.payloadText);
}

async function subscribe(): Promise<TestSubscription> {
  const client = wsClient(gw!.server.wsUrl);
  clients.push(client);
  const sub = client.subscribe(STREAM);
  await listenersAtLeast(gw!.services.bus, 'notification:received', 1);
  return sub;
}

async function take(sub: TestSubscription, count: number): Promise<Delivered[]> {
  const out: Delivered[] = [];
  await within(
    (async () => {
      while (out.length < count) out.push((await sub.nextData()).notificationReceived as Delivered);
    })(),
    20_000,
    `${count} notifications`,
  );
  return out;
}

const PAYLOAD = NOTIFICATION_FIXTURES.topUpSuccess.payload;
const TYPE = NOTIFICATION_FIXTURES.topUpSuccess.type;

describe('webhook route: refusals', () => {
  it('answers 401, 400 and 413 as the contract says, stores and delivers nothing, and logs no signature material or payload', async () => {
    const lines: string[] = [];
    await start({ maxRequestBytes: 2048 }, lines);
    const sub = await subscribe();
    const good = await sign(TYPE, PAYLOAD);
    const tampered = { ...(await sign(TYPE, PAYLOAD)), body: `{"params":${PAYLOAD.replace('25.00', '99.00')}}` };
    const cases: Array<[string, SignedRequest, number, string]> = [
      ['no signature', { method: 'POST', headers: { 'content-type': 'application/json', 'content-digest': digestOf(good.body) }, body: good.body }, 401, 'signature-missing'],
      ['an unknown key', await signRequest({ url: hookUrl(TYPE), key: stranger, body: good.body }), 401, 'signature-invalid'],
      ['a stale created', await sign(TYPE, PAYLOAD, { created: new Date(Date.now() - 400_000) }), 401, 'signature-expired'],
      ['a tampered body', tampered, 401, 'digest-mismatch'],
      ['no content-digest covered', await sign(TYPE, PAYLOAD, { fields: ['@method', '@target-uri'] }), 401, 'signature-policy'],
      ['a body that is not {"params": {...}}', await sign(TYPE, '[1,2]', { body: '{"param":{"a":1}}' }), 400, 'bad-body'],
      ['params not an object', await sign(TYPE, '"text"'), 400, 'bad-body'],
      ['a body over MAX_REQUEST_BYTES', await sign(TYPE, JSON.stringify({ pad: 'x'.repeat(3000) })), 413, 'too-large'],
    ];
    for (const [what, request, status, reason] of cases) {
      const answer = await post(TYPE, request);
      expect({ what, status: answer.status, reason: (JSON.parse(answer.body) as { error: string }).error }).toEqual({ what, status, reason });
    }
    expect(await stored()).toEqual([]);

    // an exact replay of an accepted request: 401, and still one event
    expect((await post(TYPE, good)).status).toBe(204);
    const replay = await post(TYPE, good);
    expect([replay.status, (JSON.parse(replay.body) as { error: string }).error]).toEqual([401, 'signature-replayed']);
    expect(await stored()).toEqual([PAYLOAD]);
    const [only] = await take(sub, 1);
    expect(only!.rawType).toBe(TYPE);
    expect(sub.messages.pending).toBe(0);

    const log = lines.join('');
    for (const request of [good, tampered]) {
      expect(log).not.toContain(/:([^:]+):/.exec(request.headers.Signature ?? request.headers.signature ?? '')![1]);
      expect(log).not.toContain(request.headers['Signature-Input'] ?? request.headers['signature-input']);
    }
    expect(log).not.toContain('7945045137');
    expect(log).toContain('webhook refused');
  });

  it('answers 503 with Retry-After while the store cannot write, stores nothing, and takes the same request again after', async () => {
    await start();
    const request = await sign(TYPE, PAYLOAD);
    const locker = new BetterSqlite3(join(tmp.dir, 'gateway.sqlite'));
    locker.pragma('busy_timeout = 0');
    locker.exec('BEGIN IMMEDIATE');
    let refused: Awaited<ReturnType<typeof post>>;
    try {
      gw!.services.store.events.pollCursor(); // reads still work
      refused = await post(TYPE, request);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    expect([refused.status, refused.retryAfter, (JSON.parse(refused.body) as { error: string }).error]).toEqual([503, '5', 'store-unavailable']);
    expect(await stored()).toEqual([]);
    // the sender retries the very same bytes: not a replay, since nothing was accepted
    expect((await post(TYPE, request)).status).toBe(204);
    expect(await stored()).toEqual([PAYLOAD]);
    expect(await metricValue(gw!.services.metrics.registry, 'bitpanda_webhooks_refused_total', { reason: 'store-unavailable' })).toBe(1);
  });

  it('has no webhook route when EVENTS_SOURCE=poll', async () => {
    await start({ eventsSource: 'poll' });
    expect((await post(TYPE, await sign(TYPE, PAYLOAD))).status).toBe(404);
    expect(await stored()).toEqual([]);
  });
});

describe('webhook route: accepted pushes', () => {
  it('delivers every documented type by webhook, typed, with its payload untouched, and times the accept', async () => {
    await start();
    const sub = await subscribe();
    const names = (Object.keys(NOTIFICATION_FIXTURES) as NotificationFixtureName[]).filter((n) => n !== 'invalidJson');
    for (const name of names) {
      const { type, payload } = NOTIFICATION_FIXTURES[name];
      expect((await post(type, await sign(type, payload))).status).toBe(204);
    }
    const got = await take(sub, names.length);
    expect(got.map((e) => [e.__typename, e.rawType, e.payload])).toEqual(
      names.map((n) => [NOTIFICATION_REGISTRY.decode(notificationRecord(n)).kind, NOTIFICATION_FIXTURES[n].type, JSON.parse(NOTIFICATION_FIXTURES[n].payload)]),
    );
    expect(got.filter((e) => e.__typename === 'UnknownNotification')).toHaveLength(1);
    expect(got.every((e) => e.id.startsWith('push:'))).toBe(true);
    const text = await gw!.services.metrics.render();
    expect(text).toMatch(new RegExp(`bitpanda_webhook_accept_duration_seconds_count\\{outcome="stored"\\} ${names.length}\\b`));
  });

  it('stores 200 concurrent webhooks, answers each 204 and delivers each once', async () => {
    await start();
    const sub = await subscribe();
    const payloads = Array.from({ length: 200 }, (_, i) => JSON.stringify({ id: `burst-${i}`, user_id: `u-${i % 7}`, fiat_amount: `${i}.50`, fiat_symbol: 'EUR' }));
    const requests = await Promise.all(payloads.map((p) => sign(TYPE, p)));
    const answers = await Promise.all(requests.map((r) => post(TYPE, r)));
    expect(answers.map((a) => a.status)).toEqual(payloads.map(() => 204));
    expect((await stored()).sort()).toEqual([...payloads].sort());
    // a sentinel after the burst: had anything been delivered twice, it would not be the 201st
    expect((await post(TYPE, await sign(TYPE, '{"id":"sentinel"}'))).status).toBe(204);
    const got = await take(sub, 201);
    expect(new Set(got.slice(0, 200).map((e) => JSON.stringify(e.payload))).size).toBe(200);
    expect(got[200]!.payload).toEqual({ id: 'sentinel' });
  });
});

describe('both sources on the same events', () => {
  it('delivers each once, pushed then polled and polled then pushed; the polled id finds the pushed event', async () => {
    await start({ eventsSource: 'both', eventsPollIntervalMs: 600_000 });
    const sim = gw!.simulator;
    sim.webhooks.controls.pause(true);
    const poller = gw!.gateway.poller!;
    await poller.waitForIdle();
    const sub = await subscribe();

    // pushed first (signed by the simulator, whose keys the gateway trusts on it), then polled
    const first = sim.rest.controls.addEvent('user.update', { action: 'verification', success: true, timestamp: 1671529439, user_id: 'u-1' });
    expect((await sim.webhooks.controls.push(first.type, first.payload)).status).toBe(204);
    await poller.pollNow();
    // polled first, then pushed: the push is a retry of a stored notification (2xx, nothing new)
    const second = sim.rest.controls.addEvent('account.top-up-success', JSON.parse(PAYLOAD) as Record<string, unknown>);
    await poller.pollNow();
    expect((await sim.webhooks.controls.push(second.type, second.payload)).status).toBe(204);
    // a sentinel: had either been delivered twice, it would not be the third
    const third = sim.rest.controls.addEvent('user.update', { action: 'verification', success: false, timestamp: 1, user_id: 'u-3' });
    await poller.pollNow();

    const got = await take(sub, 3);
    expect(got.map((e) => e.rawType)).toEqual([first.type, second.type, third.type]);
    expect(got[0]!.id).toMatch(/^push:[0-9a-f]{32}$/);
    expect(got.slice(1).map((e) => e.id)).toEqual([second.id, third.id]);
    expect(await gw!.services.store.events.lastSeq()).toBe(3);
    expect((await gw!.services.store.events.get(first.id))?.id).toBe(got[0]!.id);
  });

  it('the simulator pushes its events at once and its fault controls answer at POST /__sim/webhooks/<control>: each fault refused, nothing stored', async () => {
    await start({ eventsSource: 'both', eventsPollIntervalMs: 600_000 });
    const sim = gw!.simulator;
    await gw!.gateway.poller!.waitForIdle();
    const control = async (name: string, body: Record<string, unknown> = {}) => {
      const res = await fetch(`${sim.url}/__sim/webhooks/${name}`, { method: 'POST', body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as { result: any } };
    };
    const sub = await subscribe();
    // an event added to the simulator is pushed at once: delivered before any poll
    const pushed = await control('push', { type: 'user.update', payload: { action: 'verification', success: true, timestamp: 5, user_id: 'u-9' } });
    expect(pushed.body.result.result.status).toBe(204);
    const [live] = await take(sub, 1);
    expect(live!.id).toMatch(/^push:/);

    for (const kind of ['bad-signature', 'stale-created', 'tampered-body']) {
      expect((await control('fault', { kind })).status).toBe(200);
      const faulted = await control('push', { type: 'user.update', payload: { kind } });
      expect([kind, faulted.body.result.result.status]).toEqual([kind, 401]);
    }
    // an exact replay of the last (accepted) request
    expect((await control('push', { type: 'user.update', payload: { last: true } })).body.result.result.status).toBe(204);
    expect((await control('replay')).body.result.status).toBe(401);
    const burst = await control('burst', { n: 20 });
    expect(burst.body.result.results).toEqual(Array.from({ length: 20 }, () => 204));
    expect(await gw!.services.store.events.lastSeq()).toBe(22);
    expect(await metricValue(gw!.services.metrics.registry, 'bitpanda_webhooks_refused_total', { reason: 'signature-invalid' })).toBe(1);
    expect(await metricValue(gw!.services.metrics.registry, 'bitpanda_webhooks_refused_total', { reason: 'signature-replayed' })).toBe(1);
  });

  it('behind BITPANDA_WEBHOOK_URL the simulator signs for the public URL, and requests signed for the local one are refused', async () => {
    const publicUrl = 'https://gw.example.com/hooks/bitpanda';
    await start({ eventsSource: 'both', eventsPollIntervalMs: 600_000, webhookUrl: publicUrl });
    const sim = gw!.simulator;
    await gw!.gateway.poller!.waitForIdle();
    const event = sim.rest.controls.addEvent('user.update', { action: 'verification', success: true, timestamp: 7, user_id: 'u-7' });
    expect((await sim.webhooks.controls.push(event.type, event.payload)).status).toBe(204);
    expect((await post(TYPE, await sign(TYPE, PAYLOAD, { url: `${publicUrl}/${TYPE}` }))).status).toBe(204);
    const local = await post(TYPE, await sign(TYPE, '{"id":"local"}'));
    expect([local.status, (JSON.parse(local.body) as { error: string }).error]).toEqual([401, 'signature-invalid']);
    expect(await gw!.services.store.events.lastSeq()).toBe(2);
  });
});
