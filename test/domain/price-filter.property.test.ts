import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ASSET_TYPES, compilePriceFilter, matchesPriceFilter, pairKey, type AssetType, type Pair, type PriceFilter } from '../../src/domain/price.js';

const RUNS = 5000;

/** Few symbols, so that filters and prices meet often; symbols as compileFilterArg admits them (no ':'). */
const symbol = fc.constantFrom('BTC', 'ETH', 'EUR', 'USD', 'AAPL', 'X', 'x', 'B.T-C_1');
const list = <T>(item: fc.Arbitrary<T>) => fc.option(fc.array(item, { maxLength: 4 }), { nil: undefined, freq: 3 }).chain((v) => (v === undefined ? fc.constantFrom(undefined, null) : fc.constant(v)));
const pair: fc.Arbitrary<Pair> = fc.record({ asset: symbol, fiat: symbol });
const filter: fc.Arbitrary<PriceFilter | null | undefined> = fc.option(
  fc.record({ pairs: list(pair), assets: list(symbol), fiats: list(symbol), types: list(fc.constantFrom(...ASSET_TYPES)) }, { requiredKeys: [] }),
  { nil: null },
);
const item = fc.record({ asset: symbol, fiat: symbol, type: fc.constantFrom(...ASSET_TYPES) }).map((p) => ({ ...p, id: pairKey(p.asset, p.fiat) }));

/** The reference: a criterion that is absent, null or empty holds; a given one must list the item's value. */
function referenceMatch(f: PriceFilter | null | undefined, p: { asset: string; fiat: string; type: AssetType }): boolean {
  const holds = <T>(values: readonly T[] | null | undefined, test: (v: T) => boolean) => !values || values.length === 0 || values.some(test);
  return (
    holds(f?.pairs, (q) => q.asset === p.asset && q.fiat === p.fiat) &&
    holds(f?.assets, (a) => a === p.asset) &&
    holds(f?.fiats, (x) => x === p.fiat) &&
    holds(f?.types, (t) => t === p.type)
  );
}

describe('PriceFilter matching against a reference model (fast-check)', () => {
  it(`a compiled filter matches exactly what the reference matches (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(filter, fc.array(item, { minLength: 1, maxLength: 8 }), (f, items) => {
        const compiled = compilePriceFilter(f);
        for (const p of items) expect(matchesPriceFilter(compiled, p), JSON.stringify({ f, p })).toBe(referenceMatch(f, p));
      }),
      { numRuns: RUNS },
    );
  });
});
