/**
 * urql graphcache configuration for the gateway's schema (Node and browser alike).
 *
 * Graphcache normalises every object by its `id` unless told otherwise, and warns (then embeds)
 * when an object has none. Here every object type of the schema is named once:
 * - entities, keyed by `id`: `Price` and `PriceChange` (`ASSET:FIAT`, stable per pair) and every
 *   notification member (the event id; one object per event across queries and subscriptions);
 * - embedded values, `() => null`: `ChangeWindow`, the connection, its edges and `PageInfo`, the
 *   upstream status objects, `Authentication` and the line items of notifications (`CryptoActionTransaction`: its
 *   nullable `id` is Bitpanda's transaction id, and each event keeps the line items as they were
 *   when it was sent, so two events never share one). They are stored inside their parent.
 * `schema` (the minified schema that `npm run codegen` writes) makes fragment matching on the
 * `Notification` interface and the `NotificationEvent` union exact. graphcache also takes
 * `possibleTypes` (examples/generated/possible-types.ts) for that, but then still walks every
 * member's fragment when it writes a result and warns, in development, about each field a member
 * does not have; with `schema` it does not.
 * test/clients/urql-cache.test.ts fails when a type of the schema is missing here.
 */
import type { CacheExchangeOpts, KeyGenerator } from '@urql/exchange-graphcache';
import schema from '../generated/graphcache-schema.js';
import introspection from '../generated/possible-types.js';

const byId: KeyGenerator = (entity) => (typeof entity.id === 'string' ? entity.id : null);
const embedded: KeyGenerator = () => null;

const notificationMembers = introspection.possibleTypes.Notification ?? [];

export const cacheOptions = {
  keys: {
    Price: byId,
    PriceChange: byId,
    ...Object.fromEntries(notificationMembers.map((type) => [type, byId])),
    ChangeWindow: embedded,
    NotificationEventConnection: embedded,
    NotificationEventEdge: embedded,
    PageInfo: embedded,
    CryptoActionTransaction: embedded,
    UpstreamStatus: embedded,
    PriceSocketStatus: embedded,
    UpstreamChannelStatus: embedded,
    EventsPollerStatus: embedded,
    ClusterStatus: embedded,
    Authentication: embedded,
  },
  schema,
} satisfies CacheExchangeOpts;
