/**
 * urql with graphcache against the gateway, printing one JSON line per thing it receives
 * (the same lines as the Apollo example):
 *   latest        the cached latest price of each pair (query over fetch, through graphcache)
 *   history       the newest stored notifications (query)
 *   price         a live price (subscription over graphql-ws, or SSE with --transport sse)
 *   notification  a notification, live or, with --after, first the stored ones after that cursor
 *   done          why it stopped: the counts were reached or the time ran out
 *
 *   npx tsx examples/urql/main.ts [URL] [--transport ws|sse] [--pairs BTC/EUR,ETH/EUR]
 *     [--prices 5] [--notifications 3] [--seconds 60] [--after CURSOR] [--history 5]
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
    const latest = await client.query(LatestPricesDocument, { filter: { pairs: options.pairs } }).toPromise();
    if (latest.error) throw latest.error;
    for (const price of latest.data?.prices ?? []) print('latest', { price });

    if (options.history > 0) {
      const history = await client.query(NotificationHistoryDocument, { last: options.history }).toPromise();
      if (history.error) throw history.error;
      for (const edge of history.data?.notificationEvents.edges ?? []) print('history', { event: edge.node });
    }

    subscriptions.push(
      client.subscription(LivePricesDocument, { filter: { pairs: options.pairs } }).subscribe(({ data, error }) => {
        if (error) return counts.fail(error);
        if (!data) return;
        print('price', { price: data.priceUpdated });
        counts.price();
      }),
      client.subscription(NotificationStreamDocument, { after: options.after }).subscribe(({ data, error }) => {
        if (error) return counts.fail(error);
        if (!data) return;
        print('notification', { event: data.notificationReceived });
        counts.notification();
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
