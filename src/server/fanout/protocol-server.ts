import type { IncomingMessage } from 'node:http';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL, MessageType, parseMessage, stringifyMessage, type Message } from 'graphql-ws';
import { internalErrorReason, WsCloseCode } from './close-codes.js';
import type { SubscriptionGroups } from './groups.js';
import { NO_FANOUT_METRICS, type FanoutMetrics } from '../../metrics/fanout-metrics.js';
import type { PreparedOperation } from './operation.js';
import { Outbox, type OutboxOptions, type Transport } from './outbox.js';
import { publicScope, type ConnectionInfo, type ResolveScope } from './policy.js';
import { runUnshared } from './unshared-execution.js';
import { Subscriber } from './subscriber.js';

export interface ProtocolServerOptions {
  prepare: (connection: ConnectionInfo, params: Extract<Message, { type: MessageType.Subscribe }>['payload']) => PreparedOperation;
  groups: SubscriptionGroups;
  /** @default no metrics */
  metrics?: FanoutMetrics;
  /** ms to wait for `connection_init` before closing with 4408 @default 3000 */
  connectionInitWaitTimeout?: number;
  /** false refuses the connection (4403); an object becomes the `connection_ack` payload */
  onConnect?: (connection: Omit<ConnectionInfo, 'scope'>) => boolean | Record<string, unknown> | void | Promise<boolean | Record<string, unknown> | void>;
  /** the authorisation scope of an acknowledged connection @default () => 'public' */
  resolveScope?: ResolveScope;
  outbox?: Omit<OutboxOptions, 'onConflated' | 'onOverflow'>;
  refreshContext?: (context: Record<string, unknown>) => void;
  /** hide internal error messages in close reasons (`NODE_ENV=production`, through the config) @default false */
  hideInternalErrors?: boolean;
  onInternalError?: (error: unknown) => void;
}

/** One accepted socket: the transport feeds it messages and tells it when the socket closed. */
export interface ProtocolConnection {
  outbox: Outbox;
  message(data: string): Promise<void>;
  /** an unexpected failure while handling this connection: close with 4500 */
  fail(error: unknown): void;
  closed(code: number, reason: string): void;
}

export interface ProtocolServer {
  opened(transport: Transport, extra: { request: IncomingMessage; socket: unknown }): ProtocolConnection;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The server side of `graphql-transport-ws`, apart from any transport: the same handshake,
 * close codes and message rules as graphql-ws's own server, with subscriptions handed to
 * shared groups where possible and every outbound frame going through the connection's outbox.
 */
export function createProtocolServer(options: ProtocolServerOptions): ProtocolServer {
  const {
    prepare,
    groups,
    metrics = NO_FANOUT_METRICS,
    connectionInitWaitTimeout = 3000,
    onConnect,
    resolveScope = publicScope,
    refreshContext,
    hideInternalErrors = false,
    onInternalError = () => {},
  } = options;

  return {
    opened(transport, extra) {
      const subscriptions = new Map<string, Subscriber>();
      let initReceived = false;
      let connection: ConnectionInfo | null = null;
      let slow = false;

      const internal = (error: unknown): void => {
        onInternalError(error);
        transport.close(WsCloseCode.InternalServerError, internalErrorReason(error, hideInternalErrors));
      };
      const cancelAll = (): void => {
        const all = [...subscriptions.values()];
        subscriptions.clear();
        for (const s of all) s.cancel();
      };
      const outbox: Outbox = new Outbox(transport, {
        ...options.outbox,
        onConflated: () => metrics.conflated(),
        onOverflow: () => {
          if (slow) return;
          slow = true;
          metrics.slowClose();
          outbox.close();
          cancelAll();
          transport.close(WsCloseCode.SlowConsumer, 'Slow consumer: resubscribe from your last cursor');
        },
      });

      const host = {
        release: (s: Subscriber) => {
          if (subscriptions.get(s.id) === s) subscriptions.delete(s.id);
        },
        fail: internal,
      };

      if (transport.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
        transport.close(WsCloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
        return { outbox, message: async () => {}, fail: () => {}, closed: () => outbox.close() };
      }
      const initTimer =
        connectionInitWaitTimeout > 0 && Number.isFinite(connectionInitWaitTimeout)
          ? setTimeout(() => {
              if (!initReceived) transport.close(WsCloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
            }, connectionInitWaitTimeout)
          : null;

      async function subscribe(message: Extract<Message, { type: MessageType.Subscribe }>): Promise<void> {
        if (!connection) return transport.close(WsCloseCode.Unauthorized, 'Unauthorized');
        const { id, payload } = message;
        if (subscriptions.has(id)) return transport.close(WsCloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
        const subscriber = new Subscriber(id, outbox, host);
        subscriptions.set(id, subscriber);
        const prepared = prepare(connection, payload);
        switch (prepared.kind) {
          case 'errors':
            return subscriber.error(prepared.errors);
          case 'shared':
            subscriber.conflate = prepared.conflation !== null;
            return groups.join(subscriber, prepared);
          case 'single':
            subscriber.conflate = prepared.conflation !== null;
            if (prepared.operation === 'subscription') metrics.unshared(prepared.field);
            return runUnshared(subscriber, prepared, { metrics, refreshContext }).catch((error: unknown) => subscriber.fail(error));
        }
      }

      async function handle(message: Message): Promise<void> {
        switch (message.type) {
          case MessageType.ConnectionInit: {
            if (initReceived) return transport.close(WsCloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
            initReceived = true;
            const base = { connectionParams: isObject(message.payload) ? message.payload : undefined, request: extra.request, socket: extra.socket };
            const permitted = await onConnect?.(base);
            if (permitted === false) return transport.close(WsCloseCode.Forbidden, 'Forbidden');
            connection = { ...base, scope: await resolveScope(base) };
            outbox.send(stringifyMessage(isObject(permitted) ? { type: MessageType.ConnectionAck, payload: permitted } : { type: MessageType.ConnectionAck }));
            return;
          }
          case MessageType.Ping:
            outbox.send(stringifyMessage(message.payload ? { type: MessageType.Pong, payload: message.payload } : { type: MessageType.Pong }));
            return;
          case MessageType.Pong:
            return;
          case MessageType.Subscribe:
            return subscribe(message);
          case MessageType.Complete:
            subscriptions.get(message.id)?.cancel();
            return;
          default:
            throw new Error(`Unexpected message of type ${message.type} received`);
        }
      }

      return {
        outbox,
        async message(data) {
          let message: Message;
          try {
            message = parseMessage(data);
          } catch {
            return transport.close(WsCloseCode.BadRequest, 'Invalid message received');
          }
          try {
            await handle(message);
          } catch (error) {
            internal(error);
          }
        },
        fail: internal,
        closed() {
          if (initTimer) clearTimeout(initTimer);
          outbox.close();
          cancelAll();
        },
      };
    },
  };
}
