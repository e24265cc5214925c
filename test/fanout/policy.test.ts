import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { createOperationPreparer } from '../../src/server/fanout/operation.js';
import { sharingPolicyOf } from '../../src/server/fanout/policy.js';
import { createYogaServer } from '../../src/server/yoga.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { testServices } from '../helpers/services.js';

const store = openSqliteStore({ path: ':memory:' });
afterAll(() => store.close());
const yoga = createYogaServer({ schema, services: testServices(store) });
const policy = sharingPolicyOf(schema);
const prepare = createOperationPreparer({ yoga, policy });
const connection = (scope: string) => ({ scope, request: new IncomingMessage(new Socket()), socket: null });

const PRICES = 'subscription { priceUpdated(filter: { assets: ["BTC"] }) { id ask } }';
const NOTIFICATIONS = 'subscription($after: String) { notificationReceived(after: $after) { __typename } }';

describe('the fan-out policy declared on the schema', () => {
  it('is read from the subscription fields', () => {
    expect(Object.fromEntries(policy)).toEqual({
      priceUpdated: { conflate: true, privateWhen: [], shareAcross: 'everyone' },
      priceChanged: { conflate: true, privateWhen: [], shareAcross: 'everyone' },
      notificationReceived: { conflate: false, privateWhen: ['after'], shareAcross: 'identity' },
    });
  });

  it('shares prices across scopes, notifications only within one, and never a replay', () => {
    const [a, b] = [prepare(connection('user:a'), { query: PRICES }), prepare(connection('user:b'), { query: PRICES })];
    expect(a).toMatchObject({ kind: 'shared', scope: 'public', conflation: { responseKey: 'priceUpdated', idKey: 'id' } });
    expect(b.kind === 'shared' && a.kind === 'shared' && b.key === a.key).toBe(true);

    const [na, nb] = [prepare(connection('user:a'), { query: NOTIFICATIONS }), prepare(connection('user:b'), { query: NOTIFICATIONS })];
    expect(na).toMatchObject({ kind: 'shared', scope: 'user:a', conflation: null });
    expect(nb).toMatchObject({ kind: 'shared', scope: 'user:b' });
    expect(na.kind === 'shared' && nb.kind === 'shared' && na.key !== nb.key).toBe(true);

    expect(prepare(connection('user:a'), { query: NOTIFICATIONS, variables: { after: 'x' } })).toMatchObject({ kind: 'single' });
  });

  it('refuses a malformed declaration at start, naming the field', () => {
    const bad = new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: { x: { type: GraphQLString } } }),
      subscription: new GraphQLObjectType({
        name: 'Subscription',
        fields: { ticks: { type: GraphQLString, extensions: { fanout: { conflate: 'yes' } } } },
      }),
    });
    expect(() => sharingPolicyOf(bad)).toThrow(/^Subscription\.ticks: expected extensions\.fanout as/);
  });
});
