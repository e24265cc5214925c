import type { ObjectRef } from '@pothos/core';
import { bool, dateTime, decimal, field, int, objects, str, type JsonObject } from '../domain/notification-decode.js';
import type { NestedObjectSpec, PayloadFieldSpec, ScalarFieldSpec } from '../domain/notification-kinds.js';
import type { builder } from './builder.js';

export type Builder = typeof builder;
type BuilderTypes = Builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
type Fields<Parent> = PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, Parent>;

/** The object type of a nested spec, declared once per builder however many kinds use it. */
export type NestedObjects = (spec: NestedObjectSpec) => ObjectRef<BuilderTypes, JsonObject>;

const INT32_MAX = 2 ** 31 - 1;

function scalarField<Parent>(t: Fields<Parent>, source: (parent: Parent) => unknown, [type, key, note]: ScalarFieldSpec) {
  const description = note ? `Upstream \`${key}\`: ${note}.` : `Upstream \`${key}\`.`;
  const common = { nullable: true, description } as const;
  switch (type) {
    case 'ID':
      return t.id({ ...common, resolve: (p) => str(source(p), key) });
    case 'String':
      return t.string({ ...common, resolve: (p) => str(source(p), key) });
    case 'Decimal':
      return t.field({ ...common, type: 'Decimal', resolve: (p) => decimal(source(p), key) });
    case 'Int':
      return t.int({
        ...common,
        resolve: (p) => {
          const n = int(source(p), key);
          return n !== null && Math.abs(n) <= INT32_MAX ? n : null;
        },
      });
    case 'Boolean':
      return t.boolean({ ...common, resolve: (p) => bool(source(p), key) });
    case 'DateTime':
      return t.field({ ...common, type: 'DateTime', resolve: (p) => dateTime(source(p), key) });
  }
}

/**
 * Declares one nullable field per spec, read from the object that `source` returns. A scalar
 * field's description names the upstream key.
 */
export function payloadFields<Parent>(
  t: Fields<Parent>,
  source: (parent: Parent) => unknown,
  specs: Readonly<Record<string, PayloadFieldSpec>>,
  nested: NestedObjects,
) {
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => {
      if (!('list' in spec)) return [name, scalarField(t, source, spec)];
      const { list, key, description } = spec;
      const listField = t.field({
        type: [nested(list)],
        nullable: true,
        description,
        resolve: (p) => {
          const payload = source(p);
          return Array.isArray(field(payload, key)) ? objects(payload, key) : null;
        },
      });
      return [name, listField];
    }),
  );
}

/** A cache of the nested object types of one builder. */
export function nestedObjectTypes(b: Builder): NestedObjects {
  const refs = new Map<string, ObjectRef<BuilderTypes, JsonObject>>();
  const define: NestedObjects = (spec) => {
    let ref = refs.get(spec.name);
    if (!ref) {
      ref = b.objectRef<JsonObject>(spec.name).implement({
        description: spec.description,
        fields: (t) => payloadFields(t, (o) => o, spec.fields, define),
      });
      refs.set(spec.name, ref);
    }
    return ref;
  };
  return define;
}
