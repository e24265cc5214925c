import type { Price, PriceChange } from '../domain/price.js';
import type { NotificationRecord } from '../domain/notification.js';

/** The one typed topic map of the gateway's pub/sub. */
export type Topics = {
  'price:updated': Price;
  'price:changed': PriceChange;
  'notification:received': NotificationRecord;
};

export type Topic = keyof Topics;
