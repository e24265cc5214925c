import type { IncomingMessage } from 'node:http';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL, MessageType, parseMessage, stringifyMessage, type Message } from 'graphql-ws';
import { internalErrorReason, WsCloseCode } from './close-codes.js';
import { messageTooLarge, retainedParams, tooManySubscriptions, withTrustedQuery, type ConnectionLimits } from './connection-limits.js';
import { errorMessage } from './messages.js';
import type { SubscriptionGroups } from './groups.js';
import { NO_FANOUT_METRICS, type FanoutMetrics } from '../../metrics/fanout-metrics.js';
import type { PreparedOperation } from './operation.js';
import { Outbox, type OutboxOptions, type Transport } from './outbox.js';
import { ConnectionRefused, publicConnection, type AuthenticateConnection, type ConnectionGrant, type ConnectionInfo } from './policy.js';
import { runUnshared } from './unshared-execution.js';
import { Subscriber, type SubscriberHost } from './subscriber.js';

export interface ProtocolServerOptions {
  prepare: (connection: ConnectionInfo, params: Extract<Message, { type: MessageType.Subscribe }>['payload']) => PreparedOperation;
  groups: SubscriptionGroups;
  /** @default no metrics */
  metrics?: FanoutMetrics;
  /** ms to wait for `connection_init` before closing with 4408 @default 3000 */
  connectionInitWaitTimeout?: number;
  /** false refuses the connection (4403); an object becomes the `connection_ack` payload */
  onConnect?: (connection: Omit<ConnectionInfo, 'scope'>) => boolean | Record<string, unknown> | void | Promise<boolean | Record<string, unknown> | void>;
  /** who the connection is, at `connection_init` (ConnectionRefused closes it) @default everyone public */
  authenticate?: AuthenticateConnection;
  outbox?: Omit<OutboxOptions, 'onConflated' | 'onOverflow'>;
  /** hide internal error messages in close reasons (`NODE_ENV=production`, through the config) @default false */
  hideInternalErrors?: boolean;
  onInternalError?: (error: unknown) => void;
  /** subscriptions, ids and `connection_init` payload a connection may hold @default ConnectionLimits' defaults */
  limits?: ConnectionLimits;
}

/** One accepted socket: the transport feeds it messages and tells it when the socket closed. */
export interface ProtocolConnection {
  outbox: Outbox;
  message(data: string): Promise<void>;
  /** a message over `MAX_REQUEST_BYTES`, never parsed as a document */
  tooLarge(data: string, maxBytes: number): void;
  /** an unexpected failure while handling this connection: close with 4500 */
  fail(error: unknown): void;
  closed(code: number, reason: string): void;
}

export interface ProtocolServer {
  opened(transport: Transport, extra: { request: IncomingMessage; socket: unknown }): ProtocolConnection;
  /** live operations of every connection */
  readonly subscriptions: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type SubscribeMessage = Extract<Message, { type: MessageType.Subscribe }>;

type Settings = Required<Pick<ProtocolServerOptions, 'metrics' | 'connectionInitWaitTimeout' | 'authenticate' | 'hideInternalErrors' | 'onInternalError'>> &
  Pick<ProtocolServerOptions, 'prepare' | 'groups' | 'onConnect' | 'outbox'> & { limits: Required<ConnectionLimits>; live: { subscriptions: number } };

/**
 * The server side of `graphql-transport-ws`, apart from any transport: the same handshake,
 * close codes and message rules as graphql-ws's own server, with subscriptions handed to
 * shared groups where possible and every outbound frame going through the connection's outbox.
 */
export function createProtocolServer(options: ProtocolServerOptions): ProtocolServer {
  const settings: Settings = {
    ...options,
    metrics: options.metrics ?? NO_FANOUT_METRICS,
    connectionInitWaitTimeout: options.connectionInitWaitTimeout ?? 3000,
    authenticate: options.authenticate ?? publicConnection,
    hideInternalErrors: options.hideInternalErrors ?? false,
    onInternalError: options.onInternalError ?? (() => {}),
    limits: { maxSubscriptions: 100, maxIdLength: 128, maxParams: 32, maxParamChars: 8192, ...options.limits },
    live: { subscriptions: 0 },
  };
  return {
    opened(transport, extra) {
      const session = new ProtocolSession(settings, transport, extra);
      session.begin();
      return session;
    },
    get subscriptions() {
      return settings.live.subscriptions;
    },
  };
}

/** One connection of the protocol, from the upgrade to the close. */
class ProtocolSession implements ProtocolConnection {
  readonly outbox: Outbox;
  private readonly subscriptions = new Map<string, Subscriber>();
  private readonly host: SubscriberHost;
  /** the client did not speak the protocol: everything it sends is ignored until the close */
  private refused = false;
  private initReceived = false;
  private connection: ConnectionInfo | null = null;
  private grant: ConnectionGrant | null = null;
  private isClosed = false;
  private slow = false;
  private initTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly settings: Settings,
    private readonly transport: Transport,
    private readonly extra: { request: IncomingMessage; socket: unknown },
  ) {
    this.outbox = new Outbox(transport, {
      ...settings.outbox,
      onConflated: () => settings.metrics.conflated(),
      onOverflow: () => this.overflowed(),
    });
    this.host = {
      release: (s) => {
        if (this.subscriptions.get(s.id) === s && this.subscriptions.delete(s.id)) settings.live.subscriptions--;
      },
      fail: (error) => this.fail(error),
    };
  }

  /** Refuses another subprotocol; otherwise starts waiting for `connection_init`. */
  begin(): void {
    if (this.transport.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
      this.refused = true;
      this.transport.close(WsCloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
      return;
    }
    const wait = this.settings.connectionInitWaitTimeout;
    if (wait > 0 && Number.isFinite(wait)) {
      this.initTimer = setTimeout(() => {
        if (!this.initReceived) this.transport.close(WsCloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
      }, wait);
    }
  }

  async message(data: string): Promise<void> {
    if (this.refused) return;
    let message: Message;
    try {
      message = parseMessage(withTrustedQuery(JSON.parse(data)));
    } catch {
      return this.transport.close(WsCloseCode.BadRequest, 'Invalid message received');
    }
    try {
      await this.handle(message);
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * A message over `MAX_REQUEST_BYTES` (and under the transport's hard cap): its document is never
   * parsed. A `subscribe` with a usable id gets a coded `error` and the connection goes on;
   * anything else closes with 1009, as a message over the hard cap does.
   */
  tooLarge(data: string, maxBytes: number): void {
    if (this.refused) return;
    let id: unknown;
    try {
      const parsed: unknown = JSON.parse(data);
      if (isObject(parsed) && parsed['type'] === MessageType.Subscribe) id = parsed['id'];
    } catch {
      // not even JSON: closed below
    }
    const usable = typeof id === 'string' && id.length > 0 && id.length <= this.settings.limits.maxIdLength && !this.subscriptions.has(id);
    if (!this.connection || !usable) return this.transport.close(WsCloseCode.MessageTooBig, 'Message too big');
    this.outbox.send(errorMessage(id as string, [messageTooLarge(maxBytes)]));
  }

  /** An unexpected failure: the connection closes with 4500. */
  fail(error: unknown): void {
    if (this.refused) return;
    this.settings.onInternalError(error);
    this.transport.close(WsCloseCode.InternalServerError, internalErrorReason(error, this.settings.hideInternalErrors));
  }

  closed(): void {
    this.isClosed = true;
    this.grant?.release?.();
    if (this.initTimer) clearTimeout(this.initTimer);
    this.outbox.close();
    this.cancelAll();
  }

  private cancelAll(): void {
    const all = [...this.subscriptions.values()];
    this.settings.live.subscriptions -= all.length;
    this.subscriptions.clear();
    for (const s of all) s.cancel();
  }

  /** The connection fell too far behind on a lossless subscription: close with 1013, once. */
  private overflowed(): void {
    if (this.slow) return;
    this.slow = true;
    this.settings.metrics.slowClose();
    this.outbox.close();
    this.cancelAll();
    this.transport.close(WsCloseCode.SlowConsumer, 'Slow consumer: resubscribe from your last cursor');
  }

  private async handle(message: Message): Promise<void> {
    switch (message.type) {
      case MessageType.ConnectionInit:
        return this.initialise(message.payload);
      case MessageType.Ping:
        this.outbox.send(stringifyMessage(message.payload ? { type: MessageType.Pong, payload: message.payload } : { type: MessageType.Pong }));
        return;
      case MessageType.Pong:
        return;
      case MessageType.Subscribe:
        return this.subscribe(message);
      case MessageType.Complete:
        this.subscriptions.get(message.id)?.cancel();
        return;
      default:
        // a message only a server sends (next, error, connection_ack, ...): the client's mistake
        return this.transport.close(WsCloseCode.BadRequest, `Unexpected message of type ${message.type} received`);
    }
  }

  private async initialise(payload: unknown): Promise<void> {
    if (this.initReceived) return this.transport.close(WsCloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
    this.initReceived = true;
    // the timer's work is done: an idle connection keeps no timer
    if (this.initTimer) clearTimeout(this.initTimer);
    this.initTimer = null;
    const base = { connectionParams: isObject(payload) ? payload : undefined, request: this.extra.request, socket: this.extra.socket };
    const permitted = await this.settings.onConnect?.(base);
    if (permitted === false) return this.transport.close(WsCloseCode.Forbidden, 'Forbidden');
    const grant = await this.authenticated(base);
    if (!grant) return;
    const { viewer, context } = grant;
    // the whole payload was read above; only small top-level values stay for the connection's life
    const connectionParams = retainedParams(base.connectionParams, this.settings.limits);
    this.connection = { ...base, connectionParams, scope: grant.scope ?? viewer?.scope ?? 'public', ...(viewer ? { viewer } : {}), ...(context ? { context } : {}) };
    this.outbox.send(stringifyMessage(isObject(permitted) ? { type: MessageType.ConnectionAck, payload: permitted } : { type: MessageType.ConnectionAck }));
  }

  /** The grant of `authenticate`, kept until the close; null when the connection was refused or closed meanwhile. */
  private async authenticated(base: Omit<ConnectionInfo, 'scope'>): Promise<ConnectionGrant | null> {
    let grant: ConnectionGrant;
    try {
      grant = await this.settings.authenticate(base, { close: (code, reason) => this.transport.close(code, reason) });
    } catch (error) {
      if (!(error instanceof ConnectionRefused)) throw error;
      this.transport.close(error.code, error.reason);
      return null;
    }
    if (this.isClosed) {
      grant.release?.();
      return null;
    }
    this.grant = grant;
    return grant;
  }

  private async subscribe(message: SubscribeMessage): Promise<void> {
    if (!this.connection) return this.transport.close(WsCloseCode.Unauthorized, 'Unauthorized');
    const { id, payload } = message;
    const { maxIdLength, maxSubscriptions } = this.settings.limits;
    // never echoed: every frame of the operation would carry it
    if (id.length > maxIdLength) return this.transport.close(WsCloseCode.BadRequest, `Subscription id longer than ${maxIdLength} characters`);
    if (this.subscriptions.has(id)) return this.transport.close(WsCloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
    if (this.subscriptions.size >= maxSubscriptions) return this.outbox.send(errorMessage(id, [tooManySubscriptions(maxSubscriptions)]));
    const subscriber = new Subscriber(id, this.outbox, this.host);
    this.subscriptions.set(id, subscriber);
    this.settings.live.subscriptions++;
    const prepared = this.settings.prepare(this.connection, payload);
    const { metrics } = this.settings;
    switch (prepared.kind) {
      case 'errors':
        return subscriber.error(prepared.errors);
      case 'shared':
        subscriber.conflate = prepared.conflation !== null;
        return this.settings.groups.join(subscriber, prepared);
      case 'single':
        subscriber.conflate = prepared.conflation !== null;
        if (prepared.operation === 'subscription') metrics.unshared(prepared.field);
        return runUnshared(subscriber, prepared, metrics).catch((error: unknown) => subscriber.fail(error));
    }
  }
}
