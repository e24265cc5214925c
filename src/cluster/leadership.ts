import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../logger.js';
import type { RedisKeys } from './redis-keys.js';
import { FENCE_CHECK, isFencedReply, redisScript } from './redis-scripts.js';
import type { EventLog } from '../store/types.js';
import type { EventsPoller } from '../upstream/events-poller.js';
import type { PriceSocket } from '../upstream/price-socket.js';
import type { HeldLease } from './lease.js';
import type { PollerStatus, PriceSocketStatus } from '../domain/upstream-status.js';

/** What the leader shares for the other replicas' `Query.upstream`. */
export interface SharedLeaderStatus {
  replicaId: string;
  fencingToken: number;
  /** epoch ms when it was written */
  at: number;
  priceSocket: PriceSocketStatus | null;
  poller: PollerStatus | null;
}

/** What a follower logs of the leader's status when it changes. */
interface SeenLeaderStatus {
  leaderId: string;
  fencingToken: number;
  priceSocket: PriceSocketStatus['state'] | null;
  pollCursor: string | null;
}

/** The upstream clients of one leadership term. */
export interface UpstreamTerm {
  priceSocket: PriceSocket;
  /** null when notifications come by webhook only */
  poller: EventsPoller | null;
}

/** Builds (not starts) the upstream clients of a term; the poller must store through `events`. */
export type StartTerm = (events: EventLog) => UpstreamTerm;

/** Writes the leader's status while the lease is held. KEYS: lease, status. ARGV: fence, JSON, ttl ms. */
const SHARE_STATUS = redisScript(`${FENCE_CHECK}
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1
`);

export interface LeadershipOptions {
  redis: Redis;
  keys: RedisKeys;
  replicaId: string;
  /** an event log whose appends are fenced with the given lease value */
  fencedEvents: (fence: string) => EventLog;
  startTerm: StartTerm;
  /** the term that now runs, or null */
  onTerm?: (term: UpstreamTerm | null) => void;
  /** how often the leader shares its status and the others read it @default 1000 */
  statusIntervalMs?: number;
  logger?: Logger;
  now?: () => number;
}

export interface Leadership {
  /** feed of lease changes: starts a term when held, stops it at once when lost */
  onLease(held: HeldLease | null, reason: string): void;
  term(): UpstreamTerm | null;
  /** the leader's status as another replica shared it, null when this replica leads or none is fresh */
  shared(): SharedLeaderStatus | null;
  start(): void;
  /** stops the running term and starts no other */
  stop(): Promise<void>;
}

/**
 * Runs the upstream clients while this replica holds the lease, and shares the leader's
 * status through Redis so every replica's `Query.upstream` shows the upstream's health.
 */
export function createLeadership(options: LeadershipOptions): Leadership {
  const { redis, keys, replicaId, fencedEvents, startTerm, onTerm, statusIntervalMs = 1000, logger = silentLogger, now = Date.now } = options;
  let current: { fence: string; token: number; upstream: UpstreamTerm; off: () => void } | null = null;
  let wanted: HeldLease | null = null;
  let transitions: Promise<void> = Promise.resolve();
  let shared: SharedLeaderStatus | null = null;
  let lastSeen: SeenLeaderStatus | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  function endTerm(reason: string): void {
    if (!current) return;
    const ending = current;
    current = null;
    ending.off();
    onTerm?.(null);
    logger[reason === 'stopping' ? 'info' : 'warn']({ fencingToken: ending.token, reason }, 'stopped leading the upstream');
    const stopping = Promise.all([ending.upstream.poller?.stop(), ending.upstream.priceSocket.stop()]).then(
      () => undefined,
      (error: unknown) => logger.error({ err: error }, 'stopping the upstream clients failed'),
    );
    transitions = transitions.then(() => stopping);
  }

  function beginTerm(held: HeldLease): void {
    transitions = transitions.then(() => {
      if (stopped || current || wanted?.fence !== held.fence) return;
      const upstream = startTerm(fencedEvents(held.fence));
      // followers see a change of the socket's state at once, not at the next interval
      const off = upstream.priceSocket.onStateChange(() => void shareStatus());
      current = { fence: held.fence, token: held.token, upstream, off };
      shared = null;
      upstream.priceSocket.start();
      upstream.poller?.start();
      onTerm?.(upstream);
      logger.info({ fencingToken: held.token }, 'leading the upstream');
      void shareStatus();
    });
  }

  /**
   * Says what a follower learnt of the leader: a new leader (or term) at info, a change of its
   * price socket's state or of its poll cursor at debug. Nothing while the status stays the same.
   */
  function reportLeaderStatus(status: SharedLeaderStatus): void {
    const seen: SeenLeaderStatus = {
      leaderId: status.replicaId,
      fencingToken: status.fencingToken,
      priceSocket: status.priceSocket?.state ?? null,
      pollCursor: status.poller?.cursor ?? null,
    };
    const before = lastSeen;
    lastSeen = seen;
    if (!before || before.leaderId !== seen.leaderId || before.fencingToken !== seen.fencingToken) {
      logger.info(seen, 'following the upstream leader');
    } else if (before.priceSocket !== seen.priceSocket || before.pollCursor !== seen.pollCursor) {
      logger.debug(seen, "the upstream leader's status changed");
    }
  }

  async function shareStatus(): Promise<void> {
    try {
      if (current) {
        const { fence, token, upstream } = current;
        const status: SharedLeaderStatus = {
          replicaId,
          fencingToken: token,
          at: now(),
          priceSocket: upstream.priceSocket.status(),
          poller: upstream.poller?.status() ?? null,
        };
        await SHARE_STATUS(redis, [keys.lease, keys.leaderStatus], [fence, JSON.stringify(status), statusIntervalMs * 3]);
      } else {
        const text = await redis.get(keys.leaderStatus);
        shared = text ? (JSON.parse(text) as SharedLeaderStatus) : null;
        if (shared && !current && shared.replicaId !== replicaId) reportLeaderStatus(shared);
      }
    } catch (error) {
      if (!isFencedReply(error)) logger.debug({ err: error }, 'sharing the leader status failed');
    }
  }

  return {
    onLease(held, reason) {
      wanted = held;
      if (current && current.fence !== held?.fence) endTerm(reason);
      if (held && !stopped) beginTerm(held);
    },
    term: () => current?.upstream ?? null,
    shared: () => (current || !shared || shared.replicaId === replicaId ? null : shared),
    start() {
      if (timer || stopped) return;
      timer = setInterval(() => void shareStatus(), statusIntervalMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      endTerm('stopping');
      await transitions;
    },
  };
}
