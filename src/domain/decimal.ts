import Big from 'big.js';

/**
 * Decimal strings as Bitpanda sends them: an optional sign, digits, an optional fraction.
 * No exponent, no spaces. Values are kept as the exact text received.
 */
export const DECIMAL_PATTERN = /^-?\d+(\.\d+)?$/;

export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL_PATTERN.test(value);
}

/** (a + b) / 2, exact: halving a finite decimal adds at most one digit. */
export function decimalMid(a: string, b: string): string {
  return new Big(a).plus(b).div(2).toFixed();
}

/** a - b, exact. */
export function decimalSub(a: string, b: string): string {
  return new Big(a).minus(b).toFixed();
}
