import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { handleProtocols } from 'graphql-ws';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { createChangeListeners, type Watch } from '../../change-listeners.js';
import { internalErrorReason, WsCloseCode } from './close-codes.js';
import type { Frame, Outbox, Transport } from './outbox.js';
import type { UpgradeRequest } from './policy.js';
import type { ProtocolConnection, ProtocolServer } from './protocol-server.js';
import { TextFrame } from './text-frame.js';

export interface WsTransportOptions {
  server: HttpServer;
  path: string;
  protocol: ProtocolServer;
  /** permessage-deflate: off by default, it costs several times the CPU per message @default false */
  compression?: boolean;
  /** ms between server pings; a socket that does not answer within as long is dropped @default 12000 */
  keepAliveMs?: number;
  /** while a socket is behind, how often its buffer is checked besides its drain event @default 250 */
  drainPollMs?: number;
  /** on close, ms a client gets to answer the close handshake before it is dropped @default 2000 */
  closeGraceMs?: number;
  /** hide internal error messages in close reasons (`NODE_ENV=production`, through the config) @default false */
  hideInternalErrors?: boolean;
  onError?: (error: unknown, where: 'server' | 'socket') => void;
  /**
   * `MAX_REQUEST_BYTES`: the largest message a client may send. A larger subscribe gets a coded
   * error and the socket stays open; ws itself reads no message over 4× this (at least 1 MiB) and
   * closes with 1009 (its own default is 100 MiB) @default 102400
   */
  maxPayload?: number;
  /** whether an upgrade request may become a connection (its Origin); refused ones get 403 @default every one */
  allowUpgrade?: (request: IncomingMessage) => boolean;
  /** bytes a socket may hold back for one write at the end of the turn; past them it is written at once @default 16384 */
  holdLimitBytes?: number;
}

export interface WsTransport {
  wss: WebSocketServer;
  /** the outboxes of the open connections */
  outboxes(): Iterable<Outbox>;
  /** open connections */
  connections(): number;
  /** calls `listener` after each connection opened or closed */
  watch: Watch;
  /** closes every connection with 1001 and stops accepting new ones */
  close(): Promise<void>;
}

/** The keep-alive period is swept in this many slices, each pinging its share of the sockets. */
const KEEPALIVE_SLICES = 12;

/** A server ping with no payload (RFC 6455 §5.5.2), as `ws` sends it. */
const PING_FRAME = Buffer.from([0x89, 0x00]);

/** Buffers are sent as text messages: they hold the UTF-8 of JSON frames. */
const TEXT = { binary: false };

const NO_HEADERS: UpgradeRequest['headers'] = Object.freeze({});

/**
 * What a connection keeps of its upgrade request: the `Authorization` and `Origin` headers (one
 * shared empty object when neither came) and the TCP socket, alive anyway, for the peer's
 * address. The IncomingMessage itself, with every raw and parsed header, is not kept.
 */
class KeptRequest implements UpgradeRequest {
  readonly headers: UpgradeRequest['headers'];
  readonly socket: UpgradeRequest['socket'];

  constructor(request: IncomingMessage) {
    const { authorization, origin } = request.headers;
    this.headers = authorization === undefined && origin === undefined ? NO_HEADERS : { authorization, origin };
    this.socket = request.socket;
  }
}

/** What `ws` keeps of a socket that matters here: its TCP socket, and its sender's queue (used only while compressing). */
interface WsInternals {
  _socket?: Duplex;
  _sender?: { _queue?: unknown[] };
}

/**
 * Frames written during one turn to a socket that is not behind are held back and written at
 * the turn's end, one `write` per socket however many frames it got: the events of one upstream
 * read that reach the same client cost one system call. Held bytes are not "behind": the
 * outbox's high-water mark, conflation and lossless limit see only what the socket has not
 * taken (`bufferedAmount`); a socket holding `limitBytes` is written at once, and a socket with
 * anything buffered is written straight away, so its buffer never grows by more than that.
 */
class TurnCoalescer {
  private held: SocketTransport[] = [];
  private spare: SocketTransport[] = [];
  private armed = false;

  constructor(readonly limitBytes: number) {}

  /** `transport` holds its first frame of the turn */
  add(transport: SocketTransport): void {
    this.held.push(transport);
    if (this.armed) return;
    this.armed = true;
    process.nextTick(this.flushAll);
  }

  private readonly flushAll = (): void => {
    this.armed = false;
    const held = this.held;
    this.held = this.spare;
    let i = 0;
    try {
      for (; i < held.length; i++) held[i]!.flush();
    } finally {
      // should a write throw, the sockets after it are flushed on the next tick, not forgotten
      for (let j = i + 1; j < held.length; j++) this.add(held[j]!);
      held.length = 0;
      this.spare = held;
    }
  };
}

interface TransportSettings {
  drainPollMs: number;
  direct: boolean;
  coalescer: TurnCoalescer;
}

/**
 * One accepted socket as the protocol sees it. Methods live on the prototype and the socket's
 * listeners are shared functions, so an idle connection holds this object and no closures.
 */
class SocketTransport implements Transport {
  connection: ProtocolConnection | null = null;
  /** a keep-alive ping is unanswered */
  awaitingPong = false;
  /** the keep-alive slice this socket is pinged in */
  slice = 0;
  /** the socket failed once: later errors are not reported again */
  errored = false;
  /** a keep-alive ping waits to go out with the next frame (or alone at the next sweep) */
  pingDue = false;
  /** framed bytes held back until the end of the turn (see TurnCoalescer): one Buffer, or several */
  private held: Buffer | Buffer[] | null = null;
  /** bytes in `held`; never part of `bufferedAmount` */
  heldBytes = 0;
  private readonly raw: Duplex | undefined;

  constructor(
    readonly socket: WebSocket,
    private readonly settings: TransportSettings,
  ) {
    this.raw = (socket as unknown as WsInternals)._socket;
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  /** what the socket has not taken yet; frames held for the end of the turn are not counted */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  write(data: Frame): void {
    const { socket } = this;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (data instanceof TextFrame) {
      // without compression `ws` writes a frame straight to the TCP socket; so does this, with bytes framed once
      if (this.settings.direct && this.raw && !(socket as unknown as WsInternals)._sender?._queue?.length) {
        // a socket that is behind is written at once, as before: its buffer is what the outbox measures
        if (socket.bufferedAmount === 0) this.hold(data.wire);
        else {
          if (this.held !== null) this.flush();
          this.raw.write(data.wire);
        }
        return;
      }
      data = data.text;
    }
    // what `ws` frames itself goes after the frames held before it
    if (this.held !== null) this.flush();
    socket.send(data, TEXT);
  }

  private hold(wire: Buffer): void {
    const { held } = this;
    if (held === null) {
      this.held = wire;
      this.heldBytes = wire.length;
      this.settings.coalescer.add(this);
    } else {
      if (Array.isArray(held)) held.push(wire);
      else this.held = [held, wire];
      this.heldBytes += wire.length;
    }
    if (this.pingDue) {
      this.pingDue = false;
      this.hold(PING_FRAME);
    } else if (this.heldBytes >= this.settings.coalescer.limitBytes) this.flush();
  }

  /** The keep-alive ping: in the same write as the frames held this turn, if any. */
  ping(): void {
    this.pingDue = false;
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.held !== null) this.hold(PING_FRAME);
    else this.socket.ping();
  }

  /** Writes what is held, in one write. */
  flush(): void {
    const { held } = this;
    if (held === null) return;
    const bytes = this.heldBytes;
    this.held = null;
    this.heldBytes = 0;
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.raw!.write(Array.isArray(held) ? Buffer.concat(held, bytes) : held);
  }

  close(code: number, reason: string): void {
    if (this.held !== null) this.flush();
    this.socket.close(code, reason);
  }

  onceDrained(callback: () => void): () => void {
    const { raw } = this;
    let done = false;
    const fire = (): void => {
      if (done) return;
      done = true;
      raw?.off('drain', fire);
      clearTimeout(timer);
      callback();
    };
    raw?.once('drain', fire);
    const timer = setTimeout(fire, this.settings.drainPollMs);
    return () => {
      done = true;
      raw?.off('drain', fire);
      clearTimeout(timer);
    };
  }
}

/** `graphql-transport-ws` on a path of an HTTP server, with the `ws` library. */
export function attachWsTransport(options: WsTransportOptions): WsTransport {
  const {
    server,
    path,
    protocol,
    compression = false,
    keepAliveMs = 12_000,
    drainPollMs = 250,
    closeGraceMs = 2000,
    hideInternalErrors = false,
    onError = () => {},
    maxPayload = 102_400,
    allowUpgrade,
    holdLimitBytes = 16_384,
  } = options;
  const wss = new WebSocketServer({
    server,
    path,
    // the open sockets are tracked here (`transports`), not in a second set with a listener per socket
    clientTracking: false,
    perMessageDeflate: compression,
    handleProtocols,
    maxPayload: Math.max(4 * maxPayload, 1 << 20),
    ...(allowUpgrade
      ? {
          verifyClient: ({ req }: { req: IncomingMessage }, done: (allowed: boolean, code?: number, message?: string) => void) =>
            allowUpgrade(req) ? done(true) : done(false, 403, 'Forbidden'),
        }
      : {}),
  });
  const transports = new Map<WebSocket, SocketTransport>();
  const changes = createChangeListeners();
  const settings: TransportSettings = { drainPollMs, direct: !compression, coalescer: new TurnCoalescer(holdLimitBytes) };
  const internalReason = (error: unknown): string => internalErrorReason(error, hideInternalErrors);

  /** called once every socket has closed, while the transport closes */
  let onEmpty: (() => void) | null = null;

  wss.once('error', (error) => {
    onError(error, 'server');
    for (const socket of transports.keys()) socket.close(WsCloseCode.InternalServerError, internalReason(error));
  });

  // listeners shared by every socket (`this` is the socket), added with `on`: `once` would wrap each in a closure per socket
  function onSocketError(this: WebSocket, error: Error): void {
    const transport = transports.get(this);
    if (transport) {
      if (transport.errored) return;
      transport.errored = true;
    }
    onError(error, 'socket');
    this.close(WsCloseCode.InternalServerError, internalReason(error));
  }
  function onMessage(this: WebSocket, data: RawData): void {
    const connection = transports.get(this)?.connection;
    if (!connection) return;
    if (byteLength(data) > maxPayload) return connection.tooLarge(String(data), maxPayload);
    connection.message(String(data)).catch((error: unknown) => connection.fail(error));
  }
  function onPong(this: WebSocket): void {
    const transport = transports.get(this);
    if (transport) transport.awaitingPong = false;
  }
  function onClose(this: WebSocket, code: number, reason: Buffer): void {
    const transport = transports.get(this);
    if (!transport) return;
    transports.delete(this);
    changes.changed();
    transport.connection?.closed(code, String(reason));
    if (transports.size === 0) onEmpty?.();
  }

  // One keep-alive timer for every socket, its period swept in slices so a large server never
  // pings all its sockets in one turn; each socket is pinged once per period, and dropped when
  // it did not answer the previous ping.
  // Without compression a ping first waits up to one slice for a frame to the same socket and
  // goes out in that frame's write (no write of its own); the client still has the rest of the
  // period to answer.
  let tick = 0;
  let due: SocketTransport[] = [];
  const sweep = (): void => {
    const slice = tick++ % KEEPALIVE_SLICES;
    const waited = due;
    due = [];
    for (const transport of waited) if (transport.pingDue) transport.ping();
    for (const transport of transports.values()) {
      if (transport.slice !== slice) continue;
      const { socket } = transport;
      if (socket.readyState !== WebSocket.OPEN) continue;
      if (transport.awaitingPong) {
        socket.terminate();
        continue;
      }
      transport.awaitingPong = true;
      if (settings.direct) {
        transport.pingDue = true;
        due.push(transport);
      } else socket.ping();
    }
  };
  const keepAlive = keepAliveMs > 0 && Number.isFinite(keepAliveMs) ? setInterval(sweep, keepAliveMs / KEEPALIVE_SLICES) : null;
  keepAlive?.unref();

  wss.on('connection', (socket, request) => {
    socket.on('error', onSocketError);
    const transport = new SocketTransport(socket, settings);
    // first pinged a whole period after it connected, as with a timer of its own
    transport.slice = (tick + KEEPALIVE_SLICES - 1) % KEEPALIVE_SLICES;
    transports.set(socket, transport);
    socket.on('message', onMessage);
    socket.on('pong', onPong);
    socket.on('close', onClose);
    transport.connection = protocol.opened(transport, { request: new KeptRequest(request), socket });
    changes.changed();
  });

  function* outboxes(): Iterable<Outbox> {
    for (const transport of transports.values()) if (transport.connection) yield transport.connection.outbox;
  }

  return {
    wss,
    outboxes,
    connections: () => transports.size,
    watch: changes.watch,
    async close() {
      if (keepAlive) clearInterval(keepAlive);
      for (const socket of transports.keys()) socket.close(WsCloseCode.GoingAway, 'Server shutting down');
      wss.removeAllListeners('connection');
      // a client that does not read cannot complete the close handshake
      const stragglers = setTimeout(() => {
        for (const socket of transports.keys()) socket.terminate();
      }, closeGraceMs);
      try {
        const closed = new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
        if (transports.size > 0) await new Promise<void>((resolve) => (onEmpty = resolve));
        await closed;
      } finally {
        clearTimeout(stragglers);
      }
    },
  };
}

function byteLength(data: RawData): number {
  return Array.isArray(data) ? data.reduce((sum, chunk) => sum + chunk.length, 0) : data.byteLength;
}
