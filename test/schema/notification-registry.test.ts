import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { GraphQLNamedType, GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { NOTIFICATION_KIND_TABLE, type NotificationKindSpec } from '../../src/domain/notification-kinds.js';
import { createNotificationRegistry } from '../../src/domain/notification-registry.js';
import { builder } from '../../src/schema/builder.js';
import '../../src/schema/scalars.js';
import { defineNotificationTypes } from '../../src/schema/notification-schema.js';
import { NOTIFICATION_FIXTURES, notificationRecord } from '../fixtures/notifications.js';
import { viewerOf } from '../../src/domain/viewer.js';
import { ANONYMOUS } from '../../src/domain/identity.js';

// the graphql instance Pothos loads (see notification-types.test.ts)
const { buildSchema, graphql, lexicographicSortSchema, printSchema, printType } = createRequire(import.meta.url)(
  'graphql',
) as typeof import('graphql');

/**
 * A type Bitpanda ships next month is one entry in the kinds table (and one payload generator
 * for the simulator): this builds the schema from a registry with that one entry added and
 * checks the enum, the union, its new member and decoding all follow, and nothing else moves.
 * This file runs in its own module graph, so the real schema's notification types are never
 * declared on this builder.
 */
const LOYALTY: NotificationKindSpec = {
  rawType: 'user.loyalty-points-credited',
  name: 'LoyaltyPointsCreditedNotification',
  description: '`user.loyalty-points-credited`: loyalty points credited to a user.',
  fields: {
    points: ['Decimal', 'points'],
    tier: ['String', 'tier', 'e.g. "gold"'],
  },
};
const registry = createNotificationRegistry([...NOTIFICATION_KIND_TABLE, LOYALTY]);
// the fixture the current release decodes as UnknownNotification is of exactly this type
const record = notificationRecord('unknownType', 9, { type: registry.typeOf(NOTIFICATION_FIXTURES.unknownType.type) });

let schema: GraphQLSchema;
beforeAll(() => {
  const { NotificationEventUnion } = defineNotificationTypes(builder, registry);
  builder.queryFields((t) => ({
    testEvent: t.field({ type: NotificationEventUnion, resolve: () => registry.decode(record) }),
  }));
  builder.subscriptionField('testNothing', (t) =>
    t.string({
      subscribe: async function* () {
        /* no events */
      },
      resolve: (v: unknown) => String(v),
    }),
  );
  schema = lexicographicSortSchema(builder.toSchema());
});

const checkedIn = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));
const print = (type: GraphQLNamedType | null | undefined): string => (type ? printType(type) : 'missing');

describe('a registry with one more kind', () => {
  it('adds the enum value, the member and its typed fields from that one entry', () => {
    const sdl = printSchema(schema);
    expect(sdl).toContain('  """Upstream type `user.loyalty-points-credited`."""\n  USER_LOYALTY_POINTS_CREDITED\n');
    expect(print(schema.getType('LoyaltyPointsCreditedNotification'))).toMatch(
      /^"""`user.loyalty-points-credited`: loyalty points credited to a user\."""\ntype LoyaltyPointsCreditedNotification implements Notification \{/,
    );
    expect(sdl).toContain('  """Upstream `points`."""\n  points: Decimal\n');
    expect(sdl).toContain('  """Upstream `tier`: e.g. "gold"."""\n  tier: String\n');
    const union = /union NotificationEvent = (.+)/.exec(sdl)?.[1]?.split(' | ');
    expect(union).toContain('LoyaltyPointsCreditedNotification');
    expect(union).toHaveLength(NOTIFICATION_KIND_TABLE.length + 2);
  });

  it('leaves every other notification type exactly as the checked-in schema prints it', () => {
    const names = ['Notification', 'CryptoActionTransaction', 'UnknownNotification', ...NOTIFICATION_KIND_TABLE.map((k) => k.name)];
    for (const name of names) expect(print(schema.getType(name)), name).toBe(print(checkedIn.getType(name)));
    const values = (name: string, s: GraphQLSchema) => (s.getType(name) as import('graphql').GraphQLEnumType).getValues().map((v) => v.name);
    expect(values('NotificationType', schema).filter((v) => v !== 'USER_LOYALTY_POINTS_CREDITED')).toEqual(values('NotificationType', checkedIn));
  });

  it('decodes the new type to its member, with typed fields', async () => {
    const result = await graphql({
      schema,
      source: '{ testEvent { __typename ... on Notification { type rawType } ... on LoyaltyPointsCreditedNotification { points tier } } }',
      contextValue: { viewer: viewerOf(ANONYMOUS, 'all') },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.['testEvent']).toEqual({
      __typename: 'LoyaltyPointsCreditedNotification',
      type: 'USER_LOYALTY_POINTS_CREDITED',
      rawType: 'user.loyalty-points-credited',
      points: '12.50',
      tier: 'gold',
    });
  });
});
