import fc from 'fast-check';

/** A decimal string as an exact rational: `units / 10^scale`, in BigInt. */
export interface Exact {
  units: bigint;
  scale: number;
}

export function parseExact(text: string): Exact {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const units = BigInt(`${whole}${fraction}`);
  return { units: negative ? -units : units, scale: fraction.length };
}

export function rescale(value: Exact, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

/** Written with exactly `scale` digits after the point; zero never carries a sign. */
export function formatExact(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

/** (a + b) / 2 with the inputs' larger scale, or one more digit when halving an odd sum needs it. */
export function referenceMid(a: string, b: string): string {
  const x = parseExact(a);
  const y = parseExact(b);
  const scale = Math.max(x.scale, y.scale);
  const sum = rescale(x, scale) + rescale(y, scale);
  return sum % 2n === 0n ? formatExact(sum / 2n, scale) : formatExact(sum * 5n, scale + 1);
}

/** a - b with the inputs' larger scale. */
export function referenceSub(a: string, b: string): string {
  const x = parseExact(a);
  const y = parseExact(b);
  const scale = Math.max(x.scale, y.scale);
  return formatExact(rescale(x, scale) - rescale(y, scale), scale);
}

const digits = (min: number, max: number) =>
  fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max, size: 'max' }).map((d) => d.join(''));

/** Decimal strings as DECIMAL_PATTERN admits them: any sign, leading zeros, any scale (0 to 40 digits). */
export const decimalString = fc
  .tuple(fc.boolean(), fc.oneof(digits(1, 3), digits(1, 30)), fc.option(fc.oneof(digits(1, 4), digits(1, 40)), { nil: null }))
  .map(([negative, whole, fraction]) => `${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}`);
