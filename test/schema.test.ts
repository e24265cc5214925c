import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../scripts/print-schema.js';

describe('schema.graphql', () => {
  it('is exactly what the Pothos schema prints (run `npm run schema` after changing the schema)', () => {
    const checkedIn = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(printedSchema()).toBe(checkedIn);
  });

  it('has the root fields of the public contract', () => {
    const sdl = printedSchema();
    for (const field of [
      'prices(filter: PriceFilter): [Price!]!',
      'price(asset: String!, fiat: String!): Price',
      'priceChanges(filter: PriceFilter): [PriceChange!]!',
      'notificationEvent(id: ID!): NotificationEvent',
      'upstream: UpstreamStatus!',
      'notificationReceived(after: String, types: [NotificationType!], userId: ID): NotificationEvent!',
    ]) {
      expect(sdl).toContain(field);
    }
    expect(sdl).toMatch(/notificationEvents\(after: String, before: String, first: Int, last: Int, types: \[NotificationType!\], userId: ID\): NotificationEventConnection!/);
    expect(sdl).toMatch(/priceUpdated\(filter: PriceFilter[^)]*\): Price!/);
    expect(sdl).toMatch(/priceChanged\(filter: PriceFilter[^)]*\): PriceChange!/);
    expect(sdl).toContain('enum AssetType {\n  COMMODITY\n  CRYPTO\n  EQUITY_SECURITY\n  FIAT\n  INDEX\n  SECURITY\n}');
  });
});
