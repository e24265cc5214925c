import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, type Identity } from '../../src/domain/identity.js';
import { PUBLIC_VIEWER, viewerOf, type Viewer } from '../../src/domain/viewer.js';
import { schema } from '../../src/schema/index.js';
import { createOperationPreparer, type PreparedOperation } from '../../src/server/fanout/operation.js';
import { sharingPolicyOf } from '../../src/server/fanout/policy.js';
import { createYogaServer } from '../../src/server/yoga.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { testServices } from '../helpers/services.js';

const store = openSqliteStore({ path: ':memory:' });
afterAll(() => store.close());
const services = testServices(store, { anonymous: 'prices' });
const yoga = createYogaServer({ schema, services });
const prepare = createOperationPreparer({ yoga, policy: sharingPolicyOf(schema) });
const connection = (viewer: Viewer) => ({ scope: viewer.scope, viewer, request: new IncomingMessage(new Socket()), socket: null });

const expiresAt = new Date(2_000_000_000_000);
const user = (subject: string, userId = subject): Identity => ({ kind: 'user', subject, userId, expiresAt });
const partner = (subject: string): Identity => ({ kind: 'partner', subject, userId: null, expiresAt });

const PRICES = 'subscription { priceUpdated(filter: { fiats: ["EUR"] }) { id ask } }';
const NOTIFICATIONS = 'subscription { notificationReceived { __typename } }';

function shared(prepared: PreparedOperation): Extract<PreparedOperation, { kind: 'shared' }> {
  if (prepared.kind !== 'shared') throw new Error(`expected a shared operation, got ${JSON.stringify(prepared)}`);
  return prepared;
}

describe('fan-out groups keyed by what the result depends on', () => {
  const viewers = {
    alice: viewerOf(user('login-a', 'alice'), 'prices'),
    aliceOnPhone: viewerOf(user('login-a2', 'alice'), 'prices'),
    bob: viewerOf(user('bob'), 'prices'),
    backOffice: viewerOf(partner('ops-1'), 'prices'),
    backOffice2: viewerOf(partner('ops-2'), 'prices'),
    anonymous: viewerOf(ANONYMOUS, 'prices'),
  };

  it('prices: one group for every caller, run by the public viewer', () => {
    const all = Object.values(viewers).map((v) => shared(prepare(connection(v), { query: PRICES })));
    expect(new Set(all.map((p) => p.key)).size).toBe(1);
    expect(all[0]!.viewer).toBe(PUBLIC_VIEWER);
  });

  it('notifications: one group per user id and one for all partners, run by a viewer of nobody in particular', () => {
    const key = (v: Viewer) => shared(prepare(connection(v), { query: NOTIFICATIONS })).key;
    expect(key(viewers.alice)).toBe(key(viewers.aliceOnPhone));
    expect(key(viewers.backOffice)).toBe(key(viewers.backOffice2));
    expect(new Set([key(viewers.alice), key(viewers.bob), key(viewers.backOffice)]).size).toBe(3);
    const group = shared(prepare(connection(viewers.alice), { query: NOTIFICATIONS }));
    expect(group.viewer).toEqual({ identity: null, fields: 'all', events: { kind: 'user', userId: 'alice' }, scope: 'user:alice' });
  });

  it('refuses, per connection and before any group, what the caller may not use', () => {
    const refused = prepare(connection(viewers.anonymous), { query: NOTIFICATIONS });
    expect(refused.kind).toBe('errors');
    expect(refused.kind === 'errors' && refused.errors.map((e) => e.extensions['code'])).toEqual(['FORBIDDEN']);
    const none = viewerOf(ANONYMOUS, 'none');
    const noPrices = prepare(connection(none), { query: PRICES });
    expect(noPrices.kind === 'errors' && noPrices.errors.map((e) => e.extensions['code'])).toEqual(['FORBIDDEN']);
  });
});
