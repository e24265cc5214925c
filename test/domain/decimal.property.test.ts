import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalMid, decimalSub, isDecimalString } from '../../src/domain/decimal.js';
import { priceMid, priceSpread } from '../../src/domain/price.js';
import { decimalString, referenceMid, referenceSub } from './decimal-reference.js';

const RUNS = 2000;

describe('mid and spread against an exact BigInt reference (fast-check)', () => {
  it(`generated decimal strings are decimal strings (${RUNS} runs)`, () => {
    fc.assert(fc.property(decimalString, (text) => isDecimalString(text)), { numRuns: RUNS });
  });

  it(`mid is (ask + bid) / 2 exactly, at the inputs' scale or one digit more (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(decimalString, decimalString, (ask, bid) => {
        expect(priceMid({ ask, bid })).toBe(referenceMid(ask, bid));
        expect(decimalMid(ask, bid)).toBe(decimalMid(bid, ask));
      }),
      { numRuns: RUNS },
    );
  });

  it(`spread is ask - bid exactly, at the inputs' larger scale (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(decimalString, decimalString, (ask, bid) => {
        expect(priceSpread({ ask, bid })).toBe(referenceSub(ask, bid));
        expect(isDecimalString(decimalSub(ask, bid))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
