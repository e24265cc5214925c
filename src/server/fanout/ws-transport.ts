import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { handleProtocols } from 'graphql-ws';
import { WebSocket, WebSocketServer } from 'ws';
import { internalErrorReason, WsCloseCode } from './close-codes.js';
import type { Outbox, Transport } from './outbox.js';
import type { ProtocolServer } from './protocol-server.js';

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
  /** `MAX_REQUEST_BYTES`: the largest message a client may send; a larger one closes the socket with 1009 (ws' own default is 100 MiB) @default 102400 */
  maxPayload?: number;
  /** whether an upgrade request may become a connection (its Origin); refused ones get 403 @default every one */
  allowUpgrade?: (request: IncomingMessage) => boolean;
}

export interface WsTransport {
  wss: WebSocketServer;
  /** the outboxes of the open connections */
  outboxes(): Iterable<Outbox>;
  /** closes every connection with 1001 and stops accepting new ones */
  close(): Promise<void>;
}

/** Buffers are sent as text messages: they hold the UTF-8 of JSON frames. */
const TEXT = { binary: false };

function transportFor(socket: WebSocket, drainPollMs: number): Transport {
  const raw = (socket as unknown as { _socket?: Duplex })._socket;
  return {
    protocol: socket.protocol,
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    write(data) {
      if (socket.readyState === WebSocket.OPEN) socket.send(data, TEXT);
    },
    close(code, reason) {
      socket.close(code, reason);
    },
    onceDrained(callback) {
      let done = false;
      const fire = (): void => {
        if (done) return;
        done = true;
        raw?.off('drain', fire);
        clearTimeout(timer);
        callback();
      };
      raw?.once('drain', fire);
      const timer = setTimeout(fire, drainPollMs);
      return () => {
        done = true;
        raw?.off('drain', fire);
        clearTimeout(timer);
      };
    },
  };
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
  } = options;
  const wss = new WebSocketServer({
    server,
    path,
    perMessageDeflate: compression,
    handleProtocols,
    maxPayload,
    ...(allowUpgrade
      ? {
          verifyClient: ({ req }: { req: IncomingMessage }, done: (allowed: boolean, code?: number, message?: string) => void) =>
            allowUpgrade(req) ? done(true) : done(false, 403, 'Forbidden'),
        }
      : {}),
  });
  const outboxes = new Set<Outbox>();
  const internalReason = (error: unknown): string => internalErrorReason(error, hideInternalErrors);

  wss.once('error', (error) => {
    onError(error, 'server');
    for (const client of wss.clients) client.close(WsCloseCode.InternalServerError, internalReason(error));
  });

  wss.on('connection', (socket, request) => {
    socket.once('error', (error) => {
      onError(error, 'socket');
      socket.close(WsCloseCode.InternalServerError, internalReason(error));
    });
    let pongWait: NodeJS.Timeout | null = null;
    const pinger =
      keepAliveMs > 0 && Number.isFinite(keepAliveMs)
        ? setInterval(() => {
            if (socket.readyState !== WebSocket.OPEN) return;
            pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
            socket.once('pong', () => {
              if (pongWait) clearTimeout(pongWait);
              pongWait = null;
            });
            socket.ping();
          }, keepAliveMs)
        : null;
    const connection = protocol.opened(transportFor(socket, drainPollMs), { request, socket });
    outboxes.add(connection.outbox);
    socket.on('message', (data) => {
      connection.message(String(data)).catch((error: unknown) => connection.fail(error));
    });
    socket.once('close', (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      if (pinger) clearInterval(pinger);
      outboxes.delete(connection.outbox);
      connection.closed(code, String(reason));
    });
  });

  return {
    wss,
    outboxes: () => outboxes,
    async close() {
      for (const client of wss.clients) client.close(WsCloseCode.GoingAway, 'Server shutting down');
      wss.removeAllListeners('connection');
      // a client that does not read cannot complete the close handshake
      const stragglers = setTimeout(() => {
        for (const client of wss.clients) client.terminate();
      }, closeGraceMs);
      try {
        await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
      } finally {
        clearTimeout(stragglers);
      }
    },
  };
}
