import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { notificationContentKey, pushedEventId } from '../../src/domain/notification-identity.js';
import { httpQuery, wsClient, type TestWsClient } from '../helpers/clients.js';
import { killLeftoverProcesses, spawnGateway, spawnProject, type GatewayProcess } from '../helpers/process.js';
import { within } from '../helpers/queue.js';
import { jwksOf, makeKey, signRequest, type TestKey } from '../webhooks/helpers.js';

/**
 * The gateway as `npm start` runs it, as a child process on the built-in simulator: a webhook
 * answered 204 survives a `kill -9`; a second start on the same data directory (whose stored
 * poll cursor the new simulator does not know) just works; webhooks without keys are refused
 * at start, naming the variable.
 */

const dir = mkdtempSync(join(tmpdir(), 'gateway-webhook-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const clients: TestWsClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  expect(killLeftoverProcesses()).toBe(0);
});

let key: TestKey;
let keysFile: string;
beforeAll(() => {
  key = makeKey('ecdsa-p256-sha256', 'bitpanda-p256');
  keysFile = join(dir, 'bitpanda-webhook-keys.json');
  writeFileSync(keysFile, jwksOf([key]));
});

const base = (gw: GatewayProcess): string => gw.graphqlUrl.replace(/\/graphql$/, '');

const POLLER = `{ upstream { poller { cursor consecutiveFailures lastError } } }`;

async function pollerCursor(gw: GatewayProcess): Promise<string> {
  return within(
    (async () => {
      for (;;) {
        const { body } = await httpQuery(gw.graphqlUrl, POLLER);
        const cursor = body.data?.upstream?.poller?.cursor as string | null | undefined;
        if (cursor) return cursor;
      }
    })(),
    20_000,
    'the poller to store a cursor',
  );
}

describe('webhooks and the poller in the gateway process', () => {
  it('an event answered 204 is there after a kill -9 right after the answer', async () => {
    const env = { DATABASE_PATH: join(dir, 'kill9', 'gateway.sqlite'), EVENTS_SOURCE: 'webhook', BITPANDA_WEBHOOK_KEYS: keysFile };
    const first = await spawnGateway(env);
    const type = 'user.crypto-action';
    const payload = '{"id":"kill-9","user_id":"u-1","type":"merger_crypto","transactions":[{"asset_amount":"1.000000000000000001"}]}';
    const url = `${base(first)}/webhooks/bitpanda/${type}`;
    const request = await signRequest({ url, key, body: `{"params": ${payload}}` });
    const res = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
    expect(res.status).toBe(204);
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const second = await spawnGateway(env);
    const id = pushedEventId(notificationContentKey(type, payload));
    const { body } = await httpQuery(second.graphqlUrl, `query($id: ID!) { notificationEvent(id: $id) { ... on Notification { id rawType payload } } }`, { id });
    expect(body.data?.notificationEvent).toEqual({ id, rawType: type, payload: JSON.parse(payload) });
    await second.kill('SIGTERM');
    expect(second.stderr.join('')).toBe('');
  }, 90_000);

  it('two starts in a row on the same data directory: the second recovers from the cursor its new simulator does not know', async () => {
    const env = { DATABASE_PATH: join(dir, 'twice', 'gateway.sqlite'), EVENTS_POLL_INTERVAL_MS: '50', LOG_LEVEL: 'info' };
    const first = await spawnGateway(env);
    expect(first.logs.all.find((l) => typeof l.eventsSource === 'string')?.eventsSource).toBe('both');
    const cursor = await pollerCursor(first);
    expect(await first.kill('SIGTERM')).toEqual({ code: 0, signal: null });

    const second = await spawnGateway(env);
    const lost = await within(second.logs.find((l) => String(l.msg).includes('no longer knows the stored poll cursor')), 20_000, 'the lost cursor to be logged');
    expect(lost).toMatchObject({ cursor, status: 404, code: 'event.not.found' });
    // notifications flow again: a new one, live, and the poller moves on without failing
    const client = wsClient(second.wsUrl);
    clients.push(client);
    const sub = client.subscribe(`subscription { notificationReceived { ... on Notification { id rawType } } }`);
    const live = (await within(sub.nextData(), 20_000, 'a live notification after the restart')).notificationReceived as { id: string };
    expect(live.id).toBeTruthy();
    const next = await pollerCursor(second);
    expect(next).not.toBe(cursor);
    const { body } = await httpQuery(second.graphqlUrl, POLLER);
    expect(body.data?.upstream?.poller).toMatchObject({ consecutiveFailures: 0, lastError: null });
    const metrics = await (await fetch(`${base(second)}/metrics`)).text();
    expect(metrics).toMatch(/^bitpanda_events_cursor_lost_total 1$/m);
    expect((await fetch(`${base(second)}/ready`)).status).toBe(200);
    expect(await second.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(first.stderr.join('') + second.stderr.join('')).toBe('');
  }, 120_000);

  it('refuses to start with EVENTS_SOURCE=webhook and no BITPANDA_WEBHOOK_KEYS, naming the variable', async () => {
    const run = spawnProject({ EVENTS_SOURCE: 'webhook', BITPANDA_API_URL: 'http://127.0.0.1:9', BITPANDA_WS_URL: 'ws://127.0.0.1:9', DATABASE_PATH: ':memory:' });
    expect(await run.exited).toEqual({ code: 2, signal: null });
    expect(run.stderr.join('')).toMatch(/^Invalid configuration: BITPANDA_WEBHOOK_KEYS: expected a file \(JWKS or PEM\) with Bitpanda's webhook public keys when EVENTS_SOURCE is webhook, got nothing$/m);
  }, 60_000);
});
