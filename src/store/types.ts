import type { Price, PriceChange } from '../domain/price.js';
import type { IncomingNotification, NotificationRecord, NotificationType } from '../domain/notification.js';

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
 * The notification log: one ordered log of every event received, deduplicated by event id,
 * and the poll cursor, moved in the same atomic step as the events it covers.
 */
export interface EventLog {
  /**
   * Stores the events not seen before (by id) and sets the poll cursor, atomically.
   * Returns only the newly stored records, in log order.
   */
  append(events: readonly IncomingNotification[], pollCursor: string | null): Promise<NotificationRecord[]>;
  pollCursor(): Promise<string | null>;
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
