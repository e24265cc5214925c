/**
 * An urql client for the gateway: queries over fetch, subscriptions over graphql-ws or GraphQL
 * over SSE, results normalised by graphcache.
 */
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';
import { cacheOptions } from './cache.js';
import { forwardTo, type TransportClient } from './forward.js';

export interface GatewayUrqlClient {
  client: Client;
  dispose(): Promise<void>;
}

export function createGatewayClient(options: { url: string; wsUrl: string; transport: 'ws' | 'sse' }): GatewayUrqlClient {
  const { url, wsUrl, transport } = options;
  const subscriptions: TransportClient =
    transport === 'ws'
      ? // Node 20 has no global WebSocket; browsers and Node 22+ need no `webSocketImpl`
        createWsClient({ url: wsUrl, webSocketImpl: WebSocket })
      : // distinct connections mode: one SSE request per subscription
        createSseClient({ url });
  const client = new Client({
    url,
    // urql sends queries with GET: the gateway's CSRF prevention wants a header a cross-site page cannot set
    fetchOptions: { headers: { 'x-graphql-yoga-csrf': '1' } },
    exchanges: [cacheExchange(cacheOptions), subscriptionExchange({ forwardSubscription: forwardTo(subscriptions) }), fetchExchange],
  });
  return {
    client,
    async dispose() {
      await subscriptions.dispose();
    },
  };
}
