import type { IncomingMessage } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { z } from 'zod';
import type { FanoutExtension } from '../../schema/fanout-extension.js';

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

/** The scope of connections nobody signed in on, and of groups whose results are the same for everyone. */
export const PUBLIC_SCOPE = 'public';

export const publicScope: ResolveScope = () => PUBLIC_SCOPE;

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
