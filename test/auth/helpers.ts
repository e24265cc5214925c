import { encodeCursor } from '../../src/domain/notification.js';
import type { AuthGateway } from '../helpers/auth.js';
import { rawClient, type RawClient } from '../fanout/raw-client.js';
import { listenerCount, publications } from '../helpers/bus-watch.js';
import { whenTrue } from '../helpers/when.js';
import { within } from '../helpers/queue.js';

export const STREAM = `subscription($userId: ID, $after: String) {
  notificationReceived(userId: $userId, after: $after) { ... on Notification { id userId cursor } }
}`;

/** A cursor before every event: `after` it replays the whole (visible) log. */
export const FROM_START = encodeCursor(0);

let stamp = 1_700_000_000;

/** Adds an event for `userId` (null: an `account.*` event, no user) upstream; the gateway polls it in. */
export function addEvent(auth: AuthGateway, userId: string | null): string {
  const rest = auth.gw.simulator.rest.controls;
  stamp += 1;
  const event =
    userId === null
      ? rest.addEvent('account.top-up-success', { id: `t-${stamp}`, type: 'deposit', reference: String(stamp), timestamp: stamp, fiat_amount: '1.00', fiat_symbol: 'EUR' })
      : rest.addEvent('user.update', { action: 'verification', success: true, timestamp: stamp, user_id: userId });
  return event.id;
}

/** A raw graphql-transport-ws client that sent `connection_init` with the token (none: anonymous); acknowledged or not. */
export async function connectWith(auth: AuthGateway, token: string | null, headers?: Record<string, string>): Promise<RawClient> {
  const client = await rawClient(auth.gw.server.wsUrl, 'graphql-transport-ws', headers);
  client.send({ type: 'connection_init', payload: token === null ? {} : { authorization: `Bearer ${token}` } });
  return client;
}

/** connectWith, then waits for the acknowledgement. */
export async function signedIn(auth: AuthGateway, token: string | null): Promise<RawClient> {
  const client = await connectWith(auth, token);
  const ack = await client.next('connection_ack');
  if (ack.type !== 'connection_ack') throw new Error(`expected connection_ack, got ${JSON.stringify(ack)}`);
  return client;
}

type Frame = { id?: string; type: string; payload?: any };

export function framesOf(client: RawClient, id: string): Frame[] {
  return client.frames.all.map((f) => JSON.parse(f) as Frame).filter((f) => f.id === id);
}

/** The ids of the events delivered on subscription `id`, in order. */
export function eventIds(client: RawClient, id: string): string[] {
  return framesOf(client, id)
    .filter((f) => f.type === 'next' && f.payload?.data?.notificationReceived)
    .map((f) => f.payload.data.notificationReceived.id as string);
}

/** Waits until subscription `id` delivered `count` events, and returns their ids. */
export async function waitEvents(client: RawClient, id: string, count: number, what = `${count} events on ${id}`): Promise<string[]> {
  let seen = 0;
  const isEvent = (text: string): boolean => {
    const f = JSON.parse(text) as Frame;
    return f.id === id && f.type === 'next' && Boolean(f.payload?.data?.notificationReceived);
  };
  if (eventIds(client, id).length < count) await within(client.frames.find((text) => isEvent(text) && ++seen >= count), 20_000, what);
  return eventIds(client, id);
}

/** The first `error` or `next` frame of subscription `id`. */
export async function firstAnswer(client: RawClient, id: string): Promise<Frame> {
  const isAnswer = (f: Frame): boolean => f.id === id && (f.type === 'error' || f.type === 'next');
  return JSON.parse(await within(client.frames.find((text) => isAnswer(JSON.parse(text) as Frame)), 10_000, `an answer on ${id}`)) as Frame;
}

/** The error codes of an `error` frame, or of a `next` frame's errors. */
export function codesOf(frame: Frame): unknown[] {
  const errors = frame.type === 'error' ? frame.payload : frame.payload?.errors;
  return (errors ?? []).map((e: { extensions?: { code?: unknown } }) => e.extensions?.code);
}

/** Waits until the gateway has `count` listeners on the notification bus (live subscriptions or groups). */
export async function notificationListeners(auth: AuthGateway, count: number): Promise<void> {
  await listenerCount(auth.gw.services.bus, 'notification:received', count);
}

/** Waits until the gateway's log holds `count` events: checked at once, then at each one published (stored first). */
export async function storedEvents(auth: AuthGateway, count: number): Promise<void> {
  const { store, bus } = auth.gw.services;
  let stored = 0;
  await whenTrue(
    publications(bus, 'notification:received'),
    async () => (stored = (await store.events.list({ limit: count + 1, direction: 'forward' })).length) === count,
    () => `${count} stored events (${stored} now)`,
    20_000,
  );
}

/** Waits until `client` holds `count` open connections (WebSockets and SSE streams) on the gateway. */
export async function openConnections(auth: AuthGateway, client: string, count: number): Promise<void> {
  const { connections } = auth.gw.services.auth;
  await whenTrue(connections.watch, () => connections.count(client) === count, () => `${count} connections of ${client} (${connections.count(client)} now)`);
}

/** A GraphQL POST with an optional bearer token. */
export async function post(auth: AuthGateway, query: string, variables?: Record<string, unknown>, token?: string | null, headers: Record<string, string> = {}) {
  const res = await fetch(auth.gw.server.graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  return { status: res.status, headers: res.headers, body, codes: (body.errors ?? []).map((e) => e.extensions?.['code']) };
}
