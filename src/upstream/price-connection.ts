import { performance } from 'node:perf_hooks';
import { WebSocket, type RawData } from 'ws';
import type { PriceChangeFrame, PriceFrame } from '../domain/price.js';
import type { ChannelStatus, PriceSocketState } from '../domain/upstream-status.js';
import type { Logger } from '../logger.js';
import type { PriceSocketMetrics } from '../metrics/upstream-metrics.js';
import { parseUpstreamFrame, type ParsedFrame } from './price-frames.js';
import { subscribeMessage, type PriceChannel, type UpstreamScope } from './subscribe-plan.js';

/** What the price socket keeps across its connections; one connection updates it in place. */
export interface PriceSocketShared {
  channels: Map<PriceChannel, ChannelStatus>;
  connectedSince: number | null;
  lastError: string | null;
  malformedFrames: number;
  unknownFrames: number;
}

export interface PriceConnectionOptions {
  url: string;
  /** the upgrade request carries `Authorization: Bearer <token>` */
  token: string | undefined;
  scope: UpstreamScope;
  pingIntervalMs: number;
  silenceTimeoutMs: number;
  connectTimeoutMs: number;
  now: () => number;
  logger: Logger;
  metrics: PriceSocketMetrics;
  shared: PriceSocketShared;
  setState(state: PriceSocketState): void;
  /** every channel confirmed its subscription */
  onSubscribed(): void;
  onPrice?: (frame: PriceFrame, receivedAt: number) => void;
  onChange?: (frame: PriceChangeFrame, receivedAt: number) => void;
  /** aborted when the socket stops: a close is then no error */
  stopping: AbortSignal;
}

/** One connection's own state: its timers and the subscribe actions still unanswered. */
interface Connection {
  ws: WebSocket;
  pending: Set<PriceChannel>;
  failure: string | null;
  awaitingPong: boolean;
  pingTimer?: NodeJS.Timeout;
  answerTimer?: NodeJS.Timeout;
  silenceTimer?: NodeJS.Timeout;
  /** monotonic ms of the last data frame (or of the subscription): the silence timer checks it when it fires */
  lastDataAt: number;
  fail(reason: string): void;
}

/**
 * Fails the connection once no data frame came for `silenceTimeoutMs`. Frames only note their
 * time; the timer, when it fires, waits again for what is left, so a frame costs no timer work.
 */
function watchSilence(o: PriceConnectionOptions, conn: Connection, ms: number): void {
  conn.silenceTimer = setTimeout(() => {
    const quiet = performance.now() - conn.lastDataAt;
    if (quiet >= o.silenceTimeoutMs) conn.fail(`no data frame for ${o.silenceTimeoutMs} ms`);
    else watchSilence(o, conn, Math.max(1, Math.ceil(o.silenceTimeoutMs - quiet)));
  }, ms);
}

/** Logs the first ten of a kind, then every hundredth. */
const worthLogging = (count: number): boolean => count <= 10 || count % 100 === 0;

function deliver<F>(o: PriceConnectionOptions, callback: ((frame: F, at: number) => void) | undefined, frame: F, at: number): void {
  try {
    callback?.(frame, at);
  } catch (err) {
    o.logger.error({ err }, 'a frame listener threw; the frame is skipped');
  }
}

/** The answer to one subscribe action (or any other control frame). */
function onControl(o: PriceConnectionOptions, conn: Connection, frame: Extract<ParsedFrame, { kind: 'control' }>): void {
  const { shared, logger } = o;
  if (frame.error !== undefined) o.metrics.errorFrame();
  const channel = shared.channels.get(frame.channel as PriceChannel);
  if (frame.action !== 'subscribe' || !channel || !conn.pending.has(channel.channel)) {
    if (frame.error !== undefined) {
      shared.lastError = `${frame.action || 'unknown action'} ${frame.channel || ''}: ${frame.error}`.trim();
      logger.warn({ action: frame.action, channel: frame.channel, error: frame.error }, 'price server reported an error');
    }
    return;
  }
  conn.pending.delete(channel.channel);
  if (conn.pending.size === 0) clearTimeout(conn.answerTimer);
  if (frame.error !== undefined) {
    channel.lastError = frame.error;
    shared.lastError = `${channel.channel}: ${frame.error}`;
    o.metrics.subscribeRefused(channel.channel);
    logger.error({ channel: channel.channel, error: frame.error, scope: o.scope.mode }, 'price server refused the subscription');
    return;
  }
  channel.subscribed = true;
  channel.lastError = null;
  if (!conn.silenceTimer) {
    conn.lastDataAt = performance.now();
    watchSilence(o, conn, o.silenceTimeoutMs);
  }
  if ([...shared.channels.values()].every((c) => c.subscribed)) o.onSubscribed();
}

/** One frame from the price server: data is counted and handed on, anything else counted and skipped. */
function onFrame(o: PriceConnectionOptions, conn: Connection, data: RawData, isBinary: boolean): void {
  const { shared, logger, metrics } = o;
  const receivedAt = o.now();
  const parsed: ParsedFrame = isBinary ? { kind: 'unknown', excerpt: `<binary frame>` } : parseUpstreamFrame(data.toString());
  switch (parsed.kind) {
    case 'price':
    case 'change': {
      const channel = shared.channels.get(parsed.frame.CH);
      if (channel) {
        channel.frames++;
        channel.lastFrameAt = receivedAt;
      }
      conn.lastDataAt = performance.now();
      metrics.frame(parsed.frame.CH);
      if (parsed.kind === 'price') deliver(o, o.onPrice, parsed.frame, receivedAt);
      else deliver(o, o.onChange, parsed.frame, receivedAt);
      return;
    }
    case 'control':
      return onControl(o, conn, parsed);
    case 'malformed':
      shared.malformedFrames++;
      metrics.malformed('malformed');
      if (worthLogging(shared.malformedFrames)) logger.warn({ reason: parsed.reason, excerpt: parsed.excerpt, count: shared.malformedFrames }, 'malformed frame skipped');
      return;
    case 'unknown':
      shared.unknownFrames++;
      metrics.malformed('unknown');
      if (worthLogging(shared.unknownFrames)) logger.warn({ excerpt: parsed.excerpt, count: shared.unknownFrames }, 'unknown frame skipped');
  }
}

/** Open: one subscribe action per channel, a limit for their answers, and the ping loop. */
function onOpen(o: PriceConnectionOptions, conn: Connection): void {
  o.shared.connectedSince = o.now();
  o.setState('subscribing');
  for (const channel of o.shared.channels.keys()) conn.ws.send(subscribeMessage(channel, o.scope));
  conn.answerTimer = setTimeout(
    () => conn.fail(`no answer to subscribe for ${[...conn.pending].join(', ')} within ${o.connectTimeoutMs} ms`),
    o.connectTimeoutMs,
  );
  conn.pingTimer = setInterval(() => {
    if (conn.awaitingPong) return conn.fail(`no pong within ${o.pingIntervalMs} ms`);
    conn.awaitingPong = true;
    conn.ws.ping();
  }, o.pingIntervalMs);
}

function onClose(o: PriceConnectionOptions, conn: Connection, code: number, reason: Buffer): void {
  clearInterval(conn.pingTimer);
  clearTimeout(conn.answerTimer);
  clearTimeout(conn.silenceTimer);
  o.shared.connectedSince = null;
  for (const channel of o.shared.channels.values()) channel.subscribed = false;
  if (!o.stopping.aborted) {
    o.shared.lastError = conn.failure ?? `closed by the price server (code ${code}${reason.length ? `: ${reason.toString()}` : ''})`;
    o.logger.warn({ error: o.shared.lastError }, 'price server connection closed');
  }
}

/**
 * One connection to the price server, from the upgrade to the close. Returns the socket at once
 * (so the caller can close it) and a promise that resolves when the connection is over; a dead
 * connection (no pong, no data, no answer to subscribe) is terminated.
 */
export function openPriceConnection(o: PriceConnectionOptions): { ws: WebSocket; closed: Promise<void> } {
  const ws = new WebSocket(o.url, {
    headers: o.token ? { Authorization: `Bearer ${o.token}` } : {},
    perMessageDeflate: false,
    handshakeTimeout: o.connectTimeoutMs,
  });
  const conn: Connection = {
    ws,
    pending: new Set(o.shared.channels.keys()),
    failure: null,
    awaitingPong: false,
    lastDataAt: 0,
    fail(reason) {
      conn.failure ??= reason;
      o.logger.warn({ reason }, 'price server connection is dead; reconnecting');
      ws.terminate();
    },
  };
  ws.on('open', () => onOpen(o, conn));
  ws.on('pong', () => {
    conn.awaitingPong = false;
  });
  ws.on('message', (data: RawData, isBinary: boolean) => onFrame(o, conn, data, isBinary));
  ws.on('error', (err) => {
    conn.failure ??= err.message;
  });
  const closed = new Promise<void>((resolve) => {
    ws.on('close', (code, reason) => {
      onClose(o, conn, code, reason);
      resolve();
    });
  });
  return { ws, closed };
}
