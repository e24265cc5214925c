/**
 * How a client uses the generated documents: every result and variable is typed from the
 * schema, decimals arrive as strings. Type-checked by test/codegen.test.ts after codegen.
 */
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import {
  LatestPricesDocument,
  LivePricesDocument,
  NotificationHistoryDocument,
  type LatestPricesQuery,
  type LatestPricesQueryVariables,
  type LivePricesSubscription,
  type NotificationHistoryQuery,
} from './generated/graphql.js';

export async function latestAsk(url: string, asset: string, fiat: string): Promise<string | undefined> {
  const variables: LatestPricesQueryVariables = { filter: { pairs: [{ asset, fiat }] } };
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: print(LatestPricesDocument), variables }),
  });
  const body = (await res.json()) as { data: LatestPricesQuery };
  const ask: string | undefined = body.data.prices[0]?.ask;
  return ask;
}

export function watchPrices(url: string, onPrice: (p: LivePricesSubscription['priceUpdated']) => void): () => void {
  const client = createClient({ url });
  return client.subscribe<LivePricesSubscription>(
    { query: print(LivePricesDocument), variables: { filter: { fiats: ['EUR'], types: ['CRYPTO'] } } },
    { next: (r) => r.data && onPrice(r.data.priceUpdated), error: () => undefined, complete: () => undefined },
  );
}

export function newestTypes(data: NotificationHistoryQuery): string[] {
  void NotificationHistoryDocument;
  return data.notificationEvents.edges.map((e) => `${e.node.__typename}:${e.node.type}`);
}
