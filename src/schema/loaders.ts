import DataLoader from 'dataloader';
import type { PriceChange } from '../domain/price.js';
import type { Services } from '../services.js';
import type { Loaders } from './context.js';

/** Fresh loaders for one operation: `Price.change` for a whole list resolves in one batch. */
export function createLoaders(services: Services): Loaders {
  return {
    priceChange: new DataLoader<string, PriceChange | null>(async (ids) => {
      services.metrics.loaders.batch('priceChange');
      return ids.map((id) => services.store.prices.getChange(id) ?? null);
    }),
  };
}
