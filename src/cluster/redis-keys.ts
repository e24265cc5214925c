/**
 * Every Redis key and channel of one cluster, under one prefix (several clusters, or tests,
 * can share a Redis server). Pub/sub channels are server-wide, not per database, so they carry
 * the prefix too.
 */
export interface RedisKeys {
  prefix: string;
  /** the upstream leader lease: `<replicaId>|<fencing token>` with a TTL */
  lease: string;
  /** INCR counter handing out fencing tokens */
  fencingToken: string;
  /** the leader's upstream status JSON, refreshed every second or so */
  leaderStatus: string;
  /** INCR counter of log positions */
  eventSeq: string;
  /** hash: event id → record JSON (without seq) */
  eventRecords: string;
  /** sorted set: every event id scored by seq */
  eventLog: string;
  /** hash: content key → id of the first stored event with that content */
  eventContentKeys: string;
  /** hash: content key → id of a pushed event whose polled copy has not named it yet */
  eventsAwaitingUpstreamId: string;
  /** hash: upstream id → id of the pushed event it names */
  eventAliases: string;
  /** set once the content keys of events stored before they existed are indexed */
  eventContentIndexed: string;
  /** the `after_id` of the next poll; absent = from the start */
  pollCursor: string;
  /** hash: pair id → Price JSON */
  prices: string;
  /** hash: pair id → PriceChange JSON */
  priceChanges: string;
  /** a webhook signature accepted by some replica, until it would be stale anyway (replay protection) */
  webhookSeen(replayId: string): string;
  /** sorted set of one notification type's event ids by seq */
  eventsOfType(type: string): string;
  /** sorted set of one user's event ids by seq */
  eventsOfUser(userId: string): string;
  /** the pub/sub channel of a bus topic */
  channel(topic: string): string;
}

export const DEFAULT_KEY_PREFIX = 'bitpanda-gateway:';

export function redisKeys(prefix: string = DEFAULT_KEY_PREFIX): RedisKeys {
  return {
    prefix,
    lease: `${prefix}leader`,
    fencingToken: `${prefix}leader:token`,
    leaderStatus: `${prefix}leader:status`,
    eventSeq: `${prefix}events:seq`,
    eventRecords: `${prefix}events:records`,
    eventLog: `${prefix}events:log`,
    eventContentKeys: `${prefix}events:content-keys`,
    eventsAwaitingUpstreamId: `${prefix}events:awaiting-upstream-id`,
    eventAliases: `${prefix}events:aliases`,
    eventContentIndexed: `${prefix}events:content-indexed`,
    pollCursor: `${prefix}events:poll-cursor`,
    prices: `${prefix}prices`,
    priceChanges: `${prefix}price-changes`,
    webhookSeen: (replayId) => `${prefix}webhooks:seen:${replayId}`,
    eventsOfType: (type) => `${prefix}events:type:${type}`,
    eventsOfUser: (userId) => `${prefix}events:user:${userId}`,
    channel: (topic) => `${prefix}bus:${topic}`,
  };
}
