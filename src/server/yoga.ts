import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLSchema } from 'graphql';
import type { Services } from '../services.js';
import type { GraphQLContext } from '../schema/context.js';
import { createLoaders } from '../schema/loaders.js';
import { useErrorCodes } from './error-codes.js';
import { useHttpMetrics } from './use-http-metrics.js';
import { useClientAuth } from './auth/use-client-auth.js';
import { viewerOf } from '../domain/viewer.js';
import { ANONYMOUS } from '../domain/identity.js';
import type { Viewer } from '../domain/viewer.js';

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
    // the viewer comes from the request (useClientAuth), a WebSocket connection or a shared group
    context: (initial) => ({
      services,
      loaders: createLoaders(services),
      viewer: (initial['viewer'] as Viewer | undefined) ?? viewerOf(ANONYMOUS, services.auth.anonymous),
    }),
    plugins: [
      useErrorCodes(),
      useHttpMetrics({ metrics: services.metrics.http }),
      useClientAuth({ auth: services.auth, logger: services.logger.child({ component: 'client-auth' }) }),
    ],
    logging: {
      debug: (...args) => services.logger.debug({ yoga: args }, 'yoga'),
      info: (...args) => services.logger.info({ yoga: args }, 'yoga'),
      warn: (...args) => services.logger.warn({ yoga: args }, 'yoga'),
      error: (...args) => services.logger.error({ yoga: args }, 'yoga'),
    },
  });
}
