import fc from 'fast-check';
import { graphql, isObjectType, isUnionType, getNamedType, type GraphQLObjectType } from 'graphql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractUserId, notificationTypeOf, type IncomingNotification, type NotificationRecord } from '../../src/domain/notification.js';
import { decodeNotification, NOTIFICATION_KINDS } from '../../src/domain/notification-decode.js';
import { NOTIFICATION_REGISTRY, UNKNOWN_KIND } from '../../src/domain/notification-registry.js';
import { schema } from '../../src/schema/index.js';
import { createLoaders } from '../../src/schema/loaders.js';
import type { Services } from '../../src/services.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { NOTIFICATION_FIXTURES } from '../fixtures/notifications.js';
import { viewerOf } from '../../src/domain/viewer.js';
import { ANONYMOUS } from '../../src/domain/identity.js';
import { testServices } from '../helpers/services.js';

const RUNS = 2000;
const API_RUNS = 40;

const fixturePayloads = Object.values(NOTIFICATION_FIXTURES)
  .map((f) => parsedOrText(f.payload))
  .filter((p): p is Record<string, unknown> => typeof p === 'object' && p !== null && !Array.isArray(p));

/** A documented payload with some of its fields replaced by any JSON value, or removed. */
const mutatedPayload = fc
  .tuple(fc.constantFrom(...fixturePayloads), fc.array(fc.tuple(fc.nat(), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined })), { maxLength: 4 }))
  .map(([payload, changes]) => {
    const copy: Record<string, unknown> = { ...payload };
    const keys = Object.keys(payload);
    for (const [i, value] of changes) copy[keys[i % keys.length]!] = value;
    return JSON.stringify(copy);
  });

/** Payload text of every sort: any string, any JSON, documented payloads broken field by field. */
const payloadText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json(), mutatedPayload, fc.constantFrom(...Object.values(NOTIFICATION_FIXTURES).map((f) => f.payload)));
/** Known upstream types, and any other string. */
const rawType = fc.oneof(fc.constantFrom(...NOTIFICATION_REGISTRY.rawTypes), fc.string());

function record(type: string, payload: string, seq = 1): NotificationRecord {
  return { seq, id: `evt-${seq}`, rawType: type, type: notificationTypeOf(type), createdAt: '2024-02-20T08:14:20+00:00', userId: extractUserId(payload), payloadText: payload, receivedAt: 0 };
}

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Every field of every member of the union, nested objects included: the widest query a client can send. */
function everyField(type: GraphQLObjectType): string {
  const fields = Object.values(type.getFields()).map((f) => {
    const named = getNamedType(f.type);
    return isObjectType(named) ? `${f.name} { ${everyField(named)} }` : f.name;
  });
  return ['__typename', ...fields].join(' ');
}
const union = schema.getType('NotificationEvent');
if (!isUnionType(union)) throw new Error('expected NotificationEvent to be a union');
const EVERY_MEMBER = union.getTypes().map((t) => `... on ${t.name} { ${everyField(t)} }`).join(' ');

describe('notification decoding (fast-check)', () => {
  it(`any payload of any type: a member of the union or UnknownNotification, payload kept (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(rawType, payloadText, (type, payload) => {
        const decoded = decodeNotification(record(type, payload));
        expect(NOTIFICATION_KINDS).toContain(decoded.kind);
        expect(decoded.payload).toEqual(parsedOrText(payload));
        expect(decoded.record.payloadText).toBe(payload);
        if (decoded.kind !== UNKNOWN_KIND) {
          expect(NOTIFICATION_REGISTRY.kinds.find((k) => k.name === decoded.kind)?.rawType).toBe(type);
        }
      }),
      { numRuns: RUNS },
    );
  });

  describe('stored and read through the schema', () => {
    let store: Store;
    let services: Services;
    beforeEach(() => {
      store = openSqliteStore({ path: ':memory:' });
      services = testServices(store, { maxFilterPairs: 50 });
    });
    afterEach(async () => {
      await store.close();
    });

    it(`no event is lost: every stored event comes back with every field, no error, its payload kept (${API_RUNS} runs)`, async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(rawType, payloadText), { minLength: 1, maxLength: 25 }), async (events) => {
          run++;
          const incoming: IncomingNotification[] = events.map(([type, payload], i) => ({ id: `r${run}-${i}`, type, payload, created_at: '2024-02-20T08:14:20+00:00' }));
          await store.events.append(incoming, null);
          const ids = incoming.map((e) => e.id);
          const result = await graphql({
            schema,
            source: `query($n: Int) { notificationEvents(last: $n) { edges { node { ${EVERY_MEMBER} } } } }`,
            variableValues: { n: events.length },
            contextValue: { services, loaders: createLoaders(services), viewer: viewerOf(ANONYMOUS, 'all') },
          });
          expect(result.errors?.map((e) => e.message)).toBeUndefined();
          const nodes = (result.data?.notificationEvents as { edges: Array<{ node: Record<string, unknown> }> }).edges.map((e) => e.node);
          const mine = nodes.filter((n) => ids.includes(n.id as string));
          expect(mine.map((n) => n.id)).toEqual(ids);
          for (const [i, node] of mine.entries()) {
            const [type, payload] = events[i]!;
            expect(node.rawType).toBe(type);
            // `payload: JSON!` cannot be null: a payload that is JSON null comes back as its text
            expect(node.payload).toEqual(parsedOrText(payload) ?? payload);
            expect(node.__typename).toBe(decodeNotification(record(type, payload)).kind);
          }
        }),
        { numRuns: API_RUNS },
      );
    });
  });
});
