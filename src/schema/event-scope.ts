import { maySeeEvent, userIdFilter } from '../domain/identity.js';
import type { NotificationRecord } from '../domain/notification.js';
import { forbidden } from '../server/access.js';
import type { GraphQLContext } from './context.js';

/**
 * The `userId` filter a notification field runs with for this caller: a user token always reads
 * its own events only (so a page, a replay or a live stream is filtered in the store and on the
 * bus, and pages of the filtered log stay correct); partners read every user's, or the one they
 * name. Another user's id from a user token, or any read without a token that may read events,
 * is `FORBIDDEN`.
 */
export function eventUserId(ctx: GraphQLContext, requested: string | number | null | undefined): string | null {
  const filter = userIdFilter(ctx.viewer.events, requested === null || requested === undefined ? null : String(requested));
  if (!filter.ok) throw forbidden(filter.message);
  return filter.userId;
}

/** Whether one stored event may reach this caller (a user's own only; `account.*` events, with no user, to partners). */
export function mayReadEvent(ctx: GraphQLContext, record: Pick<NotificationRecord, 'userId'>): boolean {
  return maySeeEvent(ctx.viewer.events, record);
}
