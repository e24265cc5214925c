import { encodeCursor } from '../../src/domain/notification.js';
import type { AuthGateway } from '../helpers/auth.js';
import { rawClient, until, type RawClient } from '../fanout/raw-client.js';

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
  await until(() => eventIds(client, id).length >= count, what, 20_000);
  return eventIds(client, id);
}

/** The first `error` or `next` frame of subscription `id`. */
export async function firstAnswer(client: RawClient, id: string): Promise<Frame> {
  await until(() => framesOf(client, id).some((f) => f.type === 'error' || f.type === 'next'), `an answer on ${id}`);
  return framesOf(client, id).find((f) => f.type === 'error' || f.type === 'next')!;
}

/** The error codes of an `error` frame, or of a `next` frame's errors. */
export function codesOf(frame: Frame): unknown[] {
  const errors = frame.type === 'error' ? frame.payload : frame.payload?.errors;
  return (errors ?? []).map((e: { extensions?: { code?: unknown } }) => e.extensions?.code);
}

/** Waits until the gateway has `count` listeners on the notification bus (live subscriptions or groups). */
export async function notificationListeners(auth: AuthGateway, count: number): Promise<void> {
  await until(() => auth.gw.services.bus.listenerCount('notification:received') === count, `${count} notification listeners`);
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
