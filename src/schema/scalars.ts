import { GraphQLError, Kind } from 'graphql';
import { isDecimalString } from '../domain/decimal.js';
import { builder } from './builder.js';

builder.scalarType('Decimal', {
  description:
    'An exact decimal number as a string, byte for byte what Bitpanda sent (e.g. "65544.85350"). Never a float.',
  serialize: (value) => value,
  parseValue: (value) => {
    if (!isDecimalString(value)) {
      throw new GraphQLError(`Decimal: expected a decimal string like "12.50", got ${JSON.stringify(value)}`, {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return value;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || !isDecimalString(ast.value)) {
      throw new GraphQLError('Decimal: expected a decimal string literal like "12.50"', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return ast.value;
  },
});

function toIso(value: Date | string | number): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value).toISOString();
  return value;
}

builder.scalarType('DateTime', {
  description: 'A point in time as an ISO 8601 string (UTC when the gateway produced it).',
  serialize: (value) => toIso(value as Date | string | number),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
    if (Number.isNaN(date.getTime())) {
      throw new GraphQLError(`DateTime: expected an ISO 8601 string, got ${JSON.stringify(value)}`, {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return date;
  },
});

function literalToJson(ast: import('graphql').ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return ast.value;
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map(literalToJson);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value)]));
    default:
      throw new GraphQLError('JSON: variables are not allowed inside a JSON literal', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
  }
}

builder.scalarType('JSON', {
  description: 'Any JSON value, passed through untouched.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literalToJson,
});
