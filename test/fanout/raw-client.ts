import WebSocket from 'ws';
import type { Duplex } from 'node:stream';
import { afterEach, expect } from 'vitest';
import { wsClient, type TestWsClient } from '../helpers/clients.js';
import { AsyncQueue, within } from '../helpers/queue.js';
import { whenTrue } from '../helpers/when.js';
import { metricValue } from '../../src/metrics/series.js';
import { stopLeftovers, type TestGateway } from '../helpers/gateway.js';

/** A `graphql-transport-ws` client on the raw `ws` library: every frame as text, nothing hidden. */
export interface RawClient {
  ws: WebSocket;
  /** every text frame received, in order */
  frames: AsyncQueue<string>;
  closed: Promise<{ code: number; reason: string }>;
  /** binary frames received: the protocol only ever uses text frames */
  binaryFrames(): number;
  send(message: unknown): void;
  /** connection_init, then waits for the ack */
  init(): Promise<void>;
  /** the next frame, parsed */
  next(what?: string): Promise<{ id?: string; type: string; payload?: any }>;
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  /**
   * A ping answered by a pong: the server handles a connection's messages in order, so every
   * message sent before it was handled (a shared subscription has joined its group). Call it
   * with no other frame expected in between.
   */
  roundTrip(): Promise<void>;
  /** stops reading from the socket: the server's writes pile up */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

const open = new Set<RawClient>();

/** Closes raw clients a test left open; returns how many there were. */
export async function closeRawClients(): Promise<number> {
  const left = [...open];
  await Promise.all(left.map((c) => c.close()));
  return left.length;
}

export async function rawClient(url: string, protocol: string | string[] = 'graphql-transport-ws', headers?: Record<string, string>): Promise<RawClient> {
  const ws = new WebSocket(url, protocol, headers ? { headers } : undefined);
  const frames = new AsyncQueue<string>();
  let binary = 0;
  ws.on('message', (data, isBinary) => {
    if (isBinary) binary++;
    frames.push(String(data));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await within(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 5000, 'the WebSocket to open');
  const raw = (): Duplex => (ws as unknown as { _socket: Duplex })._socket;
  const client: RawClient = {
    ws,
    frames,
    closed,
    binaryFrames: () => binary,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    async init() {
      client.send({ type: 'connection_init' });
      const ack = await client.next('connection_ack');
      if (ack.type !== 'connection_ack') throw new Error(`expected connection_ack, got ${JSON.stringify(ack)}`);
    },
    async next(what = 'a frame') {
      return JSON.parse(await within(frames.shift(), 10_000, what)) as { id?: string; type: string; payload?: any };
    },
    subscribe(id, query, variables) {
      client.send({ id, type: 'subscribe', payload: { query, variables } });
    },
    async roundTrip() {
      client.send({ type: 'ping', payload: { roundTrip: true } });
      const pong = await client.next('the pong of a round trip');
      if (pong.type !== 'pong' || pong.payload?.roundTrip !== true) throw new Error(`expected the round trip's pong, got ${JSON.stringify(pong)}`);
    },
    pause: () => raw().pause(),
    resume: () => raw().resume(),
    async close() {
      open.delete(client);
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.terminate();
      await closed;
    },
  };
  open.add(client);
  return client;
}

export function metric(gw: TestGateway, name: string, labels?: Record<string, string>): Promise<number> {
  return metricValue(gw.services.metrics.registry, name, labels);
}

/**
 * Resolves once the gauge `name` reads `expected` (or satisfies it): read at once, then after
 * each change the gateway's gauges report (fan-out groups and members, SSE streams).
 */
export function gauge(gw: TestGateway, name: string, expected: number | ((value: number) => boolean), ms = 10_000): Promise<void> {
  const holds = typeof expected === 'number' ? (n: number) => n === expected : expected;
  let last: number | null = null;
  return whenTrue(
    gw.services.metrics.gauges.watch,
    async () => holds((last = await metric(gw, name))),
    () => `${name} ${typeof expected === 'number' ? `at ${expected}` : `to satisfy ${String(expected)}`} (last read ${last})`,
    ms,
  );
}

/**
 * Registers, in the suite it is called in, the teardown of a fanout test on the gateway `gateway()`:
 * after each test, disposes the clients `connect` opened, closes raw clients left open, stops the
 * gateway, and checks that no gateway and no raw client was left over. Returns `connect`: a
 * `graphql-ws` client to the gateway, disposed after the test.
 */
export function useGatewayClients(gateway: () => TestGateway): () => TestWsClient {
  const clients: TestWsClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    const raw = await closeRawClients();
    await gateway().stop();
    expect(await stopLeftovers()).toBe(0);
    expect(raw).toBe(0);
  });
  return () => {
    const c = wsClient(gateway().server.wsUrl);
    clients.push(c);
    return c;
  };
}
