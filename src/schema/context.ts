import type DataLoader from 'dataloader';
import type { PriceChange } from '../domain/price.js';
import type { Services } from '../services.js';

/** Per-request loaders: built fresh for every operation so batches never leak across requests. */
export interface Loaders {
  priceChange: DataLoader<string, PriceChange | null>;
}

export interface GraphQLContext {
  services: Services;
  loaders: Loaders;
}
