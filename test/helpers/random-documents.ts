import fc from 'fast-check';
import {
  getNamedType,
  isAbstractType,
  isLeafType,
  isNonNullType,
  isObjectType,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
} from 'graphql';

/** Literal values per argument name: mostly valid, some not, some variables. */
const ARG_VALUES: Record<string, string[]> = {
  asset: ['"BTC"', '"ETH"', '"NOPE"', '1'],
  fiat: ['"EUR"', '"USD"', '$n'],
  first: ['1', '5', '50', '100', '500', '501', '-1', '$n'],
  last: ['1', '20', '$n'],
  after: ['"garbage"', 'null'],
  before: ['"x"'],
  types: ['[USER_UPDATE]', '[ACCOUNT_SEND_MONEY, UNKNOWN]', '[]', '[NOPE]'],
  userId: ['"1ed804ad-349c-61f8-a53d-826724196664"', '"u"'],
  id: ['"evt-userUpdate"', '"nope"'],
  filter: ['{assets: ["BTC"]}', '{fiats: ["EUR"], types: [CRYPTO]}', '{pairs: [{asset: "BTC", fiat: "EUR"}]}', '{}', '$f', '{types: [NOPE]}'],
  name: ['"Price"', '"NotificationEvent"', '"Query"', '"Nope"'],
  includeDeprecated: ['true', 'false'],
  throttleMs: ['0', '100', '-5'],
};
/** the variables documents may use, declared only where used (graphql-js refuses unused ones) */
const VARIABLES: ReadonlyArray<[string, string]> = [
  ['n', 'Int'],
  ['b', 'Boolean = true'],
  ['f', 'PriceFilter'],
];
const DIRECTIVES = ['', '', '', '', '@include(if: true)', '@skip(if: false)', '@skip(if: $b)'];

function fieldArb(schema: GraphQLSchema, field: GraphQLField<unknown, unknown>, depth: number, maxDepth: number): fc.Arbitrary<string> {
  const named = getNamedType(field.type);
  const required = field.args.filter((a) => isNonNullType(a.type)).map((a) => a.name);
  const optional = field.args.filter((a) => !isNonNullType(a.type)).map((a) => a.name);
  const args = fc
    .subarray(optional)
    .chain((names) => fc.tuple(...[...required, ...names].map((n) => fc.constantFrom(...(ARG_VALUES[n] ?? ['null'])).map((v) => `${n}: ${v}`))))
    .map((parts) => (parts.length > 0 ? `(${parts.join(', ')})` : ''));
  const sub = isLeafType(named)
    ? fc.constant('')
    : depth >= maxDepth
      ? fc.constant('{ __typename }')
      : fc.constant(null).chain(() => selectionSetArb(schema, named as GraphQLCompositeType, depth + 1, maxDepth));
  return fc
    .tuple(fc.option(fc.nat(99), { nil: null, freq: 8 }), args, fc.constantFrom(...DIRECTIVES), sub)
    .map(([alias, a, directive, s]) => `${alias !== null ? `${field.name}${alias}: ` : ''}${field.name}${a} ${directive} ${s}`);
}

/** A selection set on `type` built from its real fields (inline fragments for unions), nested up to `maxDepth`. */
export function selectionSetArb(schema: GraphQLSchema, type: GraphQLCompositeType, depth: number, maxDepth: number): fc.Arbitrary<string> {
  let item: fc.Arbitrary<string>;
  if (isAbstractType(type)) {
    const possible = schema.getPossibleTypes(type);
    item = fc.oneof(
      fc.constant('__typename'),
      fc.constantFrom(...possible).chain((member) => selectionSetArb(schema, member, depth, maxDepth).map((s) => `... on ${member.name} ${s}`)),
    );
  } else if (isObjectType(type)) {
    const fields = Object.values(type.getFields());
    item = fc.constantFrom(...fields).chain((field) => fieldArb(schema, field, depth, maxDepth));
  } else {
    item = fc.constant('__typename');
  }
  return fc.array(item, { minLength: 1, maxLength: 4 }).map((items) => `{ ${items.join(' ')} }`);
}

/** Queries over the schema's own fields and introspection (`__type` nests without end through `ofType`). */
export function schemaQueries(schema: GraphQLSchema): fc.Arbitrary<string> {
  const query = schema.getQueryType()!;
  const typeType = schema.getType('__Type') as GraphQLCompositeType;
  const root = fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 12 }).chain((max) => selectionSetArb(schema, query, 1, max)), weight: 5 },
    { arbitrary: fc.integer({ min: 1, max: 14 }).chain((max) => selectionSetArb(schema, typeType, 2, max)).map((s) => `{ __type(name: "Price") ${s} }`), weight: 1 },
  );
  return fc.tuple(fc.boolean(), root).map(([named, selection]) => {
    const used = VARIABLES.filter(([name]) => selection.includes(`$${name}`)).map(([name, type]) => `$${name}: ${type}`);
    return named || used.length > 0 ? `query Q${used.length > 0 ? `(${used.join(', ')})` : ''} ${selection}` : selection;
  });
}
