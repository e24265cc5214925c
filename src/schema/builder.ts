import SchemaBuilder from '@pothos/core';
import type { GraphQLContext } from './context.js';

/** The one schema builder. Setup only: every schema file registers its own types on it. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    Decimal: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date | string | number };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  defaultFieldNullability: false,
});

builder.queryType({ description: 'Latest cached prices, the notification history and the upstream health.' });
builder.subscriptionType({ description: 'Live prices, price changes and notification events.' });
