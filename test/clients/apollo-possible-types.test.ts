import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCache } from '../../examples/apollo/client.js';
import { NotificationHistoryDocument } from '../../examples/generated/graphql.js';
import { stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import { addEvents, interfaceFields, startQuietGateway, storedEvents } from './fixtures.js';

/** The newest events through Apollo Client's cache, the way an app reads them. */
async function history(gw: TestGateway, cache: InMemoryCache): Promise<Array<Record<string, unknown>>> {
  const client = new ApolloClient({ link: new HttpLink({ uri: gw.server.graphqlUrl }), cache });
  try {
    const result = await client.query({ query: NotificationHistoryDocument, variables: { last: 3 } });
    expect(result.error).toBeUndefined();
    return result.data!.notificationEvents.edges.map((e) => e.node as unknown as Record<string, unknown>);
  } finally {
    client.stop();
  }
}

describe("Apollo Client's cache and the Notification interface", () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startQuietGateway();
    await addEvents(gw, 3, () => gw.simulator.rest.controls.addEvents(3));
  });
  afterEach(async () => {
    await gw.stop();
    expect(await stopLeftovers()).toBe(0);
  });

  it('without possibleTypes loses every field selected on the interface, silently', async () => {
    // a development build of Apollo Client (as vitest loads it) warns on the console; Node and
    // production builds say nothing
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const nodes = await history(gw, new InMemoryCache()).finally(() => warn.mockRestore());
    expect(nodes).toHaveLength(3);
    for (const node of nodes) {
      expect(typeof node.__typename).toBe('string');
      expect([node.id, node.type, node.createdAt, node.cursor]).toEqual([undefined, undefined, undefined, undefined]);
    }
  });

  it('with the generated possibleTypes returns them as the gateway sent them', async () => {
    const nodes = await history(gw, createCache());
    expect(nodes.map(interfaceFields)).toEqual(await storedEvents(gw));
  });
});
