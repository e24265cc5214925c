import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createRedisBus, type RedisBus } from './redis-bus.js';
import { silentLogger, type Logger } from '../logger.js';
import type { ClusterMetrics } from '../metrics/cluster-metrics.js';
import { openRedisStore, type RedisStore } from './redis-store.js';
import { DEFAULT_KEY_PREFIX, redisKeys } from './redis-keys.js';
import type { PollerStatus, PriceSocketStatus } from '../domain/upstream-status.js';
import { createLeadership, type Leadership, type StartTerm, type UpstreamTerm } from './leadership.js';
import { createLease, type Lease } from './lease.js';
import { connectRedis, type RedisConnections } from './redis-connections.js';
import type { ClusterStatus } from '../domain/cluster-status.js';
import { redactUrl } from '../redact-url.js';
import type { ReplayCache } from '../upstream/webhooks/replay.js';
import { createRedisReplayCache } from './redis-replay-cache.js';

export interface ClusterOptions {
  redisUrl: string;
  /** @default 'bitpanda-gateway:' */
  prefix?: string;
  /** upstream leader lease; renewed every fifth of it @default 5000 */
  leaseTtlMs?: number;
  /** @default `<hostname>-<pid>-<random>` */
  replicaId?: string;
  logger?: Logger;
  now?: () => number;
  /** @default no metrics */
  metrics?: ClusterMetrics;
}

export interface ClusterReadiness {
  ready: boolean;
  reasons: string[];
  checks: Record<string, boolean>;
}

export interface Cluster {
  replicaId: string;
  store: RedisStore;
  bus: RedisBus;
  /** webhook replay protection shared by every replica */
  replay: ReplayCache;
  /** the upstream status for `Query.upstream`: this replica's clients when it leads, else the leader's shared status */
  upstream: {
    priceSocket(): PriceSocketStatus | null;
    poller(): PollerStatus | null;
    cluster(): ClusterStatus;
  };
  /** Redis answers and some replica leads the upstream */
  readiness(): Promise<ClusterReadiness>;
  /** Starts competing for the upstream lease; `startTerm` builds the upstream clients of each term. */
  lead(startTerm: StartTerm, onTerm?: (term: UpstreamTerm | null) => void): void;
  /** Stops the running term, writes the pending prices and frees the lease. */
  stopLeading(): Promise<void>;
  /** Closes the bus, the store and the Redis connections. */
  close(): Promise<void>;
}

export function defaultReplicaId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`.replace(/[|\s]/g, '_');
}

/**
 * Cluster mode: several replicas on one Redis. The store (event log, poll cursor, latest
 * prices) and the bus are shared through Redis; one replica at a time holds the upstream lease
 * and runs the price socket and the events poller. Resolves once Redis answers and the price
 * cache is warm.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const { redisUrl, prefix = DEFAULT_KEY_PREFIX, leaseTtlMs = 5000, replicaId = defaultReplicaId(), logger = silentLogger, now = Date.now, metrics } = options;
  const log = logger.child({ component: 'cluster', replicaId });
  const keys = redisKeys(prefix);
  const connections: RedisConnections = await connectRedis({ url: redisUrl, logger: log, name: `bitpanda-gateway:${replicaId}` });
  const { command, subscriber } = connections;
  const closers: Array<() => Promise<void>> = [() => connections.close()];
  const close = async (): Promise<void> => {
    for (const closer of closers.splice(0).reverse()) await closer().catch((error: unknown) => log.error({ err: error }, 'error while closing'));
  };

  try {
    await warnWithoutPersistence(connections, log);
    let leadership: Leadership | null = null;
    const lease: Lease = createLease({
      redis: command,
      key: keys.lease,
      tokenKey: keys.fencingToken,
      replicaId,
      ttlMs: leaseTtlMs,
      logger: log,
      now,
      onChange: (held, reason) => leadership?.onLease(held, reason),
    });
    const store = await openRedisStore({ redis: command, prefix, fence: () => lease.held()?.fence ?? null, logger: log, now });
    closers.push(() => store.close());
    const bus = createRedisBus({
      publisher: command,
      subscriber,
      channel: keys.channel,
      log: store.events,
      canPublish: () => lease.held() !== null,
      logger: log,
      metrics,
    });
    await bus.start();
    closers.push(() => bus.stop());

    // every replica keeps its price cache current from the bus; after a reconnect it reloads what it missed
    const offPrices = bus.on('price:updated', (price) => store.prices.remember(price));
    const offChanges = bus.on('price:changed', (change) => store.prices.rememberChange(change));
    // the subscriber is up already: every later 'ready' is a reconnect
    const onReconnect = (): void => {
      store.prices.load().catch((error: unknown) => log.warn({ err: error }, 'reloading prices after a reconnect failed'));
    };
    subscriber.on('ready', onReconnect);
    closers.push(async () => {
      subscriber.off('ready', onReconnect);
      offPrices();
      offChanges();
    });
    log.info({ redis: redactUrl(redisUrl), prefix: keys.prefix, leaseTtlMs }, 'cluster mode: replica joined');

    return {
      replicaId,
      store,
      bus,
      replay: createRedisReplayCache({ redis: command, keys, now }),
      upstream: {
        priceSocket: () => leadership?.term()?.priceSocket.status() ?? leadership?.shared()?.priceSocket ?? null,
        poller: () => {
          const term = leadership?.term();
          return term ? (term.poller?.status() ?? null) : (leadership?.shared()?.poller ?? null);
        },
        cluster() {
          const held = lease.held();
          const shared = leadership?.shared() ?? null;
          return {
            mode: 'cluster',
            replicaId,
            leader: held !== null,
            leaderId: lease.holderId() ?? shared?.replicaId ?? null,
            fencingToken: held?.token ?? shared?.fencingToken ?? null,
            redisConnected: connections.connected(),
            leaderStatusAt: shared?.at ?? null,
          };
        },
      },
      async readiness() {
        const problem = connections.problem();
        if (problem) return { ready: false, reasons: [problem], checks: { redis: false, leader: false } };
        let holder: string | null;
        try {
          holder = await command.get(keys.lease);
        } catch (error) {
          return { ready: false, reasons: [`redis does not answer: ${(error as Error).message}`], checks: { redis: false, leader: false } };
        }
        return { ready: holder !== null, reasons: holder ? [] : ['no replica leads the upstream yet'], checks: { redis: true, leader: holder !== null } };
      },
      lead(startTerm, onTerm) {
        if (leadership) throw new Error('cluster: lead() was already called');
        leadership = createLeadership({ redis: command, keys, replicaId, fencedEvents: store.fencedEvents, startTerm, onTerm, logger: log, now });
        leadership.start();
        lease.start();
      },
      async stopLeading() {
        await leadership?.stop();
        await store.prices.flush().catch((error: unknown) => log.warn({ err: error }, 'last price flush failed'));
        await lease.stop({ release: true });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Without AOF a Redis restart loses the event log and the poll cursor: say so once at start. */
async function warnWithoutPersistence(connections: RedisConnections, logger: Logger): Promise<void> {
  try {
    const info = await connections.command.info('persistence');
    if (/aof_enabled:0/.test(info)) {
      logger.warn('Redis runs without AOF persistence: a Redis restart would lose the event log and the poll cursor (enable appendonly)');
    }
  } catch {
    // INFO may be disabled on managed Redis; nothing to say then
  }
}
