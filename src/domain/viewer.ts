import {
  eventVisibility,
  OPEN_FIELDS,
  PRICE_FIELDS,
  scopeKey,
  type AnonymousAccess,
  type EventVisibility,
  type Identity,
} from './identity.js';

/**
 * What one execution may read, as resolvers see it in the context (`ctx.viewer`). A request or
 * a connection has the viewer of its caller; a shared subscription group, which serves every
 * member of one scope at once, has a viewer of no particular caller that sees exactly what each
 * of its members sees.
 */
export interface Viewer {
  /** the caller; null for a group's shared execution */
  readonly identity: Identity | null;
  /** the root fields it may select besides the open ones: `all`, the price fields, or `none` */
  readonly fields: AnonymousAccess;
  /** which notification events its results may hold */
  readonly events: EventVisibility;
  /** the fan-out scope: two viewers of one scope get the same result for every notification operation */
  readonly scope: string;
}

/** The scope of results that are the same for everyone (prices). */
export const PUBLIC_SCOPE = 'public';

/** The caller's viewer: a token's sees every field; an anonymous one what `AUTH_ANONYMOUS` allows. */
export function viewerOf(identity: Identity, anonymous: AnonymousAccess): Viewer {
  return {
    identity,
    fields: identity.kind === 'anonymous' ? anonymous : 'all',
    events: eventVisibility(identity, anonymous),
    scope: scopeKey(identity, anonymous),
  };
}

/** The viewer of a group of `member`'s scope: the same fields and events, nobody in particular. */
export function scopeViewer(member: Viewer): Viewer {
  return { identity: null, fields: member.fields, events: member.events, scope: member.scope };
}

/** The viewer of groups shared across every scope: the public fields, no events. */
export const PUBLIC_VIEWER: Viewer = Object.freeze({ identity: null, fields: 'prices', events: Object.freeze({ kind: 'none' }), scope: PUBLIC_SCOPE });

/** Whether the viewer may select this root field (else `FORBIDDEN`). */
export function mayUse(viewer: Viewer, field: string): boolean {
  if (OPEN_FIELDS.has(field) || viewer.fields === 'all') return true;
  return viewer.fields === 'prices' && PRICE_FIELDS.has(field);
}
