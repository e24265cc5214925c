import Big from 'big.js';

/**
 * Decimal strings as Bitpanda sends them: an optional sign, digits, an optional fraction.
 * No exponent, no spaces. Values are kept as the exact text received.
 */
export const DECIMAL_PATTERN = /^-?\d+(\.\d+)?$/;

export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL_PATTERN.test(value);
}

/** Digits after the point in a decimal string. */
function scaleOf(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** Digits after the point that a Big needs to be written exactly. */
function exactScale(value: Big): number {
  return Math.max(0, value.c.length - value.e - 1);
}

/**
 * (a + b) / 2, exact, written with the inputs' scale, or one more digit when halving needs it:
 * ("171.230", "171.100") → "171.165", ("65544.85350", "65217.84675") → "65381.350125".
 */
export function decimalMid(a: string, b: string): string {
  // times(0.5) is exact; div(2) would round to Big.DP (20) digits after the point
  const mid = new Big(a).plus(b).times('0.5');
  return mid.toFixed(Math.max(scaleOf(a), scaleOf(b), exactScale(mid)));
}

/** a - b, exact, with the larger scale of the two: ("171.230", "171.100") → "0.130". */
export function decimalSub(a: string, b: string): string {
  return new Big(a).minus(b).toFixed(Math.max(scaleOf(a), scaleOf(b)));
}
