import type { ChannelStatus, PollerStatus, PriceSocketStatus } from '../upstream/status.js';
import { builder } from './builder.js';

interface UpstreamView {
  priceSocket: PriceSocketStatus | null;
  poller: PollerStatus | null;
}

/** Never show credentials that may sit in a configured URL. */
function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    url.search = '';
    return url.toString();
  } catch {
    return '[invalid url]';
  }
}

const ChannelStatusRef = builder.objectRef<ChannelStatus>('UpstreamChannelStatus').implement({
  fields: (t) => ({
    channel: t.exposeString('channel'),
    subscribed: t.exposeBoolean('subscribed', { description: 'the server confirmed the subscription on this connection' }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'the last error frame since the last success' }),
    lastFrameAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.lastFrameAt }),
    frames: t.exposeInt('frames', { description: 'data frames received on this channel since start' }),
  }),
});

const PriceSocketStatusRef = builder.objectRef<PriceSocketStatus>('PriceSocketStatus').implement({
  description: 'The upstream price WebSocket.',
  fields: (t) => ({
    state: t.exposeString('state', { description: 'idle, connecting, subscribing, subscribed, reconnecting or stopped' }),
    url: t.string({ resolve: (s) => safeUrl(s.url) }),
    connectedSince: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.connectedSince }),
    reconnects: t.exposeInt('reconnects'),
    attempt: t.exposeInt('attempt', { description: 'reconnect attempts since the last successful subscription' }),
    lastError: t.exposeString('lastError', { nullable: true }),
    malformedFrames: t.exposeInt('malformedFrames'),
    unknownFrames: t.exposeInt('unknownFrames'),
    channels: t.field({ type: [ChannelStatusRef], resolve: (s) => s.channels }),
  }),
});

const PollerStatusRef = builder.objectRef<PollerStatus>('EventsPollerStatus').implement({
  description: 'The notification events poller.',
  fields: (t) => ({
    state: t.exposeString('state', { description: 'idle, polling, waiting, backing-off or stopped' }),
    url: t.string({ resolve: (s) => safeUrl(s.url) }),
    cursor: t.exposeString('cursor', { nullable: true, description: 'the after_id of the next poll' }),
    lastPollAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.lastPollAt }),
    lastSuccessAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.lastSuccessAt }),
    lagMs: t.float({ nullable: true, description: 'age of the newest stored event at the last poll', resolve: (s) => s.lagMs }),
    eventsStored: t.exposeInt('eventsStored'),
    duplicatesSkipped: t.exposeInt('duplicatesSkipped'),
    consecutiveFailures: t.exposeInt('consecutiveFailures'),
    lastError: t.exposeString('lastError', { nullable: true }),
    nextPollAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.nextPollAt }),
  }),
});

const UpstreamStatusRef = builder.objectRef<UpstreamView>('UpstreamStatus').implement({
  description: 'Health of the Bitpanda price socket and the events poller as seen by this replica.',
  fields: (t) => ({
    healthy: t.boolean({
      description: 'the price socket is subscribed and the poller is not failing',
      resolve: (u) =>
        u.priceSocket?.state === 'subscribed' && (u.poller === null || u.poller.consecutiveFailures === 0),
    }),
    priceSocket: t.field({ type: PriceSocketStatusRef, nullable: true, resolve: (u) => u.priceSocket }),
    poller: t.field({ type: PollerStatusRef, nullable: true, resolve: (u) => u.poller }),
  }),
});

builder.queryField('upstream', (t) =>
  t.field({
    type: UpstreamStatusRef,
    description: 'Health of the upstream price socket and event poller.',
    resolve: (_root, _args, ctx) => ({
      priceSocket: ctx.services.upstream.priceSocket(),
      poller: ctx.services.upstream.poller(),
    }),
  }),
);
