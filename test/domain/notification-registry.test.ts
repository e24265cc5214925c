import { describe, expect, it } from 'vitest';
import { KNOWN_EVENT_TYPES, NOTIFICATION_TYPES, notificationTypeOf } from '../../src/domain/notification.js';
import { NOTIFICATION_KINDS, decodeNotification } from '../../src/domain/notification-decode.js';
import { NOTIFICATION_KIND_TABLE, type NotificationKindSpec } from '../../src/domain/notification-kinds.js';
import { NOTIFICATION_REGISTRY, createNotificationRegistry } from '../../src/domain/notification-registry.js';
import { seededRandom } from '../../src/simulator/catalogue.js';
import { SIMULATED_EVENT_TYPES, makePayload } from '../../src/simulator/events-catalogue.js';
import { notificationRecord } from '../fixtures/notifications.js';

const kind = (rawType: string, name: string, extra: Partial<NotificationKindSpec> = {}): NotificationKindSpec => ({
  rawType,
  name,
  description: `\`${rawType}\``,
  fields: { points: ['Decimal', 'points'] },
  ...extra,
});

describe('the notification registry: one table, everything else derived', () => {
  it('derives the known types, the enum values and the union members from the table, in table order', () => {
    const rawTypes = [...new Set(NOTIFICATION_KIND_TABLE.map((k) => k.rawType))];
    expect(rawTypes).toHaveLength(13);
    expect(KNOWN_EVENT_TYPES).toEqual(rawTypes);
    expect(NOTIFICATION_TYPES).toEqual([...rawTypes.map((t) => t.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()), 'UNKNOWN']);
    expect(NOTIFICATION_TYPES).toContain('USER_NON_USER_INITIATED_TX_V2');
    expect(NOTIFICATION_KINDS).toEqual([...NOTIFICATION_KIND_TABLE.map((k) => k.name), 'UnknownNotification']);
    expect(SIMULATED_EVENT_TYPES).toEqual(rawTypes);
    expect(NOTIFICATION_REGISTRY.rawTypeOf('ACCOUNT_TOP_UP_SUCCESS')).toBe('account.top-up-success');
    expect(NOTIFICATION_REGISTRY.rawTypeOf('UNKNOWN')).toBeNull();
    expect(notificationTypeOf('toString')).toBe('UNKNOWN');
  });

  it('decodes what the simulator generates for each kind to that kind: the catalogue and the table agree', () => {
    const random = seededRandom(7);
    const seen = new Map<string, number>();
    for (let i = 0; i < 40 * SIMULATED_EVENT_TYPES.length; i++) {
      const rawType = SIMULATED_EVENT_TYPES[i % SIMULATED_EVENT_TYPES.length]!;
      const payloadText = JSON.stringify(makePayload(rawType, { now: 1_700_000_000_000, random }));
      const { kind } = decodeNotification(notificationRecord('userUpdate', i + 1, { rawType, payloadText }));
      const spec = NOTIFICATION_KIND_TABLE.find((k) => k.name === kind);
      expect(spec?.rawType, `${rawType} decoded as ${kind}`).toBe(rawType);
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(NOTIFICATION_KIND_TABLE.map((k) => k.name).sort());
  });

  it('decides among the kinds of a shared raw type by their predicates, in table order', () => {
    const registry = createNotificationRegistry([
      kind('user.points', 'PointsGainedNotification', { matches: (p) => p['direction'] === 'in' }),
      kind('user.points', 'PointsAnyNotification', { matches: () => true }),
    ]);
    const decode = (payloadText: string) => registry.decode(notificationRecord('userUpdate', 1, { rawType: 'user.points', payloadText })).kind;
    expect(decode('{"direction":"in"}')).toBe('PointsGainedNotification');
    expect(decode('{"direction":"out"}')).toBe('PointsAnyNotification');
    expect(decode('[]')).toBe('UnknownNotification');
    expect(registry.notificationTypes).toEqual(['USER_POINTS', 'UNKNOWN']);
  });

  it('refuses a table that cannot be derived from, saying what it expected and what it got', () => {
    expect(() => createNotificationRegistry([kind('a.b', 'ANotification'), kind('a.c', 'ANotification')])).toThrow(
      /expected a unique GraphQL type name, got "ANotification" for a.c/,
    );
    expect(() => createNotificationRegistry([kind('a.b', 'A-Notification')])).toThrow(/unique GraphQL type name, got "A-Notification"/);
    expect(() => createNotificationRegistry([kind('a.b', 'UnknownNotification')])).toThrow(/unique GraphQL type name/);
    expect(() => createNotificationRegistry([kind('user.update', 'ANotification'), kind('user_update', 'BNotification')])).toThrow(
      /expected a raw type with an enum name of its own, got "user_update" \(USER_UPDATE\)/,
    );
    expect(() => createNotificationRegistry([kind('unknown', 'ANotification')])).toThrow(/enum name of its own, got "unknown" \(UNKNOWN\)/);
    expect(() =>
      createNotificationRegistry([kind('a.b', 'ANotification', { matches: () => true }), kind('a.b', 'BNotification')]),
    ).toThrow(/a\.b has 2 kinds; expected a `matches` predicate on each, got BNotification without/);
  });
});
