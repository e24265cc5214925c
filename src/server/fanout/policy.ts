import type { GraphQLSchema } from 'graphql';
import { z } from 'zod';
import type { FanoutExtension } from '../../schema/fanout-extension.js';
import { PUBLIC_SCOPE, PUBLIC_VIEWER, scopeViewer, type Viewer } from '../../domain/viewer.js';

/**
 * What a connection keeps of its HTTP upgrade request once the handshake is done: the headers
 * read later (the client's token, its Origin) and the peer's address. The request itself (every
 * header, raw and parsed, and its stream state) is dropped at the upgrade.
 */
export interface UpgradeRequest {
  readonly headers: { readonly authorization?: string; readonly origin?: string };
  readonly socket: { readonly remoteAddress?: string };
}

/** What the gateway knows about a connection once it is acknowledged. */
export interface ConnectionInfo {
  /** the `connection_init` payload, when it was an object */
  connectionParams?: Record<string, unknown>;
  /**
   * The authorisation scope of the connection: subscriptions are shared only between
   * connections of the same scope (`Viewer.scope`), except fields shared across everyone.
   */
  scope: string;
  /** who is connected; its scope viewer runs the groups of its scope @default none (no client authentication) */
  viewer?: Viewer;
  /** merged into the context of the connection's own executions (never into a group's) */
  context?: Record<string, unknown>;
  /** what is kept of the upgrade request */
  request: UpgradeRequest;
  socket: unknown;
}

/** What `connection_init` grants a connection. */
export interface ConnectionGrant {
  viewer?: Viewer;
  /** @default the viewer's scope, else `public` */
  scope?: string;
  context?: Record<string, unknown>;
  /** called once, when the connection closes */
  release?: () => void;
}

/** What an authenticator may do to the connection later: close it (a token expired). */
export interface ConnectionControl {
  close(code: number, reason: string): void;
}

/** Refuses a connection at `connection_init`: the socket is closed with `code`. */
export class ConnectionRefused extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'ConnectionRefused';
  }
}

/** Decides who a connection is at `connection_init`; throws ConnectionRefused to close it. */
export type AuthenticateConnection = (
  connection: Omit<ConnectionInfo, 'scope' | 'viewer' | 'context'>,
  control: ConnectionControl,
) => ConnectionGrant | Promise<ConnectionGrant>;

/** The scope of connections nobody signed in on, and of groups whose results are the same for everyone. */
export { PUBLIC_SCOPE };

/** Every connection is public: no client authentication. */
export const publicConnection: AuthenticateConnection = () => ({ scope: PUBLIC_SCOPE });

/** How one subscription field is served; see `FanoutExtension`, which declares it on the schema. */
export interface FieldFanout {
  conflate: boolean;
  privateWhen: readonly string[];
  shareAcross: 'everyone' | 'identity';
}

/** Which subscriptions may share one execution, across which scopes, and how a socket that is behind may catch up. */
export type SharingPolicy = ReadonlyMap<string, FieldFanout>;

/** A subscription field that declares nothing: shared within one scope, never conflated. */
export const PLAIN_FIELD: FieldFanout = { conflate: false, privateWhen: [], shareAcross: 'identity' };

/** The group scope of subscriptions to `field` on a connection of `scope`. */
export function groupScope(fanout: FieldFanout, scope: string): string {
  return fanout.shareAcross === 'everyone' ? PUBLIC_SCOPE : scope;
}

/**
 * The viewer a group runs with: nobody in particular. Across everyone it sees only what is the
 * same for every caller; within a scope, what every member of that scope sees.
 */
export function groupViewer(fanout: FieldFanout, viewer: Viewer | undefined): Viewer | undefined {
  if (fanout.shareAcross === 'everyone') return PUBLIC_VIEWER;
  return viewer ? scopeViewer(viewer) : undefined;
}

/**
 * The policy the schema declares on its subscription fields (`extensions.fanout`). A malformed
 * declaration is a programming error: it throws at start, naming the field.
 */
export function sharingPolicyOf(schema: GraphQLSchema): SharingPolicy {
  const policy = new Map<string, FieldFanout>();
  for (const [name, field] of Object.entries(schema.getSubscriptionType()?.getFields() ?? {})) {
    const declared: unknown = field.extensions?.['fanout'];
    if (declared === undefined) continue;
    const parsed = FanoutDeclaration.safeParse(declared);
    if (!parsed.success) {
      throw new Error(`Subscription.${name}: expected extensions.fanout as { conflate?, privateWhen?, shareAcross? }, got ${JSON.stringify(declared)} (${parsed.error.message})`);
    }
    const { conflate = false, privateWhen = [], shareAcross = 'identity' } = parsed.data satisfies FanoutExtension;
    policy.set(name, { conflate, privateWhen, shareAcross });
  }
  return policy;
}

const FanoutDeclaration = z.strictObject({
  conflate: z.boolean().optional(),
  privateWhen: z.array(z.string()).optional(),
  shareAcross: z.enum(['everyone', 'identity']).optional(),
});
