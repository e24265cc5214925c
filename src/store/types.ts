import type { Price, PriceChange } from '../domain/price.js';
import type { IncomingNotification, NotificationRecord, NotificationType } from '../domain/notification.js';
import type { PushedNotification } from '../domain/notification-identity.js';

/**
 * Latest price and change per pair. Reads are synchronous from memory; writes land in memory
 * at once and reach the backing store (SQLite or Redis) write-behind, so the hot path never
 * waits on I/O. `flush()` persists what is pending (called on a timer and at shutdown).
 */
export interface PriceCache {
  putPrice(price: Price): void;
  putChange(change: PriceChange): void;
  getPrice(id: string): Price | undefined;
  getChange(id: string): PriceChange | undefined;
  listPrices(): Price[];
  listChanges(): PriceChange[];
  flush(): Promise<void>;
}

export interface EventQuery {
  types?: readonly NotificationType[] | null;
  userId?: string | null;
  /** exclusive lower bound on seq */
  afterSeq?: number | null;
  /** exclusive upper bound on seq */
  beforeSeq?: number | null;
  limit: number;
  /** forward: oldest first from afterSeq; backward: newest first from beforeSeq */
  direction: 'forward' | 'backward';
}

/**
 * The notification log: one ordered log of every event received, from the events endpoint
 * (polled) and from webhooks (pushed), each stored once, and the poll cursor.
 *
 * Deduplication (see domain/notification-identity.ts): a polled event is new unless its upstream
 * id is known, or a pushed event with its content key still awaits its upstream id (then that
 * id becomes an alias of the pushed row, and nothing new is stored). A pushed event is new
 * unless some stored event has its content key. Both checks run in the write's atomic step.
 */
export interface EventLog {
  /**
   * A page polled from the events endpoint: stores the events not stored before and sets the
   * poll cursor, in one atomic step (null clears the cursor). In cluster mode a fenced log's
   * page is refused once its lease is lost. Returns only the newly stored records, in log order.
   */
  append(events: readonly IncomingNotification[], pollCursor: string | null): Promise<NotificationRecord[]>;
  /**
   * Notifications pushed by webhook: stores those not stored before, in one atomic step, and
   * writes no cursor. Never fenced: any replica may store a push. Returns only the newly stored
   * records, in log order.
   */
  appendPushed(events: readonly PushedNotification[]): Promise<NotificationRecord[]>;
  pollCursor(): Promise<string | null>;
  /** by its id, or by the upstream id its polled copy gave a pushed event */
  get(id: string): Promise<NotificationRecord | null>;
  list(query: EventQuery): Promise<NotificationRecord[]>;
  /** highest seq stored, 0 when empty */
  lastSeq(): Promise<number>;
}

export interface Store {
  prices: PriceCache;
  events: EventLog;
  close(): Promise<void>;
}
