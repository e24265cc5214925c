import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLSchema } from 'graphql';
import type { Services } from '../services.js';
import type { GraphQLContext } from '../schema/context.js';
import { createLoaders } from '../schema/loaders.js';
import { useErrorCodes } from './error-codes.js';
import { useHttpMetrics } from './use-http-metrics.js';
import { createSseStreams } from './use-sse-streams.js';
import { yogaLogger } from './yoga-logging.js';
import { yogaSafety, type YogaSafetyOptions } from './yoga-safety.js';
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

/** Limits and browser safety (see yoga-safety.ts); `graphiql` turns the page on or off. */
export type YogaServerSafety = Omit<YogaSafetyOptions, 'graphiql' | 'path'> & { graphiql?: boolean };

/** GraphQL over HTTP, SSE and GraphiQL; the WebSocket transport shares its envelop. */
export function createYogaServer(options: { schema: GraphQLSchema; services: Services; safety?: YogaServerSafety }): Yoga {
  const { schema, services, safety: { graphiql = true, ...safety } = {} } = options;
  const sse = createSseStreams();
  services.metrics.gauges.sseStreams(() => sse.open, sse.watch);
  const { plugins: safetyPlugins, ...safe } = yogaSafety({
    ...safety,
    path: GRAPHQL_PATH,
    // served from this process, not a CDN: GraphiQL works on closed networks too
    graphiql: graphiql && { title: 'Bitpanda GraphQL gateway', subscriptionsProtocol: 'WS', defaultQuery: EXAMPLE_QUERY },
  });
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    ...safe,
    // the viewer comes from the request (useClientAuth), a WebSocket connection or a shared group
    context: (initial) => ({
      services,
      loaders: createLoaders(services),
      viewer: (initial['viewer'] as Viewer | undefined) ?? viewerOf(ANONYMOUS, services.auth.anonymous),
    }),
    plugins: [
      ...safetyPlugins,
      useErrorCodes(),
      useHttpMetrics({ metrics: services.metrics.http }),
      useClientAuth({ auth: services.auth, logger: services.logger.child({ component: 'client-auth' }) }),
      sse.plugin,
    ],
    logging: yogaLogger(services.logger),
  });
}
