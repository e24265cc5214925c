import { describe, expect, it } from 'vitest';
import { DECIMAL_PATTERN, decimalMid, decimalSub, isDecimalString } from '../../src/domain/decimal.js';

describe('decimal strings', () => {
  it.each(['0', '-0', '1', '-1', '0.5', '00012.50', '65544.85350', '-0.000000000000000000000001', '1'.repeat(60)])('accepts %s', (text) => {
    expect(isDecimalString(text)).toBe(true);
    expect(DECIMAL_PATTERN.test(text)).toBe(true);
  });

  it.each<unknown>(['', '.5', '5.', '+1', '1e5', '1E-3', ' 1', '1 ', '1,5', '--1', '0x10', 'NaN', 'Infinity', '١', 1.5, 1, null, undefined, {}, ['1']])(
    'refuses %j',
    (value) => {
      expect(isDecimalString(value)).toBe(false);
    },
  );
});

describe('decimalMid', () => {
  it.each([
    ['171.230', '171.100', '171.165'],
    ['65544.85350', '65217.84675', '65381.350125'],
    ['1', '2', '1.5'],
    ['1', '3', '2'],
    ['1.0', '3', '2.0'],
    ['0.1', '0.2', '0.15'],
    ['-1', '1', '0'],
    ['-0.5', '0.5', '0.0'],
    ['-3', '-4', '-3.5'],
    ['00012.50', '1', '6.75'],
    ['0.00000000000000000007', '0', '0.000000000000000000035'],
    ['123456789012345678901234567890.1', '0', '61728394506172839450617283945.05'],
  ])('mid(%s, %s) = %s', (a, b, mid) => {
    expect(decimalMid(a, b)).toBe(mid);
    expect(decimalMid(b, a)).toBe(mid);
  });
});

describe('decimalSub', () => {
  it.each([
    ['171.230', '171.100', '0.130'],
    ['171.1', '171.230', '-0.130'],
    ['1', '1', '0'],
    ['1.00', '1', '0.00'],
    ['-0.0', '0.0', '0.0'],
    ['0.1', '0.3', '-0.2'],
    ['100000000000000000000000000001', '1', '100000000000000000000000000000'],
    ['1', '0.000000000000000000000000000001', '0.999999999999999999999999999999'],
  ])('%s - %s = %s', (a, b, difference) => {
    expect(decimalSub(a, b)).toBe(difference);
  });
});
