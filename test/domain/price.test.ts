import { describe, expect, it } from 'vitest';
import {
  ASSET_TYPE_CODES,
  ASSET_TYPES,
  assetTypeFromCode,
  compilePriceFilter,
  isAssetTypeCode,
  matchesPriceFilter,
  pairKey,
  priceMid,
  priceSpread,
  toPrice,
  toPriceChange,
  type PriceChangeFrame,
  type PriceFrame,
} from '../../src/domain/price.js';

const FRAME: PriceFrame = { AP: '65544.85350', BP: '65217.84675', U: 1700000000, T: 'cr', A: 'BTC', F: 'EUR', CH: 'prices-v1' };

const CHANGE: PriceChangeFrame = {
  T: 's', A: 'AAPL', F: 'USD', CH: 'price-changes-v1',
  D: '1.10', I: '0.20', W: '-3.00', M: '4.5', '6M': '6', Y: '7.25', '5Y': '120.000',
  DV: '2.10', IV: '0.40', WV: '-5.99', MV: '8.5', '6MV': '11', YV: '13.5', '5YV': '99.9',
  MVOL: '0.0123',
};

describe('asset types', () => {
  it('maps every code to its type, in the same order', () => {
    expect(ASSET_TYPE_CODES.map(assetTypeFromCode)).toEqual([...ASSET_TYPES]);
  });

  it.each<unknown>(['CR', 'crypto', '', 'toString', '__proto__', 'constructor', 1, null, undefined])('%j is not a code', (value) => {
    expect(isAssetTypeCode(value)).toBe(false);
  });

  it.each(ASSET_TYPE_CODES)('%s is a code', (code) => {
    expect(isAssetTypeCode(code)).toBe(true);
  });
});

describe('toPrice and toPriceChange', () => {
  it('keeps the decimals as received and ids the pair', () => {
    expect(toPrice(FRAME, 1234)).toEqual({
      id: 'BTC:EUR', type: 'CRYPTO', asset: 'BTC', fiat: 'EUR', ask: '65544.85350', bid: '65217.84675', time: 1700000000, receivedAt: 1234,
    });
    expect(pairKey('BTC', 'EUR')).toBe('BTC:EUR');
  });

  it('names every change window after its upstream keys', () => {
    expect(toPriceChange(CHANGE, 99)).toEqual({
      id: 'AAPL:USD', type: 'SECURITY', asset: 'AAPL', fiat: 'USD',
      intraday: { percent: '0.20', value: '0.40' },
      day: { percent: '1.10', value: '2.10' },
      week: { percent: '-3.00', value: '-5.99' },
      month: { percent: '4.5', value: '8.5' },
      sixMonths: { percent: '6', value: '11' },
      year: { percent: '7.25', value: '13.5' },
      fiveYears: { percent: '120.000', value: '99.9' },
      monthlyVolatility: '0.0123',
      receivedAt: 99,
    });
  });
});

describe('mid and spread', () => {
  it('are exact, never floats', () => {
    const price = toPrice(FRAME, 0);
    expect(priceMid(price)).toBe('65381.350125');
    expect(priceSpread(price)).toBe('327.00675');
    expect(priceMid({ ask: '0.3', bid: '0.6' })).toBe('0.45');
    expect(priceSpread({ ask: '0.3', bid: '0.1' })).toBe('0.2');
  });

  it('is negative when the book is crossed', () => {
    expect(priceSpread({ ask: '99.5', bid: '100.25' })).toBe('-0.75');
  });
});

describe('price filters', () => {
  const btc = { id: 'BTC:EUR', asset: 'BTC', fiat: 'EUR', type: 'CRYPTO' as const };
  const aapl = { id: 'AAPL:USD', asset: 'AAPL', fiat: 'USD', type: 'SECURITY' as const };

  it('an absent, null or empty filter matches everything', () => {
    for (const filter of [undefined, null, {}, { pairs: [], assets: [], fiats: [], types: [] }, { pairs: null, assets: null }]) {
      const compiled = compilePriceFilter(filter);
      expect(matchesPriceFilter(compiled, btc)).toBe(true);
      expect(matchesPriceFilter(compiled, aapl)).toBe(true);
    }
  });

  it('every given criterion must hold', () => {
    const filter = compilePriceFilter({ assets: ['BTC', 'AAPL'], fiats: ['EUR'] });
    expect(matchesPriceFilter(filter, btc)).toBe(true);
    expect(matchesPriceFilter(filter, aapl)).toBe(false);
    expect(matchesPriceFilter(compilePriceFilter({ types: ['SECURITY'] }), aapl)).toBe(true);
    expect(matchesPriceFilter(compilePriceFilter({ types: ['SECURITY'] }), btc)).toBe(false);
  });

  it('a pair matches its own asset and fiat together, not crosswise', () => {
    const filter = compilePriceFilter({ pairs: [{ asset: 'BTC', fiat: 'USD' }, { asset: 'AAPL', fiat: 'EUR' }] });
    expect(matchesPriceFilter(filter, btc)).toBe(false);
    expect(matchesPriceFilter(filter, aapl)).toBe(false);
    expect(matchesPriceFilter(compilePriceFilter({ pairs: [{ asset: 'BTC', fiat: 'EUR' }] }), btc)).toBe(true);
  });
});
