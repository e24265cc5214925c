/**
 * Notification events as the gateway keeps them. The upstream record is stored untouched
 * (raw type, raw payload text); the typed view is derived from it on read, so nothing an
 * older release does not understand is ever lost.
 */

/** Upstream event types this release knows, in the order of the Bitpanda docs. */
export const KNOWN_EVENT_TYPES = [
  'user.update',
  'user.corporate-action',
  'user.non-user-initiated-tx',
  'user.non-user-initiated-tx-v2',
  'account.send-money',
  'account.send-money-success',
  'account.top-up',
  'account.top-up-success',
  'user.savings-plan-notification',
  'user.savings-plan-trade-notification',
  'user.crypto-transfer-notification',
  'user.crypto-action',
  'user.automated-order',
] as const;
export type KnownEventType = (typeof KNOWN_EVENT_TYPES)[number];

/** `user.non-user-initiated-tx-v2` → `USER_NON_USER_INITIATED_TX_V2` */
export function notificationTypeName(rawType: string): string {
  return rawType.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
}

export const NOTIFICATION_TYPES = [...KNOWN_EVENT_TYPES.map(notificationTypeName), 'UNKNOWN'] as const;
export type NotificationType = string;

const KNOWN_SET = new Set<string>(KNOWN_EVENT_TYPES);

export function isKnownEventType(rawType: string): rawType is KnownEventType {
  return KNOWN_SET.has(rawType);
}

/** The enum value for an upstream type: its upper snake name when known, else `UNKNOWN`. */
export function notificationTypeOf(rawType: string): NotificationType {
  return isKnownEventType(rawType) ? notificationTypeName(rawType) : 'UNKNOWN';
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

/** Returns the sequence number of a cursor, or null when the text is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^evt:(\d{1,15})$/.exec(text);
  return match ? Number(match[1]) : null;
}
