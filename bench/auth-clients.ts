/**
 * The clients of bench/auth-cost.ts, in their own process so their CPU is not the gateway's:
 * one graphql-ws socket per user, each with a price subscription (one of a few filters) and a
 * notification subscription. Driven over IPC: `count` answers the messages received so far.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

interface Start {
  url: string;
  /** one per client; null: no token (auth off) */
  tokens: Array<string | null>;
  /** the userId argument of each client's notification subscription (auth off: what a client of an unauthenticated gateway passes to get its own) */
  userIds: Array<string | null>;
  filters: unknown[];
}

const PRICES = 'subscription($filter: PriceFilter) { priceUpdated(filter: $filter) { id ask bid mid time } }';
const EVENTS = 'subscription($userId: ID) { notificationReceived(userId: $userId) { __typename ... on Notification { id userId cursor } } }';

let received = 0;
let errors = 0;
const clients: Client[] = [];

function start({ url, tokens, userIds, filters }: Start): void {
  tokens.forEach((token, i) => {
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: () => (token ? { authorization: `Bearer ${token}` } : {}),
    });
    clients.push(client);
    const sink = {
      next: (value: { errors?: unknown }) => {
        if (value.errors) errors++;
        else received++;
      },
      error: () => void errors++,
      complete: () => {},
    };
    client.subscribe({ query: PRICES, variables: { filter: filters[i % filters.length] } }, sink);
    client.subscribe({ query: EVENTS, variables: { userId: userIds[i] ?? null } }, sink);
  });
}

process.on('message', (message: { type: string; start?: Start }) => {
  if (message.type === 'start') {
    start(message.start!);
    process.send!({ type: 'started' });
  } else if (message.type === 'count') {
    process.send!({ type: 'count', received, errors });
  } else if (message.type === 'stop') {
    void Promise.all(clients.map((c) => c.dispose())).then(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
