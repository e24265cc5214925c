import { GraphQLError } from 'graphql';
import { decodeCursor, encodeCursor, type NotificationRecord } from '../domain/notification.js';
import { decodeNotification, type DecodedNotification } from '../domain/notification-decode.js';
import type { EventLog, EventQuery } from '../store/types.js';
import { builder } from './builder.js';
import { fanout } from './fanout-extension.js';
import { liveEvent } from './context.js';
import { eventUserId, mayReadEvent } from './event-scope.js';
import { NotificationEventUnion, NotificationTypeEnum } from './notification-types.js';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
const REPLAY_PAGE = 500;

function badInput(message: string, argument: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argument } });
}

function seqOf(cursor: string | null | undefined, argument: string): number | null {
  if (cursor === null || cursor === undefined) return null;
  const seq = decodeCursor(cursor);
  if (seq === null) throw badInput(`${argument}: expected a cursor returned by this API, got ${JSON.stringify(cursor)}`, argument);
  return seq;
}

function pageSize(value: number | null | undefined, argument: string): number | null {
  if (value === null || value === undefined) return null;
  if (value < 0 || value > MAX_PAGE) throw badInput(`${argument}: expected 0 to ${MAX_PAGE}, got ${value}`, argument);
  return value;
}

interface Edge {
  cursor: string;
  node: DecodedNotification;
}
interface Connection {
  edges: Edge[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const PageInfoRef = builder.objectRef<Connection['pageInfo']>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage'),
    startCursor: t.exposeString('startCursor', { nullable: true }),
    endCursor: t.exposeString('endCursor', { nullable: true }),
  }),
});

const EdgeRef = builder.objectRef<Edge>('NotificationEventEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.field({ type: NotificationEventUnion, resolve: (e) => e.node }),
  }),
});

const ConnectionRef = builder.objectRef<Connection>('NotificationEventConnection').implement({
  description: 'A page of the event log, oldest first.',
  fields: (t) => ({
    edges: t.field({ type: [EdgeRef], resolve: (c) => c.edges }),
    nodes: t.field({ type: [NotificationEventUnion], resolve: (c) => c.edges.map((e) => e.node) }),
    pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c.pageInfo }),
  }),
});

async function exists(log: EventLog, filters: Pick<EventQuery, 'types' | 'userId'>, bound: Partial<EventQuery>): Promise<boolean> {
  const rows = await log.list({ ...filters, ...bound, limit: 1, direction: bound.beforeSeq != null ? 'backward' : 'forward' });
  return rows.length > 0;
}

function toConnection(rows: NotificationRecord[], hasNextPage: boolean, hasPreviousPage: boolean): Connection {
  const edges = rows.map((record) => ({ cursor: encodeCursor(record.seq), node: decodeNotification(record) }));
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

builder.queryFields((t) => ({
  notificationEvents: t.field({
    type: ConnectionRef,
    description: 'The event log as a Relay connection, oldest first. `last: 20` gives the newest twenty.',
    args: {
      types: t.arg({ type: [NotificationTypeEnum], required: false }),
      userId: t.arg.id({ required: false, description: "one user's events; a user token reads only its own (another user's id is FORBIDDEN), a partner token any user's" }),
      first: t.arg.int({ required: false, description: `at most ${MAX_PAGE}; ${DEFAULT_PAGE} when neither first nor last is given` }),
      after: t.arg.string({ required: false }),
      last: t.arg.int({ required: false, description: `at most ${MAX_PAGE}` }),
      before: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const log = ctx.services.store.events;
      const first = pageSize(args.first, 'first');
      const last = pageSize(args.last, 'last');
      if (first !== null && last !== null) throw badInput('first and last: expected one of them, got both', 'last');
      const afterSeq = seqOf(args.after, 'after');
      const beforeSeq = seqOf(args.before, 'before');
      const filters = { types: args.types ?? null, userId: eventUserId(ctx, args.userId) };
      if (last !== null) {
        const rows = await log.list({ ...filters, afterSeq, beforeSeq, limit: last + 1, direction: 'backward' });
        const page = rows.slice(0, last).reverse();
        const hasNext = beforeSeq !== null && (await exists(log, filters, { afterSeq: beforeSeq - 1 }));
        return toConnection(page, hasNext, rows.length > last);
      }
      const size = first ?? DEFAULT_PAGE;
      const rows = await log.list({ ...filters, afterSeq, beforeSeq, limit: size + 1, direction: 'forward' });
      const hasPrevious = afterSeq !== null && (await exists(log, filters, { beforeSeq: afterSeq + 1 }));
      return toConnection(rows.slice(0, size), rows.length > size, hasPrevious);
    },
  }),
  notificationEvent: t.field({
    type: NotificationEventUnion,
    nullable: true,
    description: 'One event by its upstream id; null when unknown.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      eventUserId(ctx, null);
      const record = await ctx.services.store.events.get(String(id));
      // another user's event is as unknown as one never stored
      return record && mayReadEvent(ctx, record) ? decodeNotification(record) : null;
    },
  }),
}));

/**
 * Replays the stored events after `afterSeq`, then goes on live, with no gap and no duplicate:
 * the live subscription starts buffering before the first read of the log, and every event
 * carries its log position, so whatever both paths see is delivered once, in order.
 */
function replayThenLive(
  live: AsyncIterableIterator<NotificationRecord>,
  log: EventLog,
  afterSeq: number | null,
  filters: Pick<EventQuery, 'types' | 'userId'>,
): AsyncIterableIterator<DecodedNotification> {
  async function* run(): AsyncGenerator<DecodedNotification> {
    let last = afterSeq ?? Number.MAX_SAFE_INTEGER;
    try {
      if (afterSeq !== null) {
        for (;;) {
          const rows = await log.list({ ...filters, afterSeq: last, limit: REPLAY_PAGE, direction: 'forward' });
          for (const record of rows) yield decodeNotification(record);
          if (rows.length > 0) last = rows[rows.length - 1]!.seq;
          if (rows.length < REPLAY_PAGE) break;
        }
      }
      for await (const record of live) {
        if (afterSeq !== null && record.seq <= last) continue;
        last = record.seq;
        yield decodeNotification(record);
      }
    } finally {
      // a failed replay read must not leave the live listener buffering forever
      await live.return?.();
    }
  }
  const generator = run();
  return {
    next: () => generator.next(),
    // end the live source first so a pending next() settles instead of waiting for an event
    return: async () => {
      await live.return?.();
      return generator.return(undefined);
    },
    throw: async (error?: unknown) => {
      await live.return?.();
      return generator.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

builder.subscriptionField('notificationReceived', (t) =>
  t.field({
    type: NotificationEventUnion,
    description:
      'Events as they arrive. With `after`, first every stored event after that cursor, in order, then live ones: no gap, no duplicate.',
    args: {
      types: t.arg({ type: [NotificationTypeEnum], required: false }),
      userId: t.arg.id({ required: false, description: "one user's events; a user token reads only its own (another user's id is FORBIDDEN), a partner token any user's" }),
      after: t.arg.string({ required: false, description: 'a cursor from an event or the connection' }),
    },
    // a replay depends on when the client subscribed; which events a client may see depends on who it is
    extensions: fanout({ privateWhen: ['after'], shareAcross: 'identity' }),
    subscribe: (_root, args, ctx) => {
      const afterSeq = seqOf(args.after, 'after');
      const types = args.types && args.types.length > 0 ? new Set<string>(args.types) : null;
      const userId = eventUserId(ctx, args.userId);
      const keep = (r: NotificationRecord): boolean => (types === null || types.has(r.type)) && (userId === null || r.userId === userId) && mayReadEvent(ctx, r);
      const live = ctx.services.bus.subscribe('notification:received', keep);
      return replayThenLive(live, ctx.services.store.events, afterSeq, { types: args.types ?? null, userId });
    },
    resolve: (event, _args, ctx) => liveEvent(ctx, event.record.receivedAt, event),
  }),
);
