import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLSchema } from 'graphql';
import type { Services } from '../services.js';
import type { GraphQLContext } from '../schema/context.js';
import { createLoaders } from '../schema/loaders.js';
import { useErrorCodes } from './error-codes.js';
import { useHttpMetrics } from './use-http-metrics.js';

export type Yoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

export const GRAPHQL_PATH = '/graphql';

const EXAMPLE_QUERY = `# Live Bitpanda prices. Press the play button, then watch them arrive.
subscription LivePrices {
  priceUpdated(filter: { fiats: ["EUR"], types: [CRYPTO] }) {
    id
    asset
    fiat
    ask
    bid
    mid
    spread
    time
  }
}
`;

/** GraphQL over HTTP, SSE and GraphiQL; the WebSocket transport shares its envelop. */
export function createYogaServer(options: { schema: GraphQLSchema; services: Services }): Yoga {
  const { schema, services } = options;
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    graphiql: { title: 'Bitpanda GraphQL gateway', subscriptionsProtocol: 'WS', defaultQuery: EXAMPLE_QUERY },
    // served from this process, not a CDN: GraphiQL works on closed networks too; its 9 MB
    // bundle is loaded at the first GraphiQL request rather than at start
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    context: () => ({ services, loaders: createLoaders(services) }),
    plugins: [useErrorCodes(), useHttpMetrics({ metrics: services.metrics.http })],
    logging: {
      debug: (...args) => services.logger.debug({ yoga: args }, 'yoga'),
      info: (...args) => services.logger.info({ yoga: args }, 'yoga'),
      warn: (...args) => services.logger.warn({ yoga: args }, 'yoga'),
      error: (...args) => services.logger.error({ yoga: args }, 'yoga'),
    },
  });
}
