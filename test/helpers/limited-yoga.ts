import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga, type Plugin } from 'graphql-yoga';
import { toPrice, toPriceChange } from '../../src/domain/price.js';
import { schema } from '../../src/schema/index.js';
import type { GraphQLContext } from '../../src/schema/context.js';
import { createLoaders } from '../../src/schema/loaders.js';
import { ANONYMOUS } from '../../src/domain/identity.js';
import { viewerOf } from '../../src/domain/viewer.js';
import { useErrorCodes } from '../../src/server/error-codes.js';
import { createMarket, DEFAULT_CATALOGUE, seededRandom } from '../../src/simulator/catalogue.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { incomingNotification, NOTIFICATION_FIXTURES, type NotificationFixtureName } from '../fixtures/notifications.js';
import { testServices } from './services.js';

export interface GraphQLResponse {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

export interface LimitedYoga {
  yoga: ReturnType<typeof createYoga<Record<string, unknown>, GraphQLContext>>;
  url: string;
  post(body: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
  get(params: Record<string, string>): Promise<GraphQLResponse>;
  stop(): Promise<void>;
}

/**
 * Yoga with the project's real schema, a real SQLite store holding the simulated market (every
 * pair, or the first `pairs`) and one event per notification fixture, the project's error codes and `plugins`, over HTTP
 * on a loopback port.
 */
export async function startYoga(plugins: Plugin[], options: { pairs?: number } = {}): Promise<LimitedYoga> {
  const store = openSqliteStore({ path: ':memory:' });
  const market = createMarket(DEFAULT_CATALOGUE, seededRandom());
  for (const pair of market.pairs.slice(0, options.pairs)) {
    store.prices.putPrice(toPrice(market.priceFrame(pair, 1_700_000_000), 1_700_000_000_000));
    store.prices.putChange(toPriceChange(market.changeFrame(pair), 1_700_000_000_000));
  }
  const names = Object.keys(NOTIFICATION_FIXTURES) as NotificationFixtureName[];
  await store.events.append(
    names.map((name) => incomingNotification(name)),
    null,
  );
  const services = testServices(store, { maxFilterPairs: 50 });
  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: false,
    logging: false,
    context: () => ({ services, loaders: createLoaders(services), viewer: viewerOf(ANONYMOUS, 'all') }),
    plugins: [useErrorCodes(), ...plugins],
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const answer = async (response: Response): Promise<GraphQLResponse> => ({ status: response.status, body: (await response.json()) as GraphQLResponse['body'] });
  return {
    yoga,
    url,
    post: async (body, headers = {}) =>
      answer(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers }, body: JSON.stringify(body) })),
    get: async (params) => answer(await fetch(`${url}?${new URLSearchParams(params)}`, { headers: { accept: 'application/graphql-response+json' } })),
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await store.close();
    },
  };
}

/** The `extensions.code` of every error of a response (undefined where one has none). */
export function codesOf(response: GraphQLResponse): Array<unknown> {
  return (response.body.errors ?? []).map((e) => e.extensions?.['code']);
}
