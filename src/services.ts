import type { Logger } from './logger.js';
import type { ClientAuth } from './server/auth/client-auth.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';
import type { Bus } from './bus/bus.js';
import type { ClusterStatus } from './domain/cluster-status.js';
import type { Store } from './store/types.js';
import type { Timers } from './timers.js';
import type { PollerStatus, PriceSocketStatus } from './domain/upstream-status.js';

/** Where `Query.upstream` and `/ready` read the live state of the upstream side. */
export interface UpstreamStatusSource {
  priceSocket(): PriceSocketStatus | null;
  poller(): PollerStatus | null;
  /** cluster mode and leadership; absent means embedded */
  cluster?(): ClusterStatus;
}

/** What resolvers and the server may use: built once by the composition root. */
export interface Services {
  store: Store;
  bus: Bus;
  upstream: UpstreamStatusSource;
  metrics: GatewayMetrics;
  logger: Logger;
  limits: { maxFilterPairs: number };
  /** how clients sign in and what they may read */
  auth: ClientAuth;
  /** where live fields wait out their `throttleMs` intervals */
  timers: Timers;
}
