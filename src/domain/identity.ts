/**
 * Who is calling, and what that caller may read: one model for HTTP, SSE and WebSocket.
 *
 * - anonymous: no token. What it may use is the deployment's `AnonymousAccess`.
 * - user: a signed-in Bitpanda user; sees only events whose `userId` is its own.
 * - partner: a token holding the partner scope (back office); sees every event.
 */

export interface AnonymousIdentity {
  readonly kind: 'anonymous';
}

export interface UserIdentity {
  readonly kind: 'user';
  /** the token's `sub` */
  readonly subject: string;
  /** the Bitpanda user id, from the configured user claim */
  readonly userId: string;
  readonly expiresAt: Date;
}

export interface PartnerIdentity {
  readonly kind: 'partner';
  readonly subject: string;
  /** the user claim, when the token has one; it does not narrow what a partner sees */
  readonly userId: string | null;
  readonly expiresAt: Date;
}

export type TokenIdentity = UserIdentity | PartnerIdentity;
export type Identity = AnonymousIdentity | TokenIdentity;

export const ANONYMOUS: AnonymousIdentity = Object.freeze({ kind: 'anonymous' });

/** What a client without a token may use (`AUTH_ANONYMOUS`). */
export const ANONYMOUS_ACCESS = ['none', 'prices', 'all'] as const;
export type AnonymousAccess = (typeof ANONYMOUS_ACCESS)[number];

/** `all` on the built-in simulator (demos), `prices` anywhere else. */
export function defaultAnonymousAccess(simulator: boolean): AnonymousAccess {
  return simulator ? 'all' : 'prices';
}

/** The public root fields: the same result for every caller. */
export const PRICE_FIELDS: ReadonlySet<string> = new Set(['prices', 'price', 'priceChanges', 'priceUpdated', 'priceChanged']);

/**
 * Root fields every caller may use, with or without a token: introspection (the schema is
 * public; GraphiQL and code generators need it) and `authenticate` (how a token is checked).
 */
export const OPEN_FIELDS: ReadonlySet<string> = new Set(['__typename', '__schema', '__type', 'authenticate']);

export interface ClaimsOptions {
  /** the claim holding the Bitpanda user id @default 'sub' */
  userClaim?: string;
  /** the scope that makes a token a partner's @default 'notifications:all' */
  partnerScope?: string;
}

export type ClaimsResult = { ok: true; identity: TokenIdentity } | { ok: false; problem: string };

function words(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter((w) => w.length > 0);
  if (Array.isArray(value)) return value.filter((w): w is string => typeof w === 'string');
  return [];
}

/** True when `scope` (space-separated) or `scp` (array, or space-separated as some issuers send it) holds `wanted`. */
export function hasScope(claims: Readonly<Record<string, unknown>>, wanted: string): boolean {
  return words(claims['scope']).includes(wanted) || words(claims['scp']).includes(wanted);
}

function claimId(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return null;
}

/** The identity a verified token's claims describe; a problem (for logs) when they describe none. */
export function identityFromClaims(claims: Readonly<Record<string, unknown>>, options: ClaimsOptions = {}): ClaimsResult {
  const { userClaim = 'sub', partnerScope = 'notifications:all' } = options;
  const subject = claims['sub'];
  if (typeof subject !== 'string' || subject.length === 0) return { ok: false, problem: `sub: expected a non-empty string, got ${typeof subject}` };
  const exp = claims['exp'];
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return { ok: false, problem: `exp: expected a number of seconds, got ${typeof exp}` };
  const expiresAt = new Date(exp * 1000);
  const userId = claimId(claims[userClaim]);
  if (hasScope(claims, partnerScope)) return { ok: true, identity: { kind: 'partner', subject, userId, expiresAt } };
  if (userId === null) return { ok: false, problem: `${userClaim}: expected the user id (a string or an integer), got ${typeof claims[userClaim]}` };
  return { ok: true, identity: { kind: 'user', subject, userId, expiresAt } };
}

/** Whether the caller may select this root field at all (`FORBIDDEN` when not). */
export function mayUseRootField(identity: Identity, anonymous: AnonymousAccess, field: string): boolean {
  if (OPEN_FIELDS.has(field) || identity.kind !== 'anonymous') return true;
  if (anonymous === 'all') return true;
  return anonymous === 'prices' && PRICE_FIELDS.has(field);
}

/** Which notification events a caller sees: every one, one user's, or none. */
export type EventVisibility = { readonly kind: 'all' } | { readonly kind: 'user'; readonly userId: string } | { readonly kind: 'none' };

export function eventVisibility(identity: Identity, anonymous: AnonymousAccess): EventVisibility {
  switch (identity.kind) {
    case 'partner':
      return { kind: 'all' };
    case 'user':
      return { kind: 'user', userId: identity.userId };
    case 'anonymous':
      return anonymous === 'all' ? { kind: 'all' } : { kind: 'none' };
  }
}

/** Whether one event may reach the caller: a user's own events only; `account.*` (no userId) to partners. */
export function maySeeEvent(visibility: EventVisibility, event: { readonly userId?: string | null }): boolean {
  if (visibility.kind === 'all') return true;
  if (visibility.kind === 'none') return false;
  return event.userId != null && event.userId === visibility.userId;
}

/**
 * The `userId` filter a notification field runs with, from the caller and the `userId` argument:
 * `null` means every user. A user always gets its own id; asking for another user's is forbidden.
 */
export type UserIdFilter = { readonly ok: true; readonly userId: string | null } | { readonly ok: false; readonly message: string };

export function userIdFilter(visibility: EventVisibility, requested: string | null | undefined): UserIdFilter {
  if (visibility.kind === 'none') return { ok: false, message: 'Notification events: expected a token that may read them, got none' };
  if (visibility.kind === 'all') return { ok: true, userId: requested ?? null };
  if (requested != null && requested !== visibility.userId) return { ok: false, message: "userId: expected the caller's own user id, got another user's" };
  return { ok: true, userId: visibility.userId };
}

/**
 * The fan-out grouping key of what a caller's notification results depend on. Two callers get
 * the same key only when every notification result is the same for both: all-seeing callers
 * (partners, anonymous under `all`) share `all`, a user shares with tokens of the same user id.
 */
export function scopeKey(identity: Identity, anonymous: AnonymousAccess): string {
  const visibility = eventVisibility(identity, anonymous);
  return visibility.kind === 'user' ? `user:${visibility.userId}` : visibility.kind;
}

/** The group scope of one root field: price fields are the same for everyone, so one scope serves all. */
export function groupScope(identity: Identity, anonymous: AnonymousAccess, field: string): string {
  return PRICE_FIELDS.has(field) ? 'public' : scopeKey(identity, anonymous);
}

/**
 * Whether `next` may replace `current` on a live connection: the same subject, and nothing
 * about what the connection sees changes (its groups were chosen by scope).
 */
export function mayRenew(current: Identity, next: Identity): boolean {
  if (current.kind === 'anonymous' || next.kind === 'anonymous') return false;
  return current.subject === next.subject && current.kind === next.kind && current.userId === next.userId;
}

/** Milliseconds until the identity's token expires (`Infinity` for anonymous); 0 or less means expired. */
export function msUntilExpiry(identity: Identity, nowMs: number): number {
  return identity.kind === 'anonymous' ? Number.POSITIVE_INFINITY : identity.expiresAt.getTime() - nowMs;
}
