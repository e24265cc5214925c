import { WebSocket, type RawData } from 'ws';
import type { PriceChangeFrame, PriceFrame } from '../domain/price.js';
import { silentLogger, type Logger } from '../logger.js';
import { NO_PRICE_SOCKET_METRICS, type PriceSocketMetrics } from '../metrics/upstream-metrics.js';
import { abortableSleep, createBackoff, type BackoffOptions } from './backoff.js';
import { parseUpstreamFrame, type ParsedFrame } from './price-frames.js';
import type { ChannelStatus, PriceSocketState, PriceSocketStatus } from '../domain/upstream-status.js';
import { PRICE_CHANNELS, subscribeMessage, validateScope, type PriceChannel, type UpstreamScope } from './subscribe-plan.js';
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

/** Logs the first ten of a kind, then every hundredth. */
const worthLogging = (count: number): boolean => count <= 10 || count % 100 === 0;

export function createPriceSocket(options: PriceSocketOptions): PriceSocket {
  const {
    url,
    getToken,
    scope = { mode: 'all' },
    channels: requested = PRICE_CHANNELS,
    onPrice,
    onChange,
    logger = silentLogger,
    metrics = NO_PRICE_SOCKET_METRICS,
    pingIntervalMs = 20_000,
    silenceTimeoutMs = 60_000,
    connectTimeoutMs = 10_000,
    backoff: backoffOptions,
    random = Math.random,
    sleep = abortableSleep,
    now = Date.now,
  } = options;
  validateScope(scope);
  const channels = [...new Set(requested)];
  if (channels.length === 0 || !channels.every((c) => PRICE_CHANNELS.includes(c))) {
    throw new Error(`price socket channels: expected some of ${PRICE_CHANNELS.join(', ')}, got ${JSON.stringify(requested)}`);
  }
  const log = logger;
  const backoff = createBackoff(backoffOptions, random);
  const stopping = new AbortController();
  const listeners = new Set<(state: PriceSocketState) => void>();
  const channelStatus = new Map<PriceChannel, ChannelStatus>(
    channels.map((channel) => [channel, { channel, subscribed: false, lastError: null, lastFrameAt: null, frames: 0 }]),
  );
  let state: PriceSocketState = 'idle';
  let socket: WebSocket | null = null;
  let loop: Promise<void> | null = null;
  let connectedSince: number | null = null;
  let reconnects = 0;
  let lastError: string | null = null;
  let malformedFrames = 0;
  let unknownFrames = 0;

  function setState(next: PriceSocketState): void {
    if (state === next) return;
    state = next;
    for (const listener of [...listeners]) listener(next);
  }

  function deliver<F>(callback: ((frame: F, at: number) => void) | undefined, frame: F, at: number): void {
    try {
      callback?.(frame, at);
    } catch (err) {
      log.error({ err }, 'a frame listener threw; the frame is skipped');
    }
  }

  /** One connection, from the upgrade to the close; resolves when it is over. */
  async function connectOnce(): Promise<void> {
    setState('connecting');
    let token: string | undefined;
    try {
      token = getToken ? await getToken() : undefined;
    } catch (err) {
      lastError = `access token unavailable: ${(err as Error).message}`;
      log.warn({ error: lastError }, 'cannot connect to the price server');
      return;
    }
    if (stopping.signal.aborted) return;

    await new Promise<void>((resolve) => {
      const ws = new WebSocket(url, {
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        perMessageDeflate: false,
        handshakeTimeout: connectTimeoutMs,
      });
      socket = ws;
      const pending = new Set(channels);
      let failure: string | null = null;
      let awaitingPong = false;
      let pingTimer: NodeJS.Timeout | undefined;
      let answerTimer: NodeJS.Timeout | undefined;
      let silenceTimer: NodeJS.Timeout | undefined;

      const fail = (reason: string): void => {
        failure ??= reason;
        log.warn({ reason }, 'price server connection is dead; reconnecting');
        ws.terminate();
      };

      const onControl = (frame: Extract<ParsedFrame, { kind: 'control' }>): void => {
        if (frame.error !== undefined) metrics.errorFrame();
        const channel = channelStatus.get(frame.channel as PriceChannel);
        if (frame.action !== 'subscribe' || !channel || !pending.has(channel.channel)) {
          if (frame.error !== undefined) {
            lastError = `${frame.action || 'unknown action'} ${frame.channel || ''}: ${frame.error}`.trim();
            log.warn({ action: frame.action, channel: frame.channel, error: frame.error }, 'price server reported an error');
          }
          return;
        }
        pending.delete(channel.channel);
        if (pending.size === 0) clearTimeout(answerTimer);
        if (frame.error !== undefined) {
          channel.lastError = frame.error;
          lastError = `${channel.channel}: ${frame.error}`;
          metrics.subscribeRefused(channel.channel);
          log.error({ channel: channel.channel, error: frame.error, scope: scope.mode }, 'price server refused the subscription');
          return;
        }
        channel.subscribed = true;
        channel.lastError = null;
        silenceTimer ??= setTimeout(() => fail(`no data frame for ${silenceTimeoutMs} ms`), silenceTimeoutMs);
        if (channels.every((c) => channelStatus.get(c)!.subscribed)) {
          backoff.reset();
          setState('subscribed');
          log.info({ url: redactUrl(url), channels, scope: scope.mode }, 'subscribed to the price server');
        }
      };

      const onMessage = (data: RawData, isBinary: boolean): void => {
        const receivedAt = now();
        const parsed: ParsedFrame = isBinary
          ? { kind: 'unknown', excerpt: `<binary frame>` }
          : parseUpstreamFrame(data.toString());
        switch (parsed.kind) {
          case 'price':
          case 'change': {
            const channel = channelStatus.get(parsed.frame.CH);
            if (channel) {
              channel.frames++;
              channel.lastFrameAt = receivedAt;
            }
            silenceTimer?.refresh();
            metrics.frame(parsed.frame.CH);
            if (parsed.kind === 'price') deliver(onPrice, parsed.frame, receivedAt);
            else deliver(onChange, parsed.frame, receivedAt);
            return;
          }
          case 'control':
            return onControl(parsed);
          case 'malformed':
            malformedFrames++;
            metrics.malformed('malformed');
            if (worthLogging(malformedFrames)) {
              log.warn({ reason: parsed.reason, excerpt: parsed.excerpt, count: malformedFrames }, 'malformed frame skipped');
            }
            return;
          case 'unknown':
            unknownFrames++;
            metrics.malformed('unknown');
            if (worthLogging(unknownFrames)) {
              log.warn({ excerpt: parsed.excerpt, count: unknownFrames }, 'unknown frame skipped');
            }
        }
      };

      ws.on('open', () => {
        connectedSince = now();
        setState('subscribing');
        for (const channel of channels) ws.send(subscribeMessage(channel, scope));
        answerTimer = setTimeout(
          () => fail(`no answer to subscribe for ${[...pending].join(', ')} within ${connectTimeoutMs} ms`),
          connectTimeoutMs,
        );
        pingTimer = setInterval(() => {
          if (awaitingPong) return fail(`no pong within ${pingIntervalMs} ms`);
          awaitingPong = true;
          ws.ping();
        }, pingIntervalMs);
      });
      ws.on('pong', () => {
        awaitingPong = false;
      });
      ws.on('message', onMessage);
      ws.on('error', (err) => {
        failure ??= err.message;
      });
      ws.on('close', (code, reason) => {
        clearInterval(pingTimer);
        clearTimeout(answerTimer);
        clearTimeout(silenceTimer);
        socket = null;
        connectedSince = null;
        for (const channel of channelStatus.values()) channel.subscribed = false;
        if (!stopping.signal.aborted) {
          lastError = failure ?? `closed by the price server (code ${code}${reason.length ? `: ${reason.toString()}` : ''})`;
          log.warn({ error: lastError }, 'price server connection closed');
        }
        resolve();
      });
    });
  }

  async function run(): Promise<void> {
    while (!stopping.signal.aborted) {
      await connectOnce();
      if (stopping.signal.aborted) break;
      reconnects++;
      metrics.reconnected();
      setState('reconnecting');
      const delay = backoff.next();
      log.info({ delayMs: delay, attempt: backoff.attempt }, 'reconnecting to the price server');
      await sleep(delay, stopping.signal);
    }
    setState('stopped');
  }

  function waitFor(target: PriceSocketState, { timeoutMs }: { timeoutMs?: number } = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const off = onStateChange((next) => {
        if (next !== target && next !== 'stopped') return;
        off();
        clearTimeout(timer);
        if (next === target) resolve();
        else reject(new Error(`price socket: expected state '${target}', but it stopped`));
      });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          off();
          reject(new Error(`price socket: expected state '${target}' within ${timeoutMs} ms, still '${state}' (last error: ${lastError})`));
        }, timeoutMs);
      }
    });
  }

  function onStateChange(listener: (state: PriceSocketState) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  return {
    start() {
      if (loop || stopping.signal.aborted) return;
      loop = run();
    },
    async stop() {
      if (stopping.signal.aborted) return loop ?? undefined;
      stopping.abort();
      if (!loop) return setState('stopped');
      const ws = socket as WebSocket | null;
      if (ws?.readyState === WebSocket.OPEN) {
        const force = setTimeout(() => ws.terminate(), 2_000);
        ws.once('close', () => clearTimeout(force));
        ws.close(1000, 'client stopping');
      } else {
        ws?.terminate();
      }
      await loop;
    },
    status: () => ({
      state,
      url,
      connectedSince,
      reconnects,
      attempt: backoff.attempt,
      lastError,
      malformedFrames,
      unknownFrames,
      channels: [...channelStatus.values()].map((c) => ({ ...c })),
    }),
    onStateChange,
    waitFor,
    ready: (opts) => (state === 'subscribed' ? Promise.resolve() : waitFor('subscribed', opts)),
  };
}
