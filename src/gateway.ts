import type { Config, Credentials } from './config.js';
import type { Logger } from './logger.js';
import { createGatewayMetrics } from './metrics/gateway-metrics.js';
import type { TokenMetrics } from './metrics/upstream-metrics.js';
import { createBus } from './bus/bus.js';
import { startCluster } from './cluster/cluster.js';
import type { UpstreamTerm } from './cluster/leadership.js';
import { toPrice, toPriceChange } from './domain/price.js';
import { schema } from './schema/index.js';
import { createYogaServer } from './server/yoga.js';
import { startHttpServer, type Readiness, type RunningServer } from './server/http.js';
import type { Services } from './services.js';
import { startSimulator, type Simulator, type SimulatorOptions } from './simulator/index.js';
import { openSqliteStore } from './store/sqlite.js';
import type { EventLog, Store } from './store/types.js';
import { createEventsPoller, type EventsPoller, type EventsPollerOptions } from './upstream/events-poller.js';
import { createPriceSocket, type PriceSocket, type PriceSocketOptions } from './upstream/price-socket.js';
import { createTokenProvider, type TokenProvider } from './upstream/token-provider.js';

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  /** epoch ms clock @default Date.now */
  now?: () => number;
  /** extra options for the built-in simulator (tests and demos) */
  simulator?: SimulatorOptions;
  /** overrides for the upstream clients: timings, backoff, randomness (tests) */
  upstream?: { priceSocket?: Partial<PriceSocketOptions>; poller?: Partial<EventsPollerOptions> };
}

export interface Gateway {
  start(): Promise<RunningServer>;
  stop(): Promise<void>;
  services: Services | null;
  simulator: Simulator | null;
  priceSocket: PriceSocket | null;
  poller: EventsPoller | null;
}

/** The simulator's own partner credentials, used when the gateway runs on it. */
const SIMULATOR_CLIENT = { clientId: 'sim-client', clientSecret: 'sim-secret' };

function tokenProviderFor(credentials: Credentials, logger: Logger, metrics: TokenMetrics): TokenProvider | null {
  switch (credentials.kind) {
    case 'none':
      return null;
    case 'fixed':
      return createTokenProvider({ accessToken: credentials.accessToken, logger, metrics });
    case 'oauth':
      return createTokenProvider({
        tokenUrl: credentials.tokenUrl,
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret,
        logger,
        metrics,
      });
  }
}

/**
 * The composition root: store, bus, upstream and server, started in that order and stopped
 * in reverse. Nothing here reads the environment; main.ts hands in the config.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { config, logger, now = Date.now } = options;
  const disposers: Array<() => Promise<void> | void> = [];
  const gateway: Gateway = {
    services: null,
    simulator: null,
    priceSocket: null,
    poller: null,
    async start() {
      try {
        return await startAll();
      } catch (error) {
        await gateway.stop();
        throw error;
      }
    },
    async stop() {
      while (disposers.length > 0) {
        const dispose = disposers.pop()!;
        try {
          await dispose();
        } catch (error) {
          logger.error({ err: error }, 'error while stopping');
        }
      }
    },
  };

  async function startAll(): Promise<RunningServer> {
    let simulator: Simulator | null = null;
    if (config.wsUrl === null || config.apiUrl === null) {
      simulator = await startSimulator({
        logger: logger.child({ component: 'simulator' }),
        ...options.simulator,
        prices: { intervalMs: config.simulatorIntervalMs, ...options.simulator?.prices },
      });
      gateway.simulator = simulator;
      disposers.push(() => simulator!.stop());
      logger.info(
        { wsUrl: simulator.wsUrl, apiUrl: simulator.apiUrl },
        `no Bitpanda upstream configured${config.wsUrl || config.apiUrl ? ' for part of the feed' : ''}: running the built-in Bitpanda simulator`,
      );
    }

    const metrics = createGatewayMetrics({ subscriptionFields: Object.keys(schema.getSubscriptionType()?.getFields() ?? {}) });
    // cluster mode: store, bus and upstream leadership shared through Redis
    const cluster = config.redisUrl === null
      ? null
      : await startCluster({ redisUrl: config.redisUrl, prefix: config.redisKeyPrefix, leaseTtlMs: config.clusterLeaseTtlMs, logger, now, metrics: metrics.cluster });
    if (cluster) {
      disposers.push(() => cluster.close());
      if (simulator) logger.warn('cluster mode on the built-in simulator: each replica has its own; point every replica at one upstream (BITPANDA_WS_URL, BITPANDA_API_URL)');
    }
    const store: Store = cluster ? cluster.store : openSqliteStore({ path: config.databasePath, logger: logger.child({ component: 'store' }), now });
    if (!cluster) disposers.push(() => store.close());
    const bus = cluster ? cluster.bus : createBus();

    const realTokens = tokenProviderFor(config.credentials, logger.child({ component: 'token' }), metrics.tokens);
    const simulatorTokens = simulator
      ? createTokenProvider({ tokenUrl: simulator.tokenUrl, ...SIMULATOR_CLIENT, logger: logger.child({ component: 'token' }), metrics: metrics.tokens })
      : null;
    // stopped before the upstream clients wait for their loops: a token request in flight ends at once
    const stopTokens = (): void => {
      realTokens?.stop();
      simulatorTokens?.stop();
    };
    disposers.push(stopTokens);

    const wsTokens = config.wsUrl === null ? null : realTokens;
    const apiTokens = config.apiUrl === null ? simulatorTokens : realTokens;
    /** The upstream clients, storing events through `events`: once when embedded, once per leadership term in a cluster. */
    const upstreamTerm = (events: EventLog): UpstreamTerm => {
      const priceSocket: PriceSocket = createPriceSocket({
        url: config.wsUrl ?? simulator!.wsUrl,
        getToken: wsTokens ? () => wsTokens.getToken() : undefined,
        scope: config.scope,
        logger: logger.child({ component: 'price-socket' }),
        metrics: metrics.priceSocket,
        onPrice: (frame, receivedAt) => {
          const price = toPrice(frame, receivedAt);
          store.prices.putPrice(price);
          bus.publish('price:updated', price);
        },
        onChange: (frame, receivedAt) => {
          const change = toPriceChange(frame, receivedAt);
          store.prices.putChange(change);
          bus.publish('price:changed', change);
        },
        ...options.upstream?.priceSocket,
      });
      const poller: EventsPoller = createEventsPoller({
        apiUrl: config.apiUrl ?? simulator!.apiUrl,
        pageSize: config.eventsPageSize,
        intervalMs: config.eventsPollIntervalMs,
        getToken: apiTokens ? () => apiTokens.getToken() : undefined,
        invalidateToken: apiTokens ? (token: string) => apiTokens.invalidate(token) : undefined,
        log: events,
        onStored: (records) => {
          for (const record of records) bus.publish('notification:received', record);
        },
        logger: logger.child({ component: 'events-poller' }),
        metrics: metrics.poller,
        ...options.upstream?.poller,
      });
      return { priceSocket, poller };
    };
    const embedded = cluster ? null : upstreamTerm(store.events);
    gateway.priceSocket = embedded?.priceSocket ?? null;
    gateway.poller = embedded?.poller ?? null;

    const services: Services = {
      store,
      bus,
      metrics,
      logger,
      upstream: cluster ? cluster.upstream : { priceSocket: () => embedded!.priceSocket.status(), poller: () => embedded!.poller.status() },
      limits: { maxFilterPairs: config.maxFilterPairs },
    };
    gateway.services = services;
    metrics.gauges.upstream(services.upstream);

    const readiness = cluster ? () => cluster.readiness() : (): Readiness => {
      const socket = embedded!.priceSocket.status();
      const checks = { store: true, priceSocket: socket.state === 'subscribed' };
      const reasons = checks.priceSocket ? [] : [`upstream price socket is ${socket.state}${socket.lastError ? `: ${socket.lastError}` : ''}`];
      return { ready: reasons.length === 0, reasons, checks };
    };

    const yoga = createYogaServer({ schema, services });
    const server = await startHttpServer({
      yoga,
      services,
      readiness,
      compression: config.wsCompression,
      ws: {
        highWaterBytes: config.wsSendHighWaterBytes,
        limitBytes: config.wsSendLimitBytes,
        connectionInitWaitTimeout: config.wsConnectionInitTimeoutMs,
        hideInternalErrors: config.hideInternalErrors,
      },
      port: config.port,
      host: config.host,
    });
    // stopped first: clients get a proper close before the upstream goes away
    if (cluster) {
      disposers.push(async () => {
        stopTokens();
        await cluster.stopLeading();
      }, () => server.stop());
      cluster.lead(upstreamTerm, (term) => {
        gateway.priceSocket = term?.priceSocket ?? null;
        gateway.poller = term?.poller ?? null;
      });
    } else {
      const { priceSocket, poller } = embedded!;
      disposers.push(async () => {
        stopTokens();
        await Promise.all([poller.stop(), priceSocket.stop()]);
      }, () => server.stop());
      priceSocket.start();
      poller.start();
    }
    logger.info({ url: server.graphqlUrl, ws: server.wsUrl }, `GraphQL gateway listening on ${server.graphqlUrl}`);
    return server;
  }

  return gateway;
}
