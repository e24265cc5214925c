import type { ServerResponse } from 'node:http';
import { getOperationAST, GraphQLError, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Viewer } from '../../domain/viewer.js';
import type { Logger } from '../../logger.js';
import { accessErrors } from '../access.js';
import { isAuthError, unauthenticated, type ClientAuth } from './client-auth.js';
import { clientKey, TOO_MANY_CONNECTIONS } from './connection-limiter.js';

export interface ClientAuthPluginOptions {
  auth: ClientAuth;
  logger?: Logger;
}

interface ServerContext {
  viewer?: Viewer;
  req?: { socket?: { remoteAddress?: string } };
  res?: ServerResponse;
}

function wantsEventStream(request: Request): boolean {
  return (request.headers.get('accept') ?? '').includes('text/event-stream');
}

/** The refusals of an operation for the viewer in its context; none when it may run (or has no viewer). */
function refusals(contextValue: unknown, document: DocumentNode, operationName: string | null | undefined): GraphQLError[] {
  const viewer = (contextValue as { viewer?: Viewer } | null)?.viewer;
  const operation = getOperationAST(document, operationName ?? undefined);
  return viewer && operation ? accessErrors(viewer, document, operation) : [];
}

/**
 * Client authentication over HTTP and SSE: the `Authorization: Bearer` header is verified before
 * the document is even parsed (a bad or expired token: HTTP 401, `UNAUTHENTICATED`), the caller's
 * viewer goes into the context, and an operation selecting a root field the caller may not use
 * gets `FORBIDDEN` without executing. SSE streams count against `MAX_CONNECTIONS_PER_CLIENT`.
 * The WebSocket path checks the same operation rules through the same viewer (see ws-auth.ts).
 */
export function useClientAuth(options: ClientAuthPluginOptions): Plugin {
  const { auth, logger } = options;
  return {
    async onParams({ request, context, setResult }) {
      const server = context as ServerContext;
      let found;
      try {
        found = await auth.identifyHeader(request.headers.get('authorization'));
      } catch (error) {
        if (!isAuthError(error)) throw error;
        logger?.info({ reason: error.reason, detail: error.detail }, 'client token refused');
        setResult({ errors: [unauthenticated(error)] });
        return;
      }
      server.viewer = found.viewer;
      if (!wantsEventStream(request) || !server.res) return;
      const release = auth.connections.acquire(clientKey(found.identity, server.req?.socket?.remoteAddress));
      if (release === null) {
        const message = `Expected at most ${auth.connections.max} open streams and WebSockets per client, got one more`;
        setResult({ errors: [new GraphQLError(message, { extensions: { code: TOO_MANY_CONNECTIONS, http: { status: 429 } } })] });
        return;
      }
      server.res.once('close', release);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const errors = refusals(args.contextValue, args.document, args.operationName);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const errors = refusals(args.contextValue, args.document, args.operationName);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
  };
}
