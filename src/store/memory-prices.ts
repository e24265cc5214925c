import type { Price, PriceChange } from '../domain/price.js';
import type { PriceCache } from './types.js';

export interface PendingPrices {
  prices: Map<string, Price>;
  changes: Map<string, PriceChange>;
}

/**
 * The in-memory half of every price cache: the latest price and change per pair, read
 * synchronously, and what was put since the last write-behind, for the backend to persist.
 */
export interface MemoryPrices extends Omit<PriceCache, 'flush'> {
  readonly prices: Map<string, Price>;
  readonly changes: Map<string, PriceChange>;
  /** what was put since the last call; the caller persists it */
  takePending(): PendingPrices;
  /** a batch that could not be persisted goes back, unless a newer value arrived meanwhile */
  restorePending(batch: PendingPrices): void;
}

export function createMemoryPrices(): MemoryPrices {
  const prices = new Map<string, Price>();
  const changes = new Map<string, PriceChange>();
  let pending: PendingPrices = { prices: new Map(), changes: new Map() };
  return {
    prices,
    changes,
    putPrice(price) {
      prices.set(price.id, price);
      pending.prices.set(price.id, price);
    },
    putChange(change) {
      changes.set(change.id, change);
      pending.changes.set(change.id, change);
    },
    getPrice: (id) => prices.get(id),
    getChange: (id) => changes.get(id),
    listPrices: () => [...prices.values()],
    listChanges: () => [...changes.values()],
    takePending() {
      const batch = pending;
      pending = { prices: new Map(), changes: new Map() };
      return batch;
    },
    restorePending(batch) {
      for (const [id, p] of batch.prices) if (!pending.prices.has(id)) pending.prices.set(id, p);
      for (const [id, c] of batch.changes) if (!pending.changes.has(id)) pending.changes.set(id, c);
    },
  };
}
