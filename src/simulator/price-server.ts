import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isDecimalString } from '../domain/decimal.js';
import { silentLogger, excerpt, type Logger } from '../logger.js';
import { createMarket, DEFAULT_CATALOGUE, seededRandom, type Catalogue, type MarketPair } from './catalogue.js';
import { parseClientAction, type Channel, type Subscription } from './price-actions.js';
import { everyInterval, REAL_TIMERS, type Every, type Timers } from '../timers.js';

export interface PriceSimulatorOptions {
  /** @default silentLogger */
  logger?: Logger;
  /** How often each subscribed pair gets a frame; pairs are staggered across it. @default 15000 */
  intervalMs?: number;
  /** Close a connection after this long without an inbound message or ping. @default 60000 */
  idleTimeoutMs?: number;
  /** @default a seeded PRNG, so runs are repeatable */
  random?: () => number;
  /** epoch ms clock: frame times, idle connections, refusals @default Date.now */
  now?: () => number;
  /** where idle connections are waited for @default setTimeout and clearTimeout */
  timers?: Timers;
  /** runs the price ticker (every `intervalMs` / pairs, at least 10 ms) @default an unref'd setInterval */
  every?: Every;
  /** When given, an upgrade whose bearer token it rejects gets HTTP 401. */
  authorize?: (bearerToken: string | undefined) => boolean;
  /** @default DEFAULT_CATALOGUE */
  catalogue?: Catalogue;
}

export interface SubscribeActionRecord {
  action: 'subscribe' | 'unsubscribe';
  /** as sent; a channel that is not a string is kept as its JSON text */
  channel: string;
  payload: unknown;
  /** the connection's serial number, from 1 */
  connection: number;
  at: number;
}

export interface PriceSimulatorControls {
  /** Terminates every connection (no close handshake). */
  dropAll(): void;
  /** Sends this exact text to every connection. */
  sendRaw(text: string): void;
  stallPair(asset: string, fiat: string, stalled: boolean): void;
  /** Stops (or resumes) every data frame; sockets stay open. */
  stallAll(stalled: boolean): void;
  /** Answers upgrades with 503 for this long (0 lifts it). */
  refuseConnections(ms: number): void;
  /** While on, pings are not answered (the connection still counts them as traffic). */
  suppressPongs(suppressed: boolean): void;
  /** Sets a pair's quote and sends it now to its prices-v1 subscribers; returns how many got it. */
  emitPrice(asset: string, fiat: string, quote: { ask: string; bid: string }): number;
  /** Every subscribe/unsubscribe action received, oldest first. */
  subscribeActions(): SubscribeActionRecord[];
}

export interface PriceSimulator {
  attach(server: Server): void;
  controls: PriceSimulatorControls;
  /** Connections currently open (a closing one no longer counts). */
  connections(): number;
  close(): Promise<void>;
}

interface Connection {
  id: number;
  ws: WebSocket;
  subscriptions: Map<Channel, Subscription>;
  /** when its last message or ping came in (epoch ms) */
  lastSeen: number;
  /** the timer of its idle check */
  idle: unknown;
}

const MIN_TICK_MS = 10;

function matches(subscription: Subscription | undefined, pair: MarketPair): boolean {
  if (!subscription) return false;
  if (subscription.mode === 'all') return true;
  if (subscription.mode === 'fiats') return subscription.fiats.has(pair.fiat);
  return subscription.keys.has(pair.key);
}

function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = JSON.stringify({ errors: [{ code: status === 401 ? 'credentials.invalid' : 'service.unavailable', title: reason }] });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/**
 * A Bitpanda-compatible price WebSocket server. Documented behaviour is followed exactly; where
 * the docs are silent: subscribing again on a channel replaces that channel's set, an
 * unsubscribe carrying a payload is refused (unsubscribe is per whole channel), and an idle
 * connection is closed with code 1000.
 */
export function createPriceSimulator(options: PriceSimulatorOptions = {}): PriceSimulator {
  const {
    logger = silentLogger,
    intervalMs = 15_000,
    idleTimeoutMs = 60_000,
    random = seededRandom(),
    now = Date.now,
    timers = REAL_TIMERS,
    every = everyInterval,
    authorize,
    catalogue = DEFAULT_CATALOGUE,
  } = options;

  const market = createMarket(catalogue, random);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, autoPong: false, maxPayload: 1 << 20 });
  const live = new Set<Connection>();
  const attached = new Set<Server>();
  const actions: SubscribeActionRecord[] = [];
  const stalledPairs = new Set<string>();
  let stalledAll = false;
  let pongsSuppressed = false;
  let refuseUntil = 0;
  let serial = 0;
  let closed = false;

  // Pairs are spread over `buckets` slots; one slot fires per tick, so each pair fires once per interval.
  const buckets = Math.max(1, Math.min(market.pairs.length, Math.floor(intervalMs / MIN_TICK_MS)));
  const tickMs = intervalMs / buckets;
  let tickCount = 0;
  const stopTicker = every(tickMs, tick);

  function send(conn: Connection, text: string): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(text);
  }

  function tick(): void {
    const bucket = tickCount++ % buckets;
    if (live.size === 0 || stalledAll) return;
    const seconds = Math.floor(now() / 1000);
    for (let i = bucket; i < market.pairs.length; i += buckets) {
      const pair = market.pairs[i]!;
      if (stalledPairs.has(pair.key)) continue;
      const priceTo: Connection[] = [];
      const changeTo: Connection[] = [];
      for (const conn of live) {
        if (matches(conn.subscriptions.get('prices-v1'), pair)) priceTo.push(conn);
        if (pair.fiat === 'EUR' && matches(conn.subscriptions.get('price-changes-v1'), pair)) changeTo.push(conn);
      }
      if (priceTo.length === 0 && changeTo.length === 0) continue;
      market.step(pair);
      if (priceTo.length > 0) {
        const text = JSON.stringify(market.priceFrame(pair, seconds));
        for (const conn of priceTo) send(conn, text);
      }
      if (changeTo.length > 0) {
        const text = JSON.stringify(market.changeFrame(pair));
        for (const conn of changeTo) send(conn, text);
      }
    }
  }

  /** Closes a connection quiet for `idleTimeoutMs`, else checks again when it could be; inbound traffic only moves `lastSeen`. */
  function checkIdle(conn: Connection): void {
    const quiet = now() - conn.lastSeen;
    if (quiet < idleTimeoutMs) {
      conn.idle = timers.setTimeout(() => checkIdle(conn), idleTimeoutMs - quiet);
      return;
    }
    conn.idle = null;
    logger.debug({ connection: conn.id }, 'closing idle connection');
    conn.ws.close(1000, 'idle timeout');
  }

  function onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    conn.lastSeen = now();
    const text = isBinary ? '' : data.toString();
    const result = parseClientAction(text, market);
    if (result.record) actions.push({ ...result.record, connection: conn.id, at: now() });
    if (result.apply) {
      const { action, channel, subscription } = result.apply;
      if (action === 'subscribe' && subscription) conn.subscriptions.set(channel, subscription);
      else conn.subscriptions.delete(channel);
    }
    if (result.reply.error) logger.debug({ connection: conn.id, error: result.reply.error, text: excerpt(text) }, 'client action refused');
    send(conn, JSON.stringify(result.reply));
  }

  function onConnection(ws: WebSocket): void {
    const conn: Connection = { id: ++serial, ws, subscriptions: new Map(), lastSeen: now(), idle: null };
    checkIdle(conn);
    live.add(conn);
    ws.on('message', (data, isBinary) => onMessage(conn, data, isBinary));
    ws.on('ping', (data) => {
      conn.lastSeen = now();
      if (!pongsSuppressed && ws.readyState === ws.OPEN) ws.pong(data);
    });
    ws.on('error', (err) => logger.debug({ connection: conn.id, err: err.message }, 'connection error'));
    ws.on('close', () => {
      timers.clearTimeout(conn.idle);
      live.delete(conn);
    });
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (closed) return rejectUpgrade(socket, 503, 'Service Unavailable');
    if (now() < refuseUntil) return rejectUpgrade(socket, 503, 'Service Unavailable');
    if (authorize && !authorize(bearerToken(req))) return rejectUpgrade(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, onConnection);
  }

  const controls: PriceSimulatorControls = {
    dropAll() {
      for (const conn of live) conn.ws.terminate();
    },
    sendRaw(text) {
      for (const conn of live) send(conn, text);
    },
    stallPair(asset, fiat, stalled) {
      const pair = market.pair(asset, fiat);
      if (!pair) throw new Error(`stallPair: expected a pair of the catalogue, got ${asset}/${fiat}`);
      if (stalled) stalledPairs.add(pair.key);
      else stalledPairs.delete(pair.key);
    },
    stallAll(stalled) {
      stalledAll = stalled;
    },
    refuseConnections(ms) {
      refuseUntil = ms > 0 ? now() + ms : 0;
    },
    suppressPongs(suppressed) {
      pongsSuppressed = suppressed;
    },
    emitPrice(asset, fiat, { ask, bid }) {
      const pair = market.pair(asset, fiat);
      if (!pair) throw new Error(`emitPrice: expected a pair of the catalogue, got ${asset}/${fiat}`);
      if (!isDecimalString(ask) || !isDecimalString(bid)) {
        throw new Error(`emitPrice: expected decimal strings, got ask=${String(ask)} bid=${String(bid)}`);
      }
      market.setQuote(pair, ask, bid);
      const text = JSON.stringify(market.priceFrame(pair, Math.floor(now() / 1000)));
      let sent = 0;
      for (const conn of live) {
        if (matches(conn.subscriptions.get('prices-v1'), pair) && conn.ws.readyState === conn.ws.OPEN) {
          conn.ws.send(text);
          sent++;
        }
      }
      return sent;
    },
    subscribeActions: () => actions.slice(),
  };

  return {
    attach(server) {
      attached.add(server);
      server.on('upgrade', onUpgrade);
    },
    controls,
    connections() {
      let open = 0;
      for (const conn of live) if (conn.ws.readyState === conn.ws.OPEN) open++;
      return open;
    },
    async close() {
      if (closed) return;
      closed = true;
      stopTicker();
      for (const server of attached) server.off('upgrade', onUpgrade);
      attached.clear();
      for (const conn of live) {
        timers.clearTimeout(conn.idle);
        conn.ws.terminate();
      }
      live.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
