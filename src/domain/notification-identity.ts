import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { extractUserId, notificationTypeOf, type IncomingNotification, type NotificationRecord } from './notification.js';

/**
 * The identity of a notification across sources. Webhook bodies carry no event id, so a pushed
 * notification is known by its content: the content key is the SHA-256 of its raw type and its
 * payload's canonical JSON (canonical-json.ts: key order, whitespace and string escapes aside;
 * numbers exactly as sent), or of its raw text when the payload is not JSON. A pushed event's
 * `id` is derived from that key, so a retry maps to the same event; the polled copy of a pushed
 * event is recognised by the same key, and its upstream id becomes an alias of the stored one.
 */

const PUSHED_ID_PREFIX = 'push:';

/** 64 hex digits. */
export function notificationContentKey(rawType: string, payloadText: string): string {
  const canonical = canonicalJson(payloadText);
  const body = canonical === null ? `text\n${payloadText}` : `json\n${canonical}`;
  return createHash('sha256').update(`${JSON.stringify(rawType)}\n${body}`, 'utf8').digest('hex');
}

/** The id of a pushed notification: `push:` and the first 128 bits of its content key. */
export function pushedEventId(contentKey: string): string {
  return `${PUSHED_ID_PREFIX}${contentKey.slice(0, 32)}`;
}

/** A notification that arrived by webhook, with its identity. */
export interface PushedNotification {
  id: string;
  contentKey: string;
  type: string;
  /** the `params` JSON text, exactly as received */
  payload: string;
  /** when the gateway accepted it (ISO 8601): webhook bodies carry no creation time */
  created_at: string;
}

export function pushedNotification(rawType: string, payloadText: string, acceptedAtMs: number): PushedNotification {
  const contentKey = notificationContentKey(rawType, payloadText);
  return { id: pushedEventId(contentKey), contentKey, type: rawType, payload: payloadText, created_at: new Date(acceptedAtMs).toISOString() };
}

/** A record about to be stored, with what deduplication needs. */
export interface StorableNotification extends Omit<NotificationRecord, 'seq'> {
  /** a polled event's own id; null for a pushed one until its polled copy names it */
  upstreamId: string | null;
  contentKey: string;
}

type StorableFields = Omit<StorableNotification, 'type' | 'userId'>;

function storable(fields: StorableFields): StorableNotification {
  return { ...fields, type: notificationTypeOf(fields.rawType), userId: extractUserId(fields.payloadText) };
}

export function storablePolled(event: IncomingNotification, receivedAt: number): StorableNotification & { upstreamId: string } {
  const { id, type: rawType, payload: payloadText, created_at: createdAt } = event;
  const contentKey = notificationContentKey(rawType, payloadText);
  return { ...storable({ id, upstreamId: id, contentKey, rawType, createdAt, payloadText, receivedAt }), upstreamId: id };
}

export function storablePushed(event: PushedNotification, receivedAt: number): StorableNotification {
  const { id, contentKey, type: rawType, payload: payloadText, created_at: createdAt } = event;
  return storable({ id, upstreamId: null, contentKey, rawType, createdAt, payloadText, receivedAt });
}

/** The record of a stored notification at log position `seq`. */
export function storedRecord(event: StorableNotification, seq: number): NotificationRecord {
  const { id, rawType, type, createdAt, userId, payloadText, receivedAt } = event;
  return { seq, id, rawType, type, createdAt, userId, payloadText, receivedAt };
}
