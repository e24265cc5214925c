import { createBus } from '../../src/bus/bus.js';
import type { AnonymousAccess } from '../../src/domain/identity.js';
import { silentLogger } from '../../src/logger.js';
import { createGatewayMetrics } from '../../src/metrics/gateway-metrics.js';
import { createClientAuth } from '../../src/server/auth/client-auth.js';
import type { Services } from '../../src/services.js';
import type { Store } from '../../src/store/types.js';
import { REAL_TIMERS } from '../../src/timers.js';

/** The services of an in-process gateway without upstream clients, over `store`. */
export function testServices(store: Store, { maxFilterPairs = 500, anonymous = 'all' }: { maxFilterPairs?: number; anonymous?: AnonymousAccess } = {}): Services {
  return {
    store,
    bus: createBus(),
    metrics: createGatewayMetrics({ processMetrics: false }),
    logger: silentLogger,
    upstream: { priceSocket: () => null, poller: () => null },
    limits: { maxFilterPairs },
    auth: createClientAuth({ anonymous }),
    timers: REAL_TIMERS,
  };
}
