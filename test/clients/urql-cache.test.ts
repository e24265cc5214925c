import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, isNonNullType, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { KeyGenerator } from '@urql/exchange-graphcache';
import { cacheOptions } from '../../examples/urql/cache.js';

const root = resolve(import.meta.dirname, '../..');
const schema = buildSchema(readFileSync(resolve(root, 'schema.graphql'), 'utf8'));
const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].map((t) => t?.name));
const objectTypes = Object.values(schema.getTypeMap()).filter(
  (t) => isObjectType(t) && !t.name.startsWith('__') && !roots.has(t.name),
) as Array<import('graphql').GraphQLObjectType>;

describe('the urql graphcache keys of the examples', () => {
  it('name every object type of the schema, and nothing else', () => {
    expect(Object.keys(cacheOptions.keys).sort()).toEqual(objectTypes.map((t) => t.name).sort());
  });

  it('key each type with an `id: ID!` by that id and embed the others', () => {
    const keys: Record<string, KeyGenerator> = cacheOptions.keys;
    for (const type of objectTypes) {
      const id = type.getFields().id;
      const hasId = id !== undefined && isNonNullType(id.type);
      const key = keys[type.name]!({ __typename: type.name, id: 'X:Y' });
      expect({ type: type.name, key }).toEqual({ type: type.name, key: hasId ? 'X:Y' : null });
    }
  });
});
