import { readFileSync } from 'node:fs';
import type { GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../scripts/print-schema.js';
import { schema } from '../src/schema/index.js';

/** `name(arg: Type, …): Type` with args in declaration order, whatever the SDL's layout. */
function signatures(type: GraphQLObjectType | null | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.values(type!.getFields()).map((f) => [
      f.name,
      `${f.args.length ? `(${f.args.map((a) => `${a.name}: ${String(a.type)}`).join(', ')})` : ''}: ${String(f.type)}`,
    ]),
  );
}

describe('schema.graphql', () => {
  it('is exactly what the Pothos schema prints (run `npm run schema` after changing the schema)', () => {
    const checkedIn = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(printedSchema()).toBe(checkedIn);
  });

  it('has the root fields of the public contract', () => {
    expect(signatures(schema.getQueryType())).toMatchObject({
      prices: '(filter: PriceFilter): [Price!]!',
      price: '(asset: String!, fiat: String!): Price',
      priceChanges: '(filter: PriceFilter): [PriceChange!]!',
      notificationEvents:
        '(types: [NotificationType!], userId: ID, first: Int, after: String, last: Int, before: String): NotificationEventConnection!',
      notificationEvent: '(id: ID!): NotificationEvent',
      upstream: ': UpstreamStatus!',
    });
    const subscription = signatures(schema.getSubscriptionType());
    expect(subscription.notificationReceived).toBe('(types: [NotificationType!], userId: ID, after: String): NotificationEvent!');
    expect(subscription.priceUpdated).toMatch(/^\(filter: PriceFilter(, [^)]*)?\): Price!$/);
    expect(subscription.priceChanged).toMatch(/^\(filter: PriceFilter(, [^)]*)?\): PriceChange!$/);
    const assetType = schema.getType('AssetType') as unknown as { getValues(): Array<{ name: string }> };
    expect(assetType.getValues().map((v) => v.name)).toEqual(['CRYPTO', 'SECURITY', 'FIAT', 'INDEX', 'COMMODITY', 'EQUITY_SECURITY']);
    const filter = schema.getType('PriceFilter') as unknown as { getFields(): Record<string, { type: unknown }> };
    expect(Object.fromEntries(Object.entries(filter.getFields()).map(([k, f]) => [k, String(f.type)]))).toEqual({
      pairs: '[PairInput!]',
      assets: '[String!]',
      fiats: '[String!]',
      types: '[AssetType!]',
    });
  });
});
