import { WebSocket } from 'ws';
import type { PriceChangeFrame, PriceFrame } from '../domain/price.js';
import { silentLogger, type Logger } from '../logger.js';
import { NO_PRICE_SOCKET_METRICS, type PriceSocketMetrics } from '../metrics/upstream-metrics.js';
import { abortableSleep, createBackoff, type Backoff, type BackoffOptions } from './backoff.js';
import { openPriceConnection, type PriceConnectionOptions, type PriceSocketShared } from './price-connection.js';
import type { PriceSocketState, PriceSocketStatus } from '../domain/upstream-status.js';
import { PRICE_CHANNELS, validateScope, type PriceChannel, type UpstreamScope } from './subscribe-plan.js';
import { redactUrl } from '../redact-url.js';

export interface PriceSocketOptions {
  url: string;
  /** When it returns a token, the upgrade request carries `Authorization: Bearer <token>`. */
  getToken?: () => Promise<string | undefined>;
  /** @default { mode: 'all' } */
  scope?: UpstreamScope;
  /** @default ['prices-v1', 'price-changes-v1'] */
  channels?: readonly PriceChannel[];
  onPrice?: (frame: PriceFrame, receivedAt: number) => void;
  onChange?: (frame: PriceChangeFrame, receivedAt: number) => void;
  /** @default silentLogger */
  logger?: Logger;
  /** @default no metrics */
  metrics?: PriceSocketMetrics;
  /** An unanswered ping at the next tick means the connection is dead. @default 20000 */
  pingIntervalMs?: number;
  /** No data frame for this long on a subscribed socket means it is dead. @default 60000 */
  silenceTimeoutMs?: number;
  /** Limit for the opening handshake, and for the answers to the subscribe actions. @default 10000 */
  connectTimeoutMs?: number;
  /** @default { initialMs: 500, maxMs: 30000, factor: 2 } */
  backoff?: BackoffOptions;
  /** @default Math.random */
  random?: () => number;
  /** The wait between reconnect attempts; must end early when the signal aborts. @default abortableSleep */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** @default Date.now */
  now?: () => number;
}

export interface PriceSocket {
  start(): void;
  /** Closes with 1000 and does not reconnect. */
  stop(): Promise<void>;
  status(): PriceSocketStatus;
  /** Returns a function that removes the listener. */
  onStateChange(listener: (state: PriceSocketState) => void): () => void;
  /** Resolves at the next transition into `state`; rejects on timeout or when the socket stops first. */
  waitFor(state: PriceSocketState, options?: { timeoutMs?: number }): Promise<void>;
  /** Resolves at once when subscribed, else at the next subscription. */
  ready(options?: { timeoutMs?: number }): Promise<void>;
}

/** A running price socket's state, shared by its loop and its status. */
interface SocketContext {
  url: string;
  getToken?: () => Promise<string | undefined>;
  logger: Logger;
  metrics: PriceSocketMetrics;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  backoff: Backoff;
  stopping: AbortController;
  states: StateMachine;
  shared: PriceSocketShared;
  /** what every connection is opened with, but the token */
  connection: Omit<PriceConnectionOptions, 'token'>;
  socket: WebSocket | null;
  reconnects: number;
}

export function createPriceSocket(options: PriceSocketOptions): PriceSocket {
  const { url, scope = { mode: 'all' }, channels: requested = PRICE_CHANNELS, logger = silentLogger, metrics = NO_PRICE_SOCKET_METRICS } = options;
  validateScope(scope);
  const channels = [...new Set(requested)];
  if (channels.length === 0 || !channels.every((c) => PRICE_CHANNELS.includes(c))) {
    throw new Error(`price socket channels: expected some of ${PRICE_CHANNELS.join(', ')}, got ${JSON.stringify(requested)}`);
  }
  const shared: PriceSocketShared = {
    channels: new Map(channels.map((channel) => [channel, { channel, subscribed: false, lastError: null, lastFrameAt: null, frames: 0 }])),
    connectedSince: null,
    lastError: null,
    malformedFrames: 0,
    unknownFrames: 0,
  };
  const states = createStateMachine(() => shared.lastError);
  const backoff = createBackoff(options.backoff, options.random ?? Math.random);
  const stopping = new AbortController();
  const connection: SocketContext['connection'] = {
    url,
    scope,
    pingIntervalMs: options.pingIntervalMs ?? 20_000,
    silenceTimeoutMs: options.silenceTimeoutMs ?? 60_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    now: options.now ?? Date.now,
    logger,
    metrics,
    shared,
    onPrice: options.onPrice,
    onChange: options.onChange,
    stopping: stopping.signal,
    setState: states.set,
    onSubscribed() {
      backoff.reset();
      states.set('subscribed');
      logger.info({ url: redactUrl(url), channels, scope: scope.mode }, 'subscribed to the price server');
    },
  };
  const sleep = options.sleep ?? abortableSleep;
  const ctx: SocketContext = { url, getToken: options.getToken, logger, metrics, sleep, backoff, stopping, states, shared, connection, socket: null, reconnects: 0 };
  let loop: Promise<void> | null = null;
  return {
    start() {
      if (loop || stopping.signal.aborted) return;
      loop = run(ctx);
    },
    async stop() {
      if (stopping.signal.aborted) return loop ?? undefined;
      stopping.abort();
      if (!loop) return states.set('stopped');
      closeGracefully(ctx.socket);
      await loop;
    },
    status: () => statusOf(ctx),
    onStateChange: states.onChange,
    waitFor: states.waitFor,
    ready: (opts) => (states.current() === 'subscribed' ? Promise.resolve() : states.waitFor('subscribed', opts)),
  };
}

/** Connects, and reconnects with backoff after every close, until the socket stops. */
async function run(ctx: SocketContext): Promise<void> {
  const { stopping, states, backoff } = ctx;
  while (!stopping.signal.aborted) {
    await connectOnce(ctx);
    if (stopping.signal.aborted) break;
    ctx.reconnects++;
    ctx.metrics.reconnected();
    states.set('reconnecting');
    const delay = backoff.next();
    ctx.logger.info({ delayMs: delay, attempt: backoff.attempt }, 'reconnecting to the price server');
    await ctx.sleep(delay, stopping.signal);
  }
  states.set('stopped');
}

/** One connection, from the upgrade to the close; resolves when it is over. */
async function connectOnce(ctx: SocketContext): Promise<void> {
  ctx.states.set('connecting');
  let token: string | undefined;
  try {
    token = ctx.getToken ? await ctx.getToken() : undefined;
  } catch (err) {
    ctx.shared.lastError = `access token unavailable: ${(err as Error).message}`;
    ctx.logger.warn({ error: ctx.shared.lastError }, 'cannot connect to the price server');
    return;
  }
  if (ctx.stopping.signal.aborted) return;
  const { ws, closed } = openPriceConnection({ ...ctx.connection, token });
  ctx.socket = ws;
  await closed;
  ctx.socket = null;
}

function statusOf(ctx: SocketContext): PriceSocketStatus {
  const { shared } = ctx;
  return {
    state: ctx.states.current(),
    url: ctx.url,
    connectedSince: shared.connectedSince,
    reconnects: ctx.reconnects,
    attempt: ctx.backoff.attempt,
    lastError: shared.lastError,
    malformedFrames: shared.malformedFrames,
    unknownFrames: shared.unknownFrames,
    channels: [...shared.channels.values()].map((c) => ({ ...c })),
  };
}

/** Closes with 1000, or drops the socket when it is not open or does not answer within 2 s. */
function closeGracefully(ws: WebSocket | null): void {
  if (ws?.readyState === WebSocket.OPEN) {
    const force = setTimeout(() => ws.terminate(), 2_000);
    ws.once('close', () => clearTimeout(force));
    ws.close(1000, 'client stopping');
  } else {
    ws?.terminate();
  }
}

interface StateMachine {
  current(): PriceSocketState;
  set(next: PriceSocketState): void;
  onChange(listener: (state: PriceSocketState) => void): () => void;
  waitFor(target: PriceSocketState, options?: { timeoutMs?: number }): Promise<void>;
}

/** The socket's state, its listeners, and waits for a state. */
function createStateMachine(lastError: () => string | null): StateMachine {
  let state: PriceSocketState = 'idle';
  const listeners = new Set<(state: PriceSocketState) => void>();

  function onChange(listener: (state: PriceSocketState) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  function waitFor(target: PriceSocketState, { timeoutMs }: { timeoutMs?: number } = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const off = onChange((next) => {
        if (next !== target && next !== 'stopped') return;
        off();
        clearTimeout(timer);
        if (next === target) resolve();
        else reject(new Error(`price socket: expected state '${target}', but it stopped`));
      });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          off();
          reject(new Error(`price socket: expected state '${target}' within ${timeoutMs} ms, still '${state}' (last error: ${lastError()})`));
        }, timeoutMs);
      }
    });
  }

  return {
    current: () => state,
    set(next: PriceSocketState): void {
      if (state === next) return;
      state = next;
      for (const listener of [...listeners]) listener(next);
    },
    onChange,
    waitFor,
  };
}
