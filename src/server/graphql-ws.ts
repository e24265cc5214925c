import type { Server as HttpServer } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { withErrorCodes } from './error-codes.js';
import { GRAPHQL_PATH, type Yoga } from './yoga.js';

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

/**
 * `graphql-transport-ws` on the GraphQL path of the same port, through Yoga's envelop so both
 * transports share plugins, context and error codes. Bad operations get an `error` message
 * with codes; the connection stays open.
 */
export function attachGraphQLWs(options: { server: HttpServer; yoga: Yoga; compression?: boolean }): {
  wss: WebSocketServer;
  close(): Promise<void>;
} {
  const { server, yoga, compression = false } = options;
  const wss = new WebSocketServer({ server, path: GRAPHQL_PATH, perMessageDeflate: compression });
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
        let document;
        try {
          document = parse(params.query);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          return [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) {
          return errors.map((e: GraphQLError) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
        }
        return {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
      },
      onError: (_ctx, _id, _payload, errors) => withErrorCodes(errors).map((e) => e.toJSON()),
    },
    wss,
  );
  return {
    wss,
    async close() {
      for (const client of wss.clients) client.close(1001, 'Server shutting down');
      await disposable.dispose();
    },
  };
}
