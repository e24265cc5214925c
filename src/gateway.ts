import { eventsSourceOf, type Config, type Credentials } from './config.js';
import type { Logger } from './logger.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics/gateway-metrics.js';
import type { TokenMetrics } from './metrics/upstream-metrics.js';
import { createBus, type Bus } from './bus/bus.js';
import type { Cluster } from './cluster/cluster.js';
import type { StartTerm, UpstreamTerm } from './cluster/leadership.js';
import { toPrice, toPriceChange } from './domain/price.js';
import { schema } from './schema/index.js';
import { createYogaServer, type YogaServerSafety } from './server/yoga.js';
import { loadTrustedDocuments } from './server/trusted-documents.js';
import { startHttpServer, type Readiness, type RunningServer } from './server/http.js';
import type { HeldPort } from './held-port.js';
import type { Services } from './services.js';
import { createClientAuth, type ClientAuth, type ClientAuthOptions } from './server/auth/client-auth.js';
import { createWsAuthenticator } from './server/auth/ws-auth.js';
import { startSimulator, type Simulator, type SimulatorOptions } from './simulator/index.js';
import { openSqliteStore } from './store/sqlite.js';
import { reasonOf, StartupError } from './startup-error.js';
import type { Store } from './store/types.js';
import { createEventsPoller, type EventsPoller, type EventsPollerOptions } from './upstream/events-poller.js';
import { createIngest, type Ingest } from './ingest/ingest.js';
import { createWebhookSource, POLLER_FAILING_BOUND_MS, pushFromSimulator, withEvents } from './events-sources.js';
import { parseWebhookKeys } from './upstream/webhooks/keys.js';
import type { WebhookReceiver } from './upstream/webhooks/receiver.js';
import { createReplayCache } from './upstream/webhooks/replay.js';
import { createPriceSocket, type PriceSocket, type PriceSocketOptions } from './upstream/price-socket.js';
import { createTokenProvider, type TokenProvider } from './upstream/token-provider.js';
import { REAL_TIMERS, type Timers } from './timers.js';
import { createReadinessChanges } from './readiness-changes.js';

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  /** epoch ms clock @default Date.now */
  now?: () => number;
  /** where live fields wait out their `throttleMs` intervals (tests) @default setTimeout and clearTimeout */
  timers?: Timers;
  /** extra options for the built-in simulator (tests and demos) */
  simulator?: SimulatorOptions;
  /** client authentication's clock and timers (tests) */
  clientAuth?: Pick<ClientAuthOptions, 'now' | 'timers'>;
  /** overrides for the upstream clients: timings, backoff, randomness (tests) */
  upstream?: { priceSocket?: Partial<PriceSocketOptions>; poller?: Partial<EventsPollerOptions> };
  /** how long the events poller may fail before `/ready` answers 503. @default POLLER_FAILING_BOUND_MS (60 s) */
  pollerFailingBoundMs?: number;
  /** `PORT` already bound by main.ts before the gateway loaded (holdPort): the server takes it over @default bound at start */
  heldPort?: HeldPort;
}

export interface Gateway {
  start(): Promise<RunningServer>;
  stop(): Promise<void>;
  services: Services | null;
  simulator: Simulator | null;
  priceSocket: PriceSocket | null;
  poller: EventsPoller | null;
  /** the webhook receiver; null when notifications are polled only */
  webhooks: WebhookReceiver | null;
  /** where pushed notifications are stored and published (every replica has one) */
  ingest: Ingest | null;
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

/** What the steps of a start share: the options, the gateway being started, and what stops it. */
interface Startup {
  options: GatewayOptions;
  config: Config;
  logger: Logger;
  now: () => number;
  gateway: Gateway;
  /** run in reverse order by `stop()` */
  disposers: Array<() => Promise<void> | void>;
}

/**
 * The composition root: store, bus, upstream and server, started in that order and stopped
 * in reverse. Nothing here reads the environment; main.ts hands in the config.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { config, logger, now = Date.now } = options;
  const disposers: Startup['disposers'] = [];
  const gateway: Gateway = {
    services: null,
    simulator: null,
    priceSocket: null,
    poller: null,
    webhooks: null,
    ingest: null,
    async start() {
      try {
        return await startAll({ options, config, logger, now, gateway, disposers });
      } catch (error) {
        options.heldPort?.close();
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
  return gateway;
}

async function startAll(startup: Startup): Promise<RunningServer> {
  const { config, logger, gateway, now } = startup;
  const source = eventsSourceOf(config);
  const simulator = await startSimulatorWhenNeeded(startup);
  const metrics = createGatewayMetrics({ subscriptionFields: Object.keys(schema.getSubscriptionType()?.getFields() ?? {}) });
  const auth = startClientAuth(startup);
  const { cluster, store, bus } = await openStorage(startup, metrics, simulator !== null);
  const ingestOf = (log: Store['events']): Ingest =>
    createIngest({ log, bus, metrics: metrics.ingest, logger: logger.child({ component: 'ingest' }), now });
  // pushes go to the unfenced log: any replica may store one
  const ingest = ingestOf(store.events);
  gateway.ingest = ingest;
  startup.disposers.push(() => ingest.idle());
  const tokens = startTokens(startup, simulator, metrics.tokens);
  const upstreamTerm = upstreamTerms(startup, { simulator, store, bus, metrics, tokens, polling: source !== 'webhook', ingestFor: cluster ? ingestOf : () => ingest });
  const embedded = cluster ? null : upstreamTerm(store.events);
  gateway.priceSocket = embedded?.priceSocket ?? null;
  gateway.poller = embedded?.poller ?? null;

  const services: Services = {
    store,
    bus,
    metrics,
    logger,
    upstream: cluster ? cluster.upstream : { priceSocket: () => embedded!.priceSocket.status(), poller: () => embedded!.poller?.status() ?? null },
    limits: { maxFilterPairs: config.maxFilterPairs },
    auth,
    timers: startup.options.timers ?? REAL_TIMERS,
  };
  gateway.services = services;
  metrics.gauges.upstream(services.upstream);
  const webhooks = source === 'poll' ? null : createWebhookSource({
    config,
    simulatorKeys: simulator ? parseWebhookKeys(JSON.stringify(simulator.webhooks.jwks), 'the built-in simulator') : null,
    ingest,
    ...(cluster ? { replay: cluster.replay } : { replay: createReplayCache({ now }) }),
    metrics: metrics.webhooks,
    logger: logger.child({ component: 'webhooks' }),
    now,
  });
  gateway.webhooks = webhooks;
  const base = cluster ? () => cluster.readiness() : () => embeddedReadiness(embedded!);
  const readiness = withEvents(base, source, services, now, startup.options.pollerFailingBoundMs ?? POLLER_FAILING_BOUND_MS);
  const server = await startServer(config, services, readiness, webhooks, startup.options.heldPort ?? null);
  // flips of readiness are logged as they happen; stopped before anything else at stop
  const changes = createReadinessChanges(readiness, logger.child({ component: 'readiness' }));
  // stopped first: clients get a proper close before the upstream goes away
  if (cluster) {
    startup.disposers.push(async () => {
      tokens.stop();
      await cluster.stopLeading();
    }, () => server.stop());
    let unwatch = (): void => {};
    cluster.lead(upstreamTerm, (term) => {
      gateway.priceSocket = term?.priceSocket ?? null;
      gateway.poller = term?.poller ?? null;
      unwatch();
      unwatch = term ? watchTerm(term, changes.check) : () => {};
      changes.check();
    });
    startup.disposers.push(() => unwatch());
  } else {
    const { priceSocket, poller } = embedded!;
    startup.disposers.push(async () => {
      tokens.stop();
      await Promise.all([poller?.stop(), priceSocket.stop()]);
    }, () => server.stop());
    startup.disposers.push(watchTerm(embedded!, changes.check));
    priceSocket.start();
    poller?.start();
  }
  changes.check();
  if (simulator && webhooks) startup.disposers.push(pushFromSimulator(config, simulator, server.port, webhooks));
  startup.disposers.push(changes.stop);
  logger.info({ url: server.graphqlUrl, ws: server.wsUrl, eventsSource: source }, `GraphQL gateway listening on ${server.graphqlUrl}`);
  return server;
}

/** The built-in simulator, when a part of the upstream is not configured. */
async function startSimulatorWhenNeeded({ options, config, logger, gateway, disposers }: Startup): Promise<Simulator | null> {
  if (config.wsUrl !== null && config.apiUrl !== null) return null;
  const simulator = await startSimulator({
    logger: logger.child({ component: 'simulator' }),
    ...options.simulator,
    prices: { intervalMs: config.simulatorIntervalMs, ...options.simulator?.prices },
  });
  gateway.simulator = simulator;
  disposers.push(() => simulator.stop());
  logger.info(
    { wsUrl: simulator.wsUrl, apiUrl: simulator.apiUrl },
    `no Bitpanda upstream configured${config.wsUrl || config.apiUrl ? ' for part of the feed' : ''}: running the built-in Bitpanda simulator`,
  );
  return simulator;
}

/**
 * How clients sign in, said in the first log lines: who may read what. Without `AUTH_JWKS_URL`
 * no token verifies, so on a real upstream nothing user-specific is served to anyone.
 */
function startClientAuth({ options, config, logger, now }: Startup): ClientAuth {
  const auth = createClientAuth({
    jwksUrl: config.authJwksUrl,
    issuer: config.authIssuer,
    audience: config.authAudience,
    userClaim: config.authUserClaim,
    partnerScope: config.authPartnerScope,
    anonymous: config.authAnonymous,
    maxConnectionsPerClient: config.maxConnectionsPerClient,
    now,
    ...options.clientAuth,
  });
  const anonymous = { none: 'nothing', prices: 'prices only', all: 'everything, every user\'s notifications included' }[config.authAnonymous];
  const tokens = auth.verifier ? `client tokens verified against ${auth.verifier.keys.source}` : 'no AUTH_JWKS_URL: client tokens are refused';
  const message = `client authentication: ${tokens}; clients without a token may read ${anonymous} (AUTH_ANONYMOUS=${config.authAnonymous})`;
  const onSimulator = config.wsUrl === null && config.apiUrl === null;
  if (config.authAnonymous === 'all' && !onSimulator) logger.warn({ authAnonymous: config.authAnonymous }, `${message}: anyone who reaches this gateway reads every user's notifications`);
  else logger.info({ authAnonymous: config.authAnonymous, verifiesTokens: auth.verifier !== null }, message);
  return auth;
}

function openSqlite(path: string, logger: Logger, now: () => number): Store {
  try {
    return openSqliteStore({ path, logger: logger.child({ component: 'store' }), now });
  } catch (error) {
    throw new StartupError(`DATABASE_PATH ${path} cannot be opened for writing: ${reasonOf(error)}`, { cause: error });
  }
}

/** The embedded SQLite store and in-memory bus, or in cluster mode both shared through Redis. */
async function openStorage(
  { config, logger, now, disposers }: Startup,
  metrics: GatewayMetrics,
  onSimulator: boolean,
): Promise<{ cluster: Cluster | null; store: Store; bus: Bus }> {
  if (config.redisUrl === null) {
    const store = openSqlite(config.databasePath, logger, now);
    disposers.push(() => store.close());
    return { cluster: null, store, bus: createBus() };
  }
  const { redisUrl, redisKeyPrefix: prefix, clusterLeaseTtlMs: leaseTtlMs } = config;
  // loaded only in cluster mode: an embedded gateway starts without the Redis client
  const { startCluster } = await import('./cluster/cluster.js');
  const cluster = await startCluster({ redisUrl, prefix, leaseTtlMs, logger, now, metrics: metrics.cluster });
  disposers.push(() => cluster.close());
  if (onSimulator) logger.warn('cluster mode on the built-in simulator: each replica has its own; point every replica at one upstream (BITPANDA_WS_URL, BITPANDA_API_URL)');
  return { cluster, store: cluster.store, bus: cluster.bus };
}

interface UpstreamTokens {
  /** for the price socket: none when it runs on the simulator */
  ws: TokenProvider | null;
  /** for the events endpoint: the simulator's own when it serves the events */
  api: TokenProvider | null;
  /** ends token requests in flight at once (before the upstream clients wait for their loops) */
  stop(): void;
}

function startTokens({ config, logger, disposers }: Startup, simulator: Simulator | null, metrics: TokenMetrics): UpstreamTokens {
  const real = tokenProviderFor(config.credentials, logger.child({ component: 'token' }), metrics);
  const simulated = simulator
    ? createTokenProvider({ tokenUrl: simulator.tokenUrl, ...SIMULATOR_CLIENT, logger: logger.child({ component: 'token' }), metrics })
    : null;
  const stop = (): void => {
    real?.stop();
    simulated?.stop();
  };
  disposers.push(stop);
  return { ws: config.wsUrl === null ? null : real, api: config.apiUrl === null ? simulated : real, stop };
}

interface UpstreamDeps {
  simulator: Simulator | null;
  store: Store;
  bus: Bus;
  metrics: GatewayMetrics;
  tokens: UpstreamTokens;
  /** false: notifications come by webhook only, no poller */
  polling: boolean;
  /** the ingest path polled pages go through, on the term's (fenced, in a cluster) log */
  ingestFor: (events: Store['events']) => Ingest;
}

/** Builds the upstream clients, storing events through `events`: once when embedded, once per leadership term in a cluster. */
function upstreamTerms({ options, config, logger }: Startup, { simulator, store, bus, metrics, tokens, polling, ingestFor }: UpstreamDeps): StartTerm {
  const { ws, api } = tokens;
  return (events) => ({
    priceSocket: createPriceSocket({
      url: config.wsUrl ?? simulator!.wsUrl,
      getToken: ws ? () => ws.getToken() : undefined,
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
    }),
    poller: polling
      ? createEventsPoller({
          apiUrl: config.apiUrl ?? simulator!.apiUrl,
          pageSize: config.eventsPageSize,
          intervalMs: config.eventsPollIntervalMs,
          getToken: api ? () => api.getToken() : undefined,
          invalidateToken: api ? (token: string) => api.invalidate(token) : undefined,
          log: events,
          ingest: ingestFor(events),
          logger: logger.child({ component: 'events-poller' }),
          metrics: metrics.poller,
          ...options.upstream?.poller,
        })
      : null,
  });
}

/** Re-checks readiness on each change of what it reads from a term: its price socket's state, its poller's status. */
function watchTerm({ priceSocket, poller }: UpstreamTerm, check: () => void): () => void {
  const stops = [priceSocket.onStateChange(() => check()), poller?.watch(check) ?? (() => {})];
  return () => {
    for (const stop of stops) stop();
  };
}

/** Embedded mode is ready once the price socket is subscribed (the store is open by then). */
function embeddedReadiness({ priceSocket }: UpstreamTerm): Readiness {
  const socket = priceSocket.status();
  const checks = { store: true, priceSocket: socket.state === 'subscribed' };
  const reasons = checks.priceSocket ? [] : [`upstream price socket is ${socket.state}${socket.lastError ? `: ${socket.lastError}` : ''}`];
  return { ready: reasons.length === 0, reasons, checks };
}

/** The limits and browser safety of Yoga and the WebSocket, from the config (README, "Limits and browser safety"). */
async function serverSafety(config: Config): Promise<YogaServerSafety> {
  const trustedDocuments = config.trustedDocuments === null ? null : await loadTrustedDocuments({ path: config.trustedDocuments, only: config.trustedDocumentsOnly });
  return {
    limits: {
      maxDepth: config.maxQueryDepth,
      maxAliases: config.maxAliases,
      maxTokens: config.maxTokens,
      maxDirectives: config.maxDirectives,
      maxCost: config.maxQueryCost,
    },
    maxRequestBytes: config.maxRequestBytes,
    corsOrigins: config.corsOrigins,
    graphiql: config.graphiql,
    trustedDocuments,
  };
}

async function startServer(
  config: Config,
  services: Services,
  readiness: () => Promise<Readiness> | Readiness,
  webhooks: WebhookReceiver | null,
  heldPort: HeldPort | null,
): Promise<RunningServer> {
  const safety = await serverSafety(config);
  return startHttpServer({
    yoga: createYogaServer({ schema, services, safety }),
    services,
    readiness,
    webhooks,
    compression: config.wsCompression,
    ws: {
      highWaterBytes: config.wsSendHighWaterBytes,
      limitBytes: config.wsSendLimitBytes,
      connectionInitWaitTimeout: config.wsConnectionInitTimeoutMs,
      keepAliveMs: config.wsKeepAliveMs,
      hideInternalErrors: config.hideInternalErrors,
      maxPayload: config.maxRequestBytes,
      limits: { maxSubscriptions: config.maxSubscriptionsPerConnection },
      corsOrigins: config.corsOrigins,
      trustedDocuments: safety.trustedDocuments ?? null,
      authenticate: createWsAuthenticator({ auth: services.auth, logger: services.logger.child({ component: 'client-auth' }) }),
    },
    drainMs: config.shutdownDrainMs,
    port: config.port,
    host: config.host,
    heldPort,
  });
}
