import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionArgs, GraphQLFieldResolver } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { createBus } from '../src/bus/bus.js';
import { toPrice } from '../src/domain/price.js';
import { silentLogger } from '../src/logger.js';
import { createGatewayMetrics } from '../src/metrics/gateway-metrics.js';
import type { GraphQLContext } from '../src/schema/context.js';
import { schema } from '../src/schema/index.js';
import { createLoaders } from '../src/schema/loaders.js';
import { createClientAuth } from '../src/server/auth/client-auth.js';
import { ANONYMOUS } from '../src/domain/identity.js';
import { viewerOf } from '../src/domain/viewer.js';
import type { Services } from '../src/services.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { createPriceSocket } from '../src/upstream/price-socket.js';
import { REAL_TIMERS } from '../src/timers.js';
import { serveVariant } from './server-harness.js';

/**
 * G0, what a user builds by hand: the project's schema served by graphql-yoga, with graphql-ws
 * `useServer` wired through Yoga's envelop as the Yoga documentation shows. Every subscriber has
 * its own source stream and every event is executed and serialized once per subscriber.
 */
interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

serveVariant(async (upstreamUrl) => {
  // executions are counted by wrapping the subscription field's resolver: it runs once per execution
  let executions = 0;
  let frames = 0;
  const field = schema.getSubscriptionType()!.getFields().priceUpdated!;
  const resolve = field.resolve as GraphQLFieldResolver<unknown, unknown>;
  field.resolve = (...args) => {
    executions++;
    return resolve(...args);
  };

  const store = openSqliteStore({ path: ':memory:', logger: silentLogger });
  const bus = createBus();
  const metrics = createGatewayMetrics();
  const priceSocket = createPriceSocket({
    url: upstreamUrl,
    channels: ['prices-v1'],
    onPrice: (frame, receivedAt) => {
      frames++;
      const price = toPrice(frame, receivedAt);
      store.prices.putPrice(price);
      bus.publish('price:updated', price);
    },
  });
  const services: Services = {
    store,
    bus,
    metrics,
    logger: silentLogger,
    upstream: { priceSocket: () => priceSocket.status(), poller: () => null },
    limits: { maxFilterPairs: 500 },
    auth: createClientAuth({ anonymous: 'all' }),
    timers: REAL_TIMERS,
  };

  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    logging: false,
    context: () => ({ services, loaders: createLoaders(services), viewer: viewerOf(ANONYMOUS, 'all') }),
  });
  const http = createServer(yoga);
  const wss = new WebSocketServer({ server: http, path: '/graphql' });
  const disposable = useServer(
    {
      execute: (args) => ((args as ExecutionArgs).rootValue as EnvelopedRoot).execute(args as ExecutionArgs) as never,
      subscribe: (args) => ((args as ExecutionArgs).rootValue as EnvelopedRoot).subscribe(args as ExecutionArgs) as never,
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wss,
  );

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  priceSocket.start();
  await priceSocket.ready({ timeoutMs: 15_000 });
  return {
    wsUrl: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`,
    counters: () => ({ executions, frames }),
    async stop() {
      for (const ws of wss.clients) ws.terminate();
      await disposable.dispose();
      await priceSocket.stop();
      http.close();
      store.close();
    },
  };
});
