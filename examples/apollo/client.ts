/**
 * An Apollo Client for the gateway: queries over HTTP, subscriptions over graphql-ws, one
 * normalised cache that knows the schema's interfaces and unions.
 */
import { ApolloClient, HttpLink, InMemoryCache, split } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import introspection from '../generated/possible-types.js';

/**
 * The cache. `possibleTypes` (written by `npm run codegen`) tells it which object types
 * implement `Notification` and belong to the `NotificationEvent` union. Without it, every field
 * selected through `... on Notification { id type createdAt }` comes back undefined from the
 * cache, silently: Apollo Client cannot tell that a `TopUpSuccessNotification` is a
 * `Notification`. `Price`, `PriceChange` and each notification are normalised by their `id` (the
 * default; a price's id is `ASSET:FIAT`); objects without an id (change windows, page info,
 * edges) are stored inside their parent, and so are a crypto action's line items, whose `id` is
 * Bitpanda's transaction id: each event keeps them as they were when it was sent.
 */
export function createCache(): InMemoryCache {
  return new InMemoryCache({
    possibleTypes: introspection.possibleTypes,
    typePolicies: { CryptoActionTransaction: { keyFields: false } },
  });
}

export interface GatewayApolloClient {
  client: ApolloClient;
  /** closes the WebSocket and stops the client */
  dispose(): Promise<void>;
}

export function createGatewayClient(options: { url: string; wsUrl: string; cache?: InMemoryCache }): GatewayApolloClient {
  const { url, wsUrl, cache = createCache() } = options;
  // Node 20 has no global WebSocket; browsers and Node 22+ need no `webSocketImpl`
  const ws = createClient({ url: wsUrl, webSocketImpl: WebSocket });
  const link = split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    new GraphQLWsLink(ws),
    new HttpLink({ uri: url }),
  );
  const client = new ApolloClient({ link, cache });
  return {
    client,
    async dispose() {
      client.stop();
      await ws.dispose();
    },
  };
}
