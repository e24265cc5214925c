import { GRAPHQL_TRANSPORT_WS_PROTOCOL, MessageType, parseMessage, stringifyMessage, type Message } from 'graphql-ws';
import { internalErrorReason, WsCloseCode } from './close-codes.js';
import { messageTooLarge, retainedParams, tooManySubscriptions, withTrustedQuery, type ConnectionLimits } from './connection-limits.js';
import { errorMessage } from './messages.js';
import type { SubscriptionGroups } from './groups.js';
import { NO_FANOUT_METRICS, type FanoutMetrics } from '../../metrics/fanout-metrics.js';
import type { PreparedOperation } from './operation.js';
import { Outbox, type OutboxOptions, type Transport } from './outbox.js';
import {
  ConnectionRefused,
  publicConnection,
  type AuthenticateConnection,
  type ConnectionControl,
  type ConnectionGrant,
  type ConnectionInfo,
  type UpgradeRequest,
} from './policy.js';
import type { Viewer } from '../../domain/viewer.js';
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
  opened(transport: Transport, extra: { request: UpgradeRequest; socket: unknown }): ProtocolConnection;
  /** live operations of every connection */
  readonly subscriptions: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type SubscribeMessage = Extract<Message, { type: MessageType.Subscribe }>;

type Settings = Required<Pick<ProtocolServerOptions, 'metrics' | 'connectionInitWaitTimeout' | 'authenticate' | 'hideInternalErrors' | 'onInternalError'>> &
  Pick<ProtocolServerOptions, 'prepare' | 'groups' | 'onConnect' | 'outbox'> & {
    limits: Required<ConnectionLimits>;
    live: { subscriptions: number };
    /** one callback for every connection's outbox */
    onConflated: () => void;
  };

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
    onConflated: () => settings.metrics.conflated(),
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

/**
 * A connection once acknowledged, in one shape for every connection (an object spread per
 * connection gave each its own hidden class, and every reader of it a megamorphic lookup).
 */
class AcknowledgedConnection implements ConnectionInfo {
  constructor(
    readonly connectionParams: Record<string, unknown> | undefined,
    readonly request: UpgradeRequest,
    readonly socket: unknown,
    readonly scope: string,
    readonly viewer: Viewer | undefined,
    readonly context: Record<string, unknown> | undefined,
  ) {}
}

/** `connection_init` did not come in time (the session is the timer's argument: no closure per connection). */
function initTimedOut(session: ProtocolSession): void {
  session.initTimedOut();
}

/**
 * One connection of the protocol, from the upgrade to the close. It is its subscribers' host and
 * its authenticator's control itself: an idle connection holds this object, its outbox and its
 * subscribers, and no closures of its own (but the outbox's overflow callback).
 */
class ProtocolSession implements ProtocolConnection, SubscriberHost, ConnectionControl {
  readonly outbox: Outbox;
  /** the live operations: the first in `one`, a map only once there are two */
  private one: Subscriber | null = null;
  private many: Map<string, Subscriber> | null = null;
  /** the client did not speak the protocol: everything it sends is ignored until the close */
  private refused = false;
  private initReceived = false;
  private connection: AcknowledgedConnection | null = null;
  /** what the grant of `authenticate` asked to be called at the close */
  private onClose: (() => void) | null = null;
  private isClosed = false;
  private slow = false;
  private initTimer: NodeJS.Timeout | null = null;
  /** until `connection_init`: what the upgrade left (then kept in `connection`) */
  private upgrade: { request: UpgradeRequest; socket: unknown } | null;

  constructor(
    private readonly settings: Settings,
    private readonly transport: Transport,
    upgrade: { request: UpgradeRequest; socket: unknown },
  ) {
    this.upgrade = upgrade;
    this.outbox = new Outbox(transport, {
      ...settings.outbox,
      onConflated: settings.onConflated,
      onOverflow: () => this.overflowed(),
    });
  }

  /** the operation of this id, if live */
  private find(id: string): Subscriber | undefined {
    if (this.one?.id === id) return this.one;
    return this.many?.get(id);
  }

  private get count(): number {
    return (this.one ? 1 : 0) + (this.many?.size ?? 0);
  }

  private add(subscriber: Subscriber): void {
    if (!this.one) this.one = subscriber;
    else (this.many ??= new Map()).set(subscriber.id, subscriber);
    this.settings.live.subscriptions++;
  }

  /** SubscriberHost: the subscriber finished, its id is free again. */
  release(subscriber: Subscriber): void {
    if (this.one === subscriber) this.one = null;
    else if (this.many?.get(subscriber.id) !== subscriber || !this.many.delete(subscriber.id)) return;
    this.settings.live.subscriptions--;
  }

  /** ConnectionControl: an authenticator closes the connection (its token expired). */
  close(code: number, reason: string): void {
    this.transport.close(code, reason);
  }

  initTimedOut(): void {
    this.initTimer = null;
    if (!this.initReceived) this.transport.close(WsCloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
  }

  /** Refuses another subprotocol; otherwise starts waiting for `connection_init`. */
  begin(): void {
    if (this.transport.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
      this.refused = true;
      this.transport.close(WsCloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
      return;
    }
    const wait = this.settings.connectionInitWaitTimeout;
    if (wait > 0 && Number.isFinite(wait)) this.initTimer = setTimeout(initTimedOut, wait, this);
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
    const usable = typeof id === 'string' && id.length > 0 && id.length <= this.settings.limits.maxIdLength && !this.find(id);
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
    this.upgrade = null;
    const onClose = this.onClose;
    this.onClose = null;
    onClose?.();
    if (this.initTimer) clearTimeout(this.initTimer);
    this.initTimer = null;
    this.outbox.close();
    this.cancelAll();
  }

  private cancelAll(): void {
    const all = this.many ? [...this.many.values()] : [];
    if (this.one) all.unshift(this.one);
    this.settings.live.subscriptions -= all.length;
    this.one = null;
    this.many = null;
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
        this.find(message.id)?.cancel();
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
    const upgrade = this.upgrade;
    if (!upgrade) return;
    const base = { connectionParams: isObject(payload) ? payload : undefined, request: upgrade.request, socket: upgrade.socket };
    const permitted = this.settings.onConnect ? await this.settings.onConnect(base) : undefined;
    if (permitted === false) return this.transport.close(WsCloseCode.Forbidden, 'Forbidden');
    const grant = await this.authenticated(base);
    if (!grant) return;
    const { viewer, context } = grant;
    // the whole payload was read above; only small top-level values stay for the connection's life
    const connectionParams = retainedParams(base.connectionParams, this.settings.limits);
    this.connection = new AcknowledgedConnection(connectionParams, base.request, base.socket, grant.scope ?? viewer?.scope ?? 'public', viewer, context);
    this.upgrade = null;
    this.outbox.send(stringifyMessage(isObject(permitted) ? { type: MessageType.ConnectionAck, payload: permitted } : { type: MessageType.ConnectionAck }));
  }

  /** The grant of `authenticate`, kept until the close; null when the connection was refused or closed meanwhile. */
  private async authenticated(base: Omit<ConnectionInfo, 'scope'>): Promise<ConnectionGrant | null> {
    let grant: ConnectionGrant;
    try {
      grant = await this.settings.authenticate(base, this);
    } catch (error) {
      if (!(error instanceof ConnectionRefused)) throw error;
      this.transport.close(error.code, error.reason);
      return null;
    }
    if (this.isClosed) {
      grant.release?.();
      return null;
    }
    this.onClose = grant.release ?? null;
    return grant;
  }

  private async subscribe(message: SubscribeMessage): Promise<void> {
    if (!this.connection) return this.transport.close(WsCloseCode.Unauthorized, 'Unauthorized');
    const { id, payload } = message;
    const { maxIdLength, maxSubscriptions } = this.settings.limits;
    // never echoed: every frame of the operation would carry it
    if (id.length > maxIdLength) return this.transport.close(WsCloseCode.BadRequest, `Subscription id longer than ${maxIdLength} characters`);
    if (this.find(id)) return this.transport.close(WsCloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
    if (this.count >= maxSubscriptions) return this.outbox.send(errorMessage(id, [tooManySubscriptions(maxSubscriptions)]));
    const subscriber = new Subscriber(id, this.outbox, this);
    this.add(subscriber);
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
