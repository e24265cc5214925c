/**
 * Apollo Client against the gateway, printing one JSON line per thing it receives:
 *   latest        the cached latest price of each pair (query over HTTP, read back from the cache)
 *   history       the newest stored notifications (query; the interface fields need possibleTypes)
 *   price         a live price (subscription over graphql-ws)
 *   notification  a notification, live or, with --after, first the stored ones after that cursor
 *   done          why it stopped: the counts were reached or the time ran out
 *
 *   npx tsx examples/apollo/main.ts [URL] [--pairs BTC/EUR,ETH/EUR] [--prices 5]
 *     [--notifications 3] [--seconds 60] [--after CURSOR] [--history 5]
 * URL defaults to $GATEWAY_URL, then http://localhost:4000/graphql.
 */
import {
  LatestPricesDocument,
  LivePricesDocument,
  NotificationHistoryDocument,
  NotificationStreamDocument,
} from '../generated/graphql.js';
import { print, readOptions, runMain, tally } from '../shared/cli.js';
import { createGatewayClient } from './client.js';

async function main(): Promise<void> {
  const options = readOptions();
  const { client, dispose } = createGatewayClient(options);
  const counts = tally(options);
  const subscriptions: Array<{ unsubscribe(): void }> = [];
  try {
    const latest = await client.query({ query: LatestPricesDocument, variables: { filter: { pairs: options.pairs } } });
    for (const price of latest.data?.prices ?? []) print('latest', { price });

    if (options.history > 0) {
      const history = await client.query({ query: NotificationHistoryDocument, variables: { last: options.history } });
      for (const edge of history.data?.notificationEvents.edges ?? []) print('history', { event: edge.node });
    }

    subscriptions.push(
      client.subscribe({ query: LivePricesDocument, variables: { filter: { pairs: options.pairs } } }).subscribe({
        next: ({ data, error }) => {
          if (error) return counts.fail(error);
          if (!data) return;
          print('price', { price: data.priceUpdated });
          counts.price();
        },
        error: (error: unknown) => counts.fail(error),
      }),
      client.subscribe({ query: NotificationStreamDocument, variables: { after: options.after } }).subscribe({
        next: ({ data, error }) => {
          if (error) return counts.fail(error);
          if (!data) return;
          print('notification', { event: data.notificationReceived });
          counts.notification();
        },
        error: (error: unknown) => counts.fail(error),
      }),
    );
    const reason = await counts.done;
    print('done', { reason, ...counts.counts() });
  } finally {
    for (const subscription of subscriptions) subscription.unsubscribe();
    await dispose();
  }
}

runMain(main);
