import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { withErrorCodes } from '../../src/server/error-codes.js';
import { createYogaServer } from '../../src/server/yoga.js';
import { schema } from '../../src/schema/index.js';
import { createGatewayMetrics } from '../../src/metrics/gateway-metrics.js';
import type { TestGateway } from '../helpers/gateway.js';

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

/** The reference: graphql-ws's own server through Yoga's envelop, executing per subscriber. */
export async function referenceServer(gw: TestGateway): Promise<{ url: string; close(): Promise<void> }> {
  // its own metrics: the gateway's registry already holds the series of the gateway's Yoga
  const yoga = createYogaServer({ schema, services: { ...gw.services, metrics: createGatewayMetrics({ processMetrics: false }) } });
  const server: Server = createServer();
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const disposable = useServer(
    {
      execute: (args) => ((args as ExecutionArgs).rootValue as EnvelopedRoot).execute(args as ExecutionArgs) as never,
      subscribe: (args) => ((args as ExecutionArgs).rootValue as EnvelopedRoot).subscribe(args as ExecutionArgs) as never,
      onSubscribe: async (ctx, _id, params) => {
        const { schema: s, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({ ...ctx, params });
        let document;
        try {
          document = parse(params.query);
        } catch (error) {
          return [new GraphQLError((error as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const errors = validate(s, document);
        if (errors.length > 0) {
          return errors.map((e: GraphQLError) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
        }
        const contextValue = await contextFactory();
        return { schema: s, operationName: params.operationName, document, variableValues: params.variables, contextValue, rootValue: { execute, subscribe } };
      },
      onError: (_ctx, _id, _payload, errors) => withErrorCodes(errors).map((e) => e.toJSON()),
    },
    wss,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    async close() {
      await disposable.dispose();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

