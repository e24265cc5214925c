/**
 * Notification events as the gateway keeps them. The upstream record is stored untouched
 * (raw type, raw payload text); the typed view is derived from it on read, so nothing an
 * older release does not understand is ever lost.
 */

import { NOTIFICATION_REGISTRY, notificationTypeName } from './notification-registry.js';
import type { KnownEventType } from './notification-kinds.js';

export { notificationTypeName, type KnownEventType };

/** Upstream event types this release knows, in the order of the Bitpanda docs (see notification-kinds.ts). */
export const KNOWN_EVENT_TYPES = NOTIFICATION_REGISTRY.rawTypes as readonly KnownEventType[];

/** The NotificationType enum values: one per known upstream type, then `UNKNOWN`. */
export const NOTIFICATION_TYPES = NOTIFICATION_REGISTRY.notificationTypes;
export type NotificationType = string;

export function isKnownEventType(rawType: string): rawType is KnownEventType {
  return NOTIFICATION_REGISTRY.isKnown(rawType);
}

/** The enum value for an upstream type: its upper snake name when known, else `UNKNOWN`. */
export function notificationTypeOf(rawType: string): NotificationType {
  return NOTIFICATION_REGISTRY.typeOf(rawType);
}

/** One element of `data[]` from `GET /v1/events`, validated at the edge. */
export interface IncomingNotification {
  id: string;
  type: string;
  /** the upstream `payload` JSON string, exactly as received */
  payload: string;
  created_at: string;
}

/** An event as stored in the log. `seq` is its position: monotonic, gap-free per store. */
export interface NotificationRecord {
  seq: number;
  id: string;
  rawType: string;
  /** enum value, see notificationTypeOf */
  type: NotificationType;
  /** ISO 8601 as sent upstream */
  createdAt: string;
  /** extracted from the payload when it has a `user_id`, for filtering */
  userId: string | null;
  payloadText: string;
  /** epoch ms when the gateway stored it */
  receivedAt: number;
}

/** Best-effort `user_id` extraction for the filter column; never throws. */
export function extractUserId(payloadText: string): string | null {
  try {
    const parsed: unknown = JSON.parse(payloadText);
    if (parsed && typeof parsed === 'object' && 'user_id' in parsed) {
      const value = (parsed as { user_id: unknown }).user_id;
      if (typeof value === 'string' || typeof value === 'number') return String(value);
    }
  } catch {
    // not JSON: kept raw, no user id
  }
  return null;
}

/** Opaque cursor for a position in the log. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`evt:${seq}`, 'utf8').toString('base64url');
}

/**
 * Returns the sequence number of a cursor, or null when the text is not one of ours. Base64
 * decoding skips padding and foreign characters, so only the exact text `encodeCursor` writes
 * for that number is accepted.
 */
export function decodeCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^evt:(\d{1,15})$/.exec(text);
  if (!match) return null;
  const seq = Number(match[1]);
  return encodeCursor(seq) === cursor ? seq : null;
}
