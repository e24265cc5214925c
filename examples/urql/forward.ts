import type { SubscriptionForwarder } from '@urql/core';
import type { Client as WsClient } from 'graphql-ws';
import type { Client as SseClient } from 'graphql-sse';

/** A graphql-ws or graphql-sse client: both take a request and a sink and return a disposer. */
export type TransportClient = Pick<WsClient, 'subscribe' | 'dispose'> | Pick<SseClient, 'subscribe' | 'dispose'>;

/** Hands urql's subscription operations to a graphql-ws or graphql-sse client. */
export function forwardTo(transport: TransportClient): SubscriptionForwarder {
  return (request) => ({
    subscribe(sink) {
      const unsubscribe = transport.subscribe({ ...request, query: request.query ?? '' }, sink);
      return { unsubscribe };
    },
  });
}
