import { readFileSync } from 'node:fs';
import { getIntrospectionQuery, GraphQLError, Lexer, parse, Source, TokenKind } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { withListSizes, DEFAULT_LIST_SIZES } from '../../src/server/operation-cost.js';
import { LIMIT_CODES, useOperationLimits } from '../../src/server/use-operation-limits.js';
import { codesOf, startYoga, type LimitedYoga } from '../helpers/limited-yoga.js';

/** Every field of a price and its change: about 39 values per pair. */
const FULL_PRICE = `id type asset fiat ask bid mid spread time receivedAt
  change { id type asset fiat monthlyVolatility receivedAt
    intraday { percent value } day { percent value } week { percent value } month { percent value }
    sixMonths { percent value } year { percent value } fiveYears { percent value } }`;

/** What GraphiQL and code generators send, with every option graphql-js offers turned on. */
const GRAPHIQL_INTROSPECTION = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
});

function tokens(text: string): number {
  const lexer = new Lexer(new Source(text));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

const aliases = (n: number, selection: string) => Array.from({ length: n }, (_, i) => `a${i}: ${selection}`).join('\n');

let gw: LimitedYoga;
beforeAll(async () => {
  gw = await startYoga([useOperationLimits()]);
});
afterAll(() => gw.stop());

/** Posts `query`, expects it refused before execution with `code` among its errors, every error coded. */
async function refused(query: string, code: string, variables?: Record<string, unknown>): Promise<string> {
  const response = await gw.post({ query, variables });
  expect(response.status).toBe(400);
  expect(response.body.data).toBeUndefined();
  const codes = codesOf(response);
  expect(codes).toContain(code);
  expect(codes.every((c) => typeof c === 'string')).toBe(true);
  for (const error of response.body.errors!) expect(JSON.stringify(error)).not.toMatch(/stack|\bat .+\.(js|ts):\d+/);
  return response.body.errors!.find((e) => e.extensions?.['code'] === code)!.message;
}

async function accepted(query: string, variables?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await gw.post({ query, variables });
  expect(response.body.errors ?? []).toEqual([]);
  expect(response.status).toBe(200);
  return response.body.data!;
}

describe('operation limits on a real Yoga with the project schema, over HTTP', () => {
  it('accepts the GraphiQL introspection query (the depth and token limits leave it alone)', async () => {
    expect(tokens(GRAPHIQL_INTROSPECTION)).toBeLessThan(2000);
    const data = await accepted(GRAPHIQL_INTROSPECTION);
    expect((data['__schema'] as { queryType: { name: string } }).queryType.name).toBe('Query');
  });

  it('bounds introspection by graphql-js MaxIntrospectionDepthRule instead', async () => {
    const nested = '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }';
    const response = await gw.post({ query: nested });
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.body.errors![0]!.message).toMatch(/Maximum introspection depth exceeded/);
  });

  it('accepts every example client operation and a full `prices` selection', async () => {
    const examples = ['prices', 'notifications'].map((name) => readFileSync(`examples/operations/${name}.graphql`, 'utf8'));
    for (const text of examples) {
      for (const definition of parse(text).definitions) {
        if (definition.kind !== 'OperationDefinition' || definition.operation !== 'query') continue;
        const variables = definition.name!.value === 'OnePrice' ? { asset: 'BTC', fiat: 'EUR' } : {};
        const response = await gw.post({ query: text, operationName: definition.name!.value, variables });
        expect(codesOf(response).filter((c) => Object.values(LIMIT_CODES).includes(c as never))).toEqual([]);
      }
    }
    const data = await accepted(`{ prices { ${FULL_PRICE} } }`);
    expect((data['prices'] as unknown[]).length).toBeGreaterThan(200);
    await accepted(`{ notificationEvents(first: 500) { edges { node { ... on Notification { id } } } } }`);
  });

  it('refuses an alias bomb', async () => {
    expect(await refused(`{ ${aliases(16, 'price(asset: "BTC", fiat: "EUR") { id }')} }`, LIMIT_CODES.aliases)).toBe('Aliases limit of 15 exceeded, found 16.');
    await refused(`{ ${aliases(100, 'prices { id ask bid }')} }`, LIMIT_CODES.aliases);
    await refused(`query { ...A } fragment A on Query { ${aliases(16, '__typename')} x: prices { id } ${aliases(15, 'price(asset: "BTC", fiat: "EUR") { id }')} }`, LIMIT_CODES.aliases);
  });

  it('refuses a depth bomb, through fields and through fragments', async () => {
    const ofType = (n: number): string => (n === 0 ? 'name' : `ofType { ${ofType(n - 1)} }`);
    expect(await refused(`{ __type(name: "Price") { ${ofType(10)} } }`, LIMIT_CODES.depth)).toBe('Query depth limit of 10 exceeded, found 12.');
    await accepted(`{ __type(name: "Price") { ${ofType(8)} } }`);
    const fragments = Array.from({ length: 12 }, (_, i) => `fragment F${i} on __Type { ofType { ${i < 11 ? `...F${i + 1}` : 'name'} } }`).join('\n');
    await refused(`{ __type(name: "Price") { ...F0 } }\n${fragments}`, LIMIT_CODES.depth);
  });

  it('refuses a 10k-token document while parsing', async () => {
    const query = `{ prices { ${'id '.repeat(10_000)} } }`;
    expect(await refused(query, LIMIT_CODES.tokens)).toBe('Token limit of 2000 exceeded.');
    const response = await gw.post({ query });
    expect(response.body.errors).toHaveLength(1);
  });

  it('refuses a directives bomb', async () => {
    await refused(`{ prices { ${'__typename @include(if: true) '.repeat(51)} } }`, LIMIT_CODES.directives);
    await accepted(`{ prices { ${'__typename @include(if: true) '.repeat(50)} } }`);
  });

  it('refuses a costly `prices` list with many aliases, and counts list fields by their size', async () => {
    expect(await refused(`{ ${aliases(15, `prices { ${FULL_PRICE} }`)} }`, LIMIT_CODES.cost)).toMatch(/^Query Cost limit of 5000 exceeded, found \d+\.$/);
    await accepted(`{ a: prices { ${FULL_PRICE} } b: priceChanges { id day { percent value } } }`);
    await refused(`{ ${aliases(3, `prices { ${FULL_PRICE} }`)} }`, LIMIT_CODES.cost);
    const page = 'edges { cursor node { ... on Notification { id type rawType createdAt userId cursor payload } } } pageInfo { hasNextPage endCursor }';
    await refused(`{ notificationEvents(first: 500) { ${page} } }`, LIMIT_CODES.cost);
    await accepted(`{ notificationEvents(first: 100) { ${page} } }`);
    // a variable page size counts as the field's estimate (the verdict depends on the document only)
    await accepted(`query($n: Int) { notificationEvents(first: $n) { ${page} } }`, { n: 500 });
  });

  it('writes the list estimate as the `first` armor reads, leaving literal page sizes alone', () => {
    const sized = withListSizes(parse('query($n: Int) { prices { id } e: notificationEvents(first: $n, types: [USER_UPDATE]) { edges { cursor } } f: notificationEvents(last: 7) { edges { cursor } } }'), schema, DEFAULT_LIST_SIZES);
    const fields = (sized.definitions[0] as unknown as { selectionSet: { selections: Array<{ arguments: Array<{ name: { value: string }; value: { value?: string } }> }> } }).selectionSet.selections;
    expect(fields.map((f) => f.arguments.map((a) => `${a.name.value}:${a.value.value ?? 'var'}`))).toEqual([['first:50'], ['first:50', 'types:var'], ['last:7']]);
  });

  it('applies to the WebSocket path too: getEnveloped().parse / validate give the same coded errors', () => {
    const enveloped = gw.yoga.getEnveloped({ params: { query: '' } });
    let parseError: unknown = null;
    try {
      enveloped.parse(`{ prices { ${'id '.repeat(3000)} } }`);
    } catch (error) {
      parseError = error;
    }
    expect(parseError).toBeInstanceOf(GraphQLError);
    expect((parseError as GraphQLError).extensions['code']).toBe(LIMIT_CODES.tokens);
    const document = enveloped.parse(`subscription { ${aliases(16, 'priceUpdated { id }')} }`);
    const errors = enveloped.validate(enveloped.schema, document) as readonly GraphQLError[];
    expect(errors.map((e) => e.extensions['code'])).toContain(LIMIT_CODES.aliases);
  });

  it('validates its options at construction', () => {
    expect(() => useOperationLimits({ maxDepth: 0 })).toThrow('maxDepth: expected a positive integer (or Infinity for no limit), got 0');
    expect(() => useOperationLimits({ listSizes: { 'Query.prices': -1 } })).toThrow('listSizes[Query.prices]: expected a positive integer');
    expect(() => useOperationLimits({ maxCost: Number.POSITIVE_INFINITY })).not.toThrow();
  });
});

describe('field suggestions', () => {
  it('are kept by default and hidden on request', async () => {
    const typo = '{ prices { asks } }';
    expect((await gw.post({ query: typo })).body.errors![0]!.message).toMatch(/Did you mean "ask"/);
    const hidden = await startYoga([useOperationLimits({ blockFieldSuggestions: true })]);
    try {
      const response = await hidden.post({ query: typo });
      expect(response.body.errors![0]!.message).not.toMatch(/Did you mean/);
      expect(codesOf(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    } finally {
      await hidden.stop();
    }
  });
});
