import { describe, expect, it } from 'vitest';
import {
  ANONYMOUS,
  ANONYMOUS_ACCESS,
  defaultAnonymousAccess,
  eventVisibility,
  groupScope,
  identityFromClaims,
  mayRenew,
  maySeeEvent,
  mayUseRootField,
  msUntilExpiry,
  scopeKey,
  userIdFilter,
  type AnonymousAccess,
  type Identity,
} from '../../src/domain/identity.js';

const expiresAt = new Date(2_000_000_000_000);
const alice: Identity = { kind: 'user', subject: 'login-a', userId: 'A', expiresAt };
const aliceAgain: Identity = { kind: 'user', subject: 'other-login', userId: 'A', expiresAt };
const bob: Identity = { kind: 'user', subject: 'login-b', userId: 'B', expiresAt };
const partner: Identity = { kind: 'partner', subject: 'backoffice', userId: null, expiresAt };

describe('identity from claims', () => {
  it.each([
    ['user from sub', { sub: 's', exp: 1 }, {}, { kind: 'user', subject: 's', userId: 's' }],
    ['user from another claim', { sub: 's', exp: 1, uid: 'u' }, { userClaim: 'uid' }, { kind: 'user', subject: 's', userId: 'u' }],
    ['integer user id', { sub: 's', exp: 1, uid: 12 }, { userClaim: 'uid' }, { kind: 'user', userId: '12' }],
    ['partner by scope string', { sub: 's', exp: 1, scope: 'a notifications:all b' }, {}, { kind: 'partner', userId: 's' }],
    ['partner by scp array', { sub: 's', exp: 1, scp: ['notifications:all'] }, { userClaim: 'uid' }, { kind: 'partner', userId: null }],
    ['partner by scp string', { sub: 's', exp: 1, scp: 'x notifications:all' }, {}, { kind: 'partner' }],
    ['partner by a configured scope', { sub: 's', exp: 1, scope: 'backoffice' }, { partnerScope: 'backoffice' }, { kind: 'partner' }],
    ['not partner: scope prefix only', { sub: 's', exp: 1, scope: 'notifications:all:read' }, {}, { kind: 'user' }],
    ['not partner: scope in another claim', { sub: 's', exp: 1, roles: ['notifications:all'] }, {}, { kind: 'user' }],
  ])('%s', (_, claims, options, expected) => {
    const result = identityFromClaims(claims, options);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.identity).toMatchObject(expected);
      expect(result.identity.expiresAt).toEqual(new Date(1000));
    }
  });

  it.each([
    ['no sub', { exp: 1 }, {}, /^sub: expected a non-empty string, got undefined/],
    ['no exp', { sub: 's' }, {}, /^exp: expected a number of seconds/],
    ['user without the user claim', { sub: 's', exp: 1 }, { userClaim: 'uid' }, /^uid: expected the user id/],
    ['user claim of a wrong type', { sub: 's', exp: 1, uid: { id: 1 } }, { userClaim: 'uid' }, /got object/],
  ])('refuses %s', (_, claims, options, problem) => {
    const result = identityFromClaims(claims, options);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });
});

type Who = 'anonymous' | 'alice' | 'partner';
const who: Record<Who, Identity> = { anonymous: ANONYMOUS, alice, partner };

describe('access rules', () => {
  const fields = ['prices', 'price', 'priceChanges', 'priceUpdated', 'priceChanged', 'notificationEvents', 'notificationEvent', 'notificationReceived', 'upstream', 'authenticate', '__schema', '__type', '__typename'];
  const open = new Set(['authenticate', '__schema', '__type', '__typename']);
  const prices = new Set(['prices', 'price', 'priceChanges', 'priceUpdated', 'priceChanged']);
  const expected = (identity: Who, mode: AnonymousAccess, field: string): boolean =>
    identity !== 'anonymous' || open.has(field) || mode === 'all' || (mode === 'prices' && prices.has(field));

  const rows = (['anonymous', 'alice', 'partner'] as const).flatMap((identity) =>
    ANONYMOUS_ACCESS.flatMap((mode) => fields.map((field) => [identity, mode, field, expected(identity, mode, field)] as const)),
  );
  it.each(rows)('%s under AUTH_ANONYMOUS=%s may use %s: %s', (identity, mode, field, allowed) => {
    expect(mayUseRootField(who[identity], mode, field)).toBe(allowed);
  });

  it('the contract defaults: all on the simulator, prices elsewhere', () => {
    expect(defaultAnonymousAccess(true)).toBe('all');
    expect(defaultAnonymousAccess(false)).toBe('prices');
  });

  const events = { ofA: { userId: 'A' }, ofB: { userId: 'B' }, account: { userId: null }, missing: {} as { userId?: string } };
  it.each([
    ['alice', 'none', { ofA: true, ofB: false, account: false, missing: false }],
    ['alice', 'all', { ofA: true, ofB: false, account: false, missing: false }],
    ['partner', 'prices', { ofA: true, ofB: true, account: true, missing: true }],
    ['anonymous', 'all', { ofA: true, ofB: true, account: true, missing: true }],
    ['anonymous', 'prices', { ofA: false, ofB: false, account: false, missing: false }],
    ['anonymous', 'none', { ofA: false, ofB: false, account: false, missing: false }],
  ] as const)('%s under %s sees events: %o', (identity, mode, sees) => {
    const visibility = eventVisibility(who[identity], mode);
    for (const [name, event] of Object.entries(events)) expect([name, maySeeEvent(visibility, event)]).toEqual([name, sees[name as keyof typeof sees]]);
  });

  it.each([
    ['alice', 'prices', undefined, { ok: true, userId: 'A' }],
    ['alice', 'prices', null, { ok: true, userId: 'A' }],
    ['alice', 'prices', 'A', { ok: true, userId: 'A' }],
    ['alice', 'all', 'B', { ok: false }],
    ['partner', 'prices', undefined, { ok: true, userId: null }],
    ['partner', 'prices', 'B', { ok: true, userId: 'B' }],
    ['anonymous', 'all', 'B', { ok: true, userId: 'B' }],
    ['anonymous', 'all', undefined, { ok: true, userId: null }],
    ['anonymous', 'prices', undefined, { ok: false }],
  ] as const)('%s under %s with userId %s: %o', (identity, mode, requested, result) => {
    expect(userIdFilter(eventVisibility(who[identity], mode), requested)).toMatchObject(result);
  });

  it('a foreign userId is refused with a message that names neither user', () => {
    const result = userIdFilter(eventVisibility(alice, 'prices'), 'B');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).not.toMatch(/\bA\b|\bB\b/);
  });
});

describe('fan-out scope keys', () => {
  it('equal keys only for equal notification results', () => {
    const cases: Array<[Identity, AnonymousAccess]> = [
      [alice, 'prices'],
      [aliceAgain, 'prices'],
      [bob, 'prices'],
      [partner, 'prices'],
      [ANONYMOUS, 'all'],
      [ANONYMOUS, 'prices'],
      [ANONYMOUS, 'none'],
    ];
    const events = [{ userId: 'A' }, { userId: 'B' }, { userId: null }];
    for (const [i1, m1] of cases) {
      for (const [i2, m2] of cases) {
        const sameResults = events.every((e) => maySeeEvent(eventVisibility(i1, m1), e) === maySeeEvent(eventVisibility(i2, m2), e));
        if (scopeKey(i1, m1) === scopeKey(i2, m2)) expect(sameResults).toBe(true);
      }
    }
    expect(scopeKey(alice, 'prices')).toBe('user:A');
    expect(scopeKey(aliceAgain, 'prices')).toBe('user:A');
    expect(scopeKey(partner, 'none')).toBe('all');
    expect(scopeKey(ANONYMOUS, 'all')).toBe('all');
    expect(scopeKey(ANONYMOUS, 'prices')).toBe('none');
  });

  it('price fields share one scope for everyone; notification fields are per scope', () => {
    for (const identity of [alice, bob, partner, ANONYMOUS]) expect(groupScope(identity, 'prices', 'priceUpdated')).toBe('public');
    expect(groupScope(alice, 'prices', 'notificationReceived')).toBe('user:A');
    expect(groupScope(partner, 'prices', 'notificationReceived')).toBe('all');
  });
});

describe('renewal and expiry', () => {
  it('renews only with the same subject, kind and user id', () => {
    expect(mayRenew(alice, { ...alice, expiresAt: new Date(3_000_000_000_000) })).toBe(true);
    expect(mayRenew(alice, bob)).toBe(false);
    expect(mayRenew(alice, aliceAgain)).toBe(false);
    expect(mayRenew(alice, { ...partner, subject: 'login-a', userId: 'A' })).toBe(false);
    expect(mayRenew(alice, { ...alice, userId: 'B' })).toBe(false);
    expect(mayRenew(ANONYMOUS, alice)).toBe(false);
    expect(mayRenew(alice, ANONYMOUS)).toBe(false);
  });

  it('time left before expiry', () => {
    expect(msUntilExpiry(alice, 1_999_999_999_000)).toBe(1000);
    expect(msUntilExpiry(alice, 2_000_000_000_000)).toBe(0);
    expect(msUntilExpiry(ANONYMOUS, 0)).toBe(Number.POSITIVE_INFINITY);
  });
});
