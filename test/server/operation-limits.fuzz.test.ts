import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { useOperationLimits } from '../../src/server/use-operation-limits.js';
import { useValidationErrors } from '../../src/server/use-validation-errors.js';
import { startYoga, type GraphQLResponse, type LimitedYoga } from '../helpers/limited-yoga.js';
import { schemaQueries } from '../helpers/random-documents.js';
import { fuzzRuns } from '../helpers/fuzz-runs.js';

const NAMES = [
  'prices', 'price', 'priceChanges', 'notificationEvents', 'notificationEvent', 'upstream', 'priceUpdated', 'notificationReceived',
  'id', 'type', 'ask', 'bid', 'mid', 'asset', 'fiat', 'time', 'change', 'day', 'week', 'percent', 'value', 'monthlyVolatility',
  'edges', 'nodes', 'node', 'cursor', 'pageInfo', 'hasNextPage', 'endCursor', 'payload', 'userId', 'rawType', 'healthy', 'poller', 'lastError',
  '__typename', '__schema', '__type', 'types', 'fields', 'name', 'ofType', 'kind', 'queryType', 'bogus',
];
const ARGS = [
  '', '', '', '(asset: "BTC", fiat: "EUR")', '(first: 5)', '(first: 100000)', '(last: -1)', '(first: 1, last: 1)', '(filter: {assets: ["BTC"]})',
  '(filter: {types: [NOPE]})', '(filter: {pairs: [{asset: "BTC", fiat: "EUR"}], fiats: ["EUR"]})', '(name: "Price")', '(id: "evt-userUpdate")',
  '(first: $n)', '(filter: $f)', '(filter: {assets: [[["x"]]]})', '(after: "garbage")', '(userId: "1ed804ad-349c-61f8-a53d-826724196664")', '(types: [USER_UPDATE, 3])',
];
const DIRECTIVES = ['', '', '', '@include(if: true)', '@skip(if: false)', '@include(if: $b)', '@deprecated', '@nope', '@skip'];
const OPERATIONS = ['', 'query', 'query Q($n: Int, $b: Boolean!, $f: PriceFilter)', 'mutation', 'subscription', 'query Q($n: Int = "x")'];

/** Selections built from the schema's names (and some that are not), nested, aliased, with fragments and directives. */
const { set } = fc.letrec<{ set: string; selection: string }>((tie) => ({
  selection: fc.oneof(
    { depthSize: 'small', maxDepth: 14 },
    fc
      .tuple(fc.option(fc.constantFrom('a', 'b', 'c', 'dup'), { nil: null, freq: 3 }), fc.constantFrom(...NAMES), fc.constantFrom(...ARGS), fc.constantFrom(...DIRECTIVES))
      .map(([alias, name, args, directive]) => `${alias ? `${alias}: ` : ''}${name}${args} ${directive}`),
    fc
      .tuple(fc.option(fc.constantFrom('a', 'b'), { nil: null, freq: 3 }), fc.constantFrom(...NAMES), fc.constantFrom(...ARGS), tie('set'))
      .map(([alias, name, args, sub]) => `${alias ? `${alias}: ` : ''}${name}${args} ${sub}`),
    fc.tuple(fc.constantFrom('Notification', 'Price', 'UnknownNotification', 'Query', 'Nope'), tie('set')).map(([on, sub]) => `... on ${on} ${sub}`),
    fc.constantFrom('...F', '...Missing'),
  ),
  set: fc.array(tie('selection'), { minLength: 1, maxLength: 6 }).map((items) => `{ ${items.join(' ')} }`),
}));

const grammarDocuments = fc
  .tuple(fc.constantFrom(...OPERATIONS), set, fc.option(fc.tuple(fc.constantFrom('Query', 'Price', 'Notification'), set), { nil: null }))
  .map(([operation, selection, fragment]) => `${operation} ${selection}${fragment ? `\nfragment F on ${fragment[0]} ${fragment[1]}` : ''}`);

const TOKENS = ['{', '}', '(', ')', '[', ']', ':', '...', '@', '$', '=', '!', '|', '&', '"x"', '"""b"""', '"\\u00', '1', '-1.5e3', 'query', 'fragment', 'on', 'prices', 'id', '#c\n', 'é', '\u0000', ','];
const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((parts) => parts.join(' '));

const bombs = fc.oneof(
  fc.integer({ min: 1, max: 3000 }).map((n) => `{ prices { ${'id '.repeat(n)} } }`),
  fc.integer({ min: 1, max: 1200 }).map((n) => `{ prices(filter: { assets: ${'['.repeat(n)}"BTC"${']'.repeat(n)} }) { id } }`),
  fc.integer({ min: 1, max: 60 }).map((n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: prices { id }`).join(' ')} }`),
  fc.integer({ min: 1, max: 40 }).map((n) => `{ __type(name: "Price") { ${'ofType { '.repeat(n)}name${' }'.repeat(n)} } }`),
  fc.integer({ min: 1, max: 300 }).map((n) => `{ prices { ${'__typename @include(if: true) '.repeat(n)} } }`),
);

const documents = fc.oneof(
  { arbitrary: schemaQueries(schema), weight: 6 },
  { arbitrary: grammarDocuments, weight: 3 },
  { arbitrary: tokenSoup, weight: 2 },
  { arbitrary: bombs, weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 1 },
);

const variables = fc.oneof(
  fc.constant(undefined),
  fc.record({ n: fc.oneof(fc.integer(), fc.string(), fc.constant(null)), b: fc.oneof(fc.boolean(), fc.constant('yes')), f: fc.oneof(fc.constant({ assets: ['BTC'] }), fc.constant({ types: ['NOPE'] }), fc.jsonValue()) }, { requiredKeys: [] }),
);

let gw: LimitedYoga;
beforeAll(async () => {
  gw = await startYoga([useValidationErrors(), useOperationLimits()], { pairs: 12 });
});
afterAll(() => gw.stop());

const request = fc.record({ query: documents, variables, operationName: fc.option(fc.constantFrom('Q', 'Missing'), { nil: undefined }) });
/** requests go out in concurrent batches of this many */
const BATCH = 8;
/** generated requests in all (`FUZZ_SCALE` multiplies them) */
const REQUESTS = fuzzRuns(800);

describe('random documents through the limited Yoga (fast-check)', () => {
  it('never answer 500, and every error carries extensions.code and no stack', async () => {
    const statuses = new Map<number, number>();
    const limitCodes = new Set<unknown>();
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const responses: GraphQLResponse[] = await Promise.all(batch.map((body) => gw.post(body)));
        for (const response of responses) {
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect(response.status).toBeLessThan(500);
          for (const error of response.body.errors ?? []) {
            expect(typeof error.extensions?.['code']).toBe('string');
            expect(JSON.stringify(error)).not.toMatch(/"stack"|\n\s+at /);
            if (String(error.extensions?.['code']).startsWith('MAX_')) limitCodes.add(error.extensions?.['code']);
          }
        }
      }),
      { numRuns: Math.ceil(REQUESTS / BATCH) },
    );
    // documents that execute, documents refused, and every limit were all exercised
    expect(statuses.get(200) ?? 0).toBeGreaterThan(REQUESTS / 14);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(REQUESTS / 14);
    expect([...limitCodes].sort()).toEqual(['MAX_ALIASES_EXCEEDED', 'MAX_DIRECTIVES_EXCEEDED', 'MAX_QUERY_COST_EXCEEDED', 'MAX_QUERY_DEPTH_EXCEEDED', 'MAX_TOKENS_EXCEEDED']);
  }, 300_000);
});
