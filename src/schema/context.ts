import type DataLoader from 'dataloader';
import type { PriceChange } from '../domain/price.js';
import type { TokenIdentity } from '../domain/identity.js';
import type { Viewer } from '../domain/viewer.js';
import type { Services } from '../services.js';

/** Per-operation loaders: they batch within one execution and cache nothing across executions. */
export interface Loaders {
  priceChange: DataLoader<string, PriceChange | null>;
}

export interface GraphQLContext {
  services: Services;
  loaders: Loaders;
  /**
   * What this execution may read: the caller's (a request or a connection), or a scope's for a
   * shared subscription group (`identity` null). Resolvers scope notification events by it.
   */
  viewer: Viewer;
  /**
   * Renews the credentials of the WebSocket connection this operation runs on (`authenticate`);
   * absent over HTTP and SSE. False when the new identity may not replace the current one
   * (another subject), and nothing changes.
   */
  renewConnection?: (identity: TokenIdentity) => boolean;
  /**
   * When the gateway received the event a subscription result is being resolved from (epoch
   * ms): set by the subscription fields (`liveEvent`), read by the WebSocket fan-out for its
   * upstream-to-socket latency.
   */
  eventReceivedAt?: number;
}

/** Notes on the context when the event behind `result` was received, and returns `result`: for a live subscription field's `resolve`. */
export function liveEvent<T>(ctx: GraphQLContext, receivedAt: number, result: T): T {
  ctx.eventReceivedAt = receivedAt;
  return result;
}
