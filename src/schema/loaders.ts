import DataLoader from 'dataloader';
import type { PriceChange } from '../domain/price.js';
import type { Services } from '../services.js';
import type { Loaders } from './context.js';

/**
 * The loaders of one operation: `Price.change` for a whole list resolves in one batch. They
 * cache nothing (`cache: false`): a subscription's context lives as long as the subscription
 * (one per shared group), and every event must read the change as it is then, not as it was
 * at the first event.
 */
export function createLoaders(services: Services): Loaders {
  return {
    priceChange: new DataLoader<string, PriceChange | null>(
      async (ids) => {
        services.metrics.loaders.batch('priceChange');
        return ids.map((id) => services.store.prices.getChange(id) ?? null);
      },
      { cache: false },
    ),
  };
}
