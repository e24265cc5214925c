import type { IncomingMessage } from 'node:http';

/** What the gateway knows about a connection once it is acknowledged. */
export interface ConnectionInfo {
  /** the `connection_init` payload, when it was an object */
  connectionParams?: Record<string, unknown>;
  /**
   * The authorisation scope of the connection: subscriptions are shared only between
   * connections of the same scope. Every connection is `public` until the gateway
   * authenticates clients (see `resolveScope` of the GraphQL WebSocket options).
   */
  scope: string;
  request: IncomingMessage;
  socket: unknown;
}

/** Decides the scope of a connection at `connection_init`; every group key includes it. */
export type ResolveScope = (connection: Omit<ConnectionInfo, 'scope'>) => string | Promise<string>;

export const publicScope: ResolveScope = () => 'public';

/** Which subscriptions may share one execution, and how a socket that is behind may catch up. */
export interface SharingPolicy {
  /**
   * Root fields whose frames may be conflated for a socket that is behind: only the latest
   * frame per `id` of the root object is kept (per subscription).
   */
  conflatable: ReadonlySet<string>;
  /**
   * Root field → arguments that, when given, make each subscription run on its own: a replay
   * from a cursor depends on the moment the client subscribed, so it cannot join a group.
   */
  privateWhen: Readonly<Record<string, readonly string[]>>;
}

export const DEFAULT_SHARING_POLICY: SharingPolicy = {
  conflatable: new Set(['priceUpdated', 'priceChanged']),
  privateWhen: { notificationReceived: ['after'] },
};
