import { EMBEDDED_STATUS, type ClusterStatus } from '../domain/cluster-status.js';
import type { ChannelStatus, PollerStatus, PriceSocketStatus } from '../domain/upstream-status.js';
import { builder } from './builder.js';
import { redactUrl } from '../redact-url.js';
import { redactText } from '../redact-text.js';

interface UpstreamView {
  priceSocket: PriceSocketStatus | null;
  poller: PollerStatus | null;
  cluster: ClusterStatus;
}

const ChannelStatusRef = builder.objectRef<ChannelStatus>('UpstreamChannelStatus').implement({
  fields: (t) => ({
    channel: t.exposeString('channel'),
    subscribed: t.exposeBoolean('subscribed', { description: 'the server confirmed the subscription on this connection' }),
    lastError: t.string({ nullable: true, description: 'the last error frame since the last success', resolve: (c) => redactText(c.lastError) }),
    lastFrameAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.lastFrameAt }),
    frames: t.exposeInt('frames', { description: 'data frames received on this channel since start' }),
  }),
});

const PriceSocketStatusRef = builder.objectRef<PriceSocketStatus>('PriceSocketStatus').implement({
  description: 'The upstream price WebSocket.',
  fields: (t) => ({
    state: t.exposeString('state', { description: 'idle, connecting, subscribing, subscribed, reconnecting or stopped' }),
    url: t.string({ resolve: (s) => redactUrl(s.url) }),
    connectedSince: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.connectedSince }),
    reconnects: t.exposeInt('reconnects'),
    attempt: t.exposeInt('attempt', { description: 'reconnect attempts since the last successful subscription' }),
    lastError: t.string({ nullable: true, resolve: (s) => redactText(s.lastError) }),
    malformedFrames: t.exposeInt('malformedFrames'),
    unknownFrames: t.exposeInt('unknownFrames'),
    channels: t.field({ type: [ChannelStatusRef], resolve: (s) => s.channels }),
  }),
});

const PollerStatusRef = builder.objectRef<PollerStatus>('EventsPollerStatus').implement({
  description: 'The notification events poller.',
  fields: (t) => ({
    state: t.exposeString('state', { description: 'idle, polling, waiting, backing-off or stopped' }),
    url: t.string({ resolve: (s) => redactUrl(s.url) }),
    cursor: t.exposeString('cursor', { nullable: true, description: 'the after_id of the next poll' }),
    lastPollAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.lastPollAt }),
    lastSuccessAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.lastSuccessAt }),
    lagMs: t.float({ nullable: true, description: 'age of the newest stored event at the last poll', resolve: (s) => s.lagMs }),
    eventsStored: t.exposeInt('eventsStored'),
    duplicatesSkipped: t.exposeInt('duplicatesSkipped'),
    consecutiveFailures: t.exposeInt('consecutiveFailures'),
    lastError: t.string({ nullable: true, resolve: (s) => redactText(s.lastError) }),
    nextPollAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.nextPollAt }),
  }),
});

const ClusterModeEnum = builder.enumType('ClusterMode', {
  values: {
    EMBEDDED: { value: 'embedded', description: 'one process with its own store' },
    CLUSTER: { value: 'cluster', description: 'replicas sharing store, bus and upstream leadership through Redis' },
  } as const,
});

const ClusterStatusRef = builder.objectRef<ClusterStatus>('ClusterStatus').implement({
  description: 'How this replica takes part in the deployment.',
  fields: (t) => ({
    mode: t.expose('mode', { type: ClusterModeEnum }),
    replicaId: t.exposeString('replicaId', { nullable: true, description: 'this replica, in cluster mode' }),
    leader: t.exposeBoolean('leader', { description: 'this replica holds the upstream price socket and runs the events poller' }),
    leaderId: t.exposeString('leaderId', { nullable: true, description: 'the replica that leads the upstream, as last seen' }),
    fencingToken: t.exposeInt('fencingToken', { nullable: true, description: "the leader's fencing token; it grows with every change of leader" }),
    redisConnected: t.exposeBoolean('redisConnected', { nullable: true, description: 'null in embedded mode' }),
    leaderStatusAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: "when the leader last shared the status shown in priceSocket and poller (null when this replica leads)",
      resolve: (c) => c.leaderStatusAt,
    }),
  }),
});

const UpstreamStatusRef = builder.objectRef<UpstreamView>('UpstreamStatus').implement({
  description: 'Health of the Bitpanda price socket and the events poller; in cluster mode, those of the leading replica.',
  fields: (t) => ({
    healthy: t.boolean({
      description: 'the price socket is subscribed and the poller is not failing',
      resolve: (u) =>
        u.priceSocket?.state === 'subscribed' && (u.poller === null || u.poller.consecutiveFailures === 0),
    }),
    priceSocket: t.field({ type: PriceSocketStatusRef, nullable: true, resolve: (u) => u.priceSocket }),
    poller: t.field({ type: PollerStatusRef, nullable: true, resolve: (u) => u.poller }),
    cluster: t.field({ type: ClusterStatusRef, resolve: (u) => u.cluster }),
  }),
});

builder.queryField('upstream', (t) =>
  t.field({
    type: UpstreamStatusRef,
    description: 'Health of the upstream price socket and event poller.',
    resolve: (_root, _args, ctx) => ({
      priceSocket: ctx.services.upstream.priceSocket(),
      poller: ctx.services.upstream.poller(),
      cluster: ctx.services.upstream.cluster?.() ?? EMBEDDED_STATUS,
    }),
  }),
);
