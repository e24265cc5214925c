import { isDecimalString } from '../domain/decimal.js';
import { isAssetTypeCode, type PriceChangeFrame, type PriceFrame } from '../domain/price.js';
import { excerpt } from '../logger.js';

/**
 * Validation of inbound price-server frames at the edge. This runs for every frame, so it is
 * one JSON.parse plus hand checks; extra fields are kept (Bitpanda may add fields).
 */
export type ParsedFrame =
  | { kind: 'price'; frame: PriceFrame }
  | { kind: 'change'; frame: PriceChangeFrame }
  | { kind: 'control'; action: string; channel: string; status?: 'success'; error?: string }
  | { kind: 'malformed'; reason: string; excerpt: string }
  | { kind: 'unknown'; excerpt: string };

export const CHANGE_DECIMAL_KEYS = [
  'D', 'I', 'W', 'M', '6M', 'Y', '5Y', 'DV', 'IV', 'WV', 'MV', '6MV', 'YV', '5YV', 'MVOL',
] as const;

const EXCERPT_CHARS = 200;

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  return excerpt(JSON.stringify(value), 40);
}

/** The common part of both data frames; returns an error text or null. */
function checkPairFields(o: Record<string, unknown>): string | null {
  if (!isAssetTypeCode(o.T)) return `T: expected an asset type code (cr, s, f, i, co, es), got ${describe(o.T)}`;
  if (typeof o.A !== 'string' || o.A === '') return `A: expected an asset symbol, got ${describe(o.A)}`;
  if (typeof o.F !== 'string' || o.F === '') return `F: expected a fiat symbol, got ${describe(o.F)}`;
  return null;
}

function checkPrice(o: Record<string, unknown>): string | null {
  if (!isDecimalString(o.AP)) return `AP: expected a decimal string, got ${describe(o.AP)}`;
  if (!isDecimalString(o.BP)) return `BP: expected a decimal string, got ${describe(o.BP)}`;
  if (typeof o.U !== 'number' || !Number.isSafeInteger(o.U) || o.U < 0) {
    return `U: expected Unix seconds as an integer, got ${describe(o.U)}`;
  }
  return checkPairFields(o);
}

function checkChange(o: Record<string, unknown>): string | null {
  for (const key of CHANGE_DECIMAL_KEYS) {
    if (!isDecimalString(o[key])) return `${key}: expected a decimal string, got ${describe(o[key])}`;
  }
  return checkPairFields(o);
}

export function parseUpstreamFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'malformed', reason: 'not valid JSON', excerpt: excerpt(text, EXCERPT_CHARS) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'unknown', excerpt: excerpt(text, EXCERPT_CHARS) };
  }
  const o = value as Record<string, unknown>;

  if (o.CH === 'prices-v1') {
    const error = checkPrice(o);
    return error === null
      ? { kind: 'price', frame: o as unknown as PriceFrame }
      : { kind: 'malformed', reason: `prices-v1 frame: ${error}`, excerpt: excerpt(text, EXCERPT_CHARS) };
  }
  if (o.CH === 'price-changes-v1') {
    const error = checkChange(o);
    return error === null
      ? { kind: 'change', frame: o as unknown as PriceChangeFrame }
      : { kind: 'malformed', reason: `price-changes-v1 frame: ${error}`, excerpt: excerpt(text, EXCERPT_CHARS) };
  }
  if (o.CH !== undefined) return { kind: 'unknown', excerpt: excerpt(text, EXCERPT_CHARS) };

  const hasError = typeof o.error === 'string';
  const success = o.status === 'success';
  if ((typeof o.action === 'string' || hasError) && (success || hasError)) {
    const action = typeof o.action === 'string' ? o.action : '';
    const channel = typeof o.channel === 'string' ? o.channel : '';
    if (hasError) return { kind: 'control', action, channel, error: o.error as string };
    return { kind: 'control', action, channel, status: 'success' };
  }
  return { kind: 'unknown', excerpt: excerpt(text, EXCERPT_CHARS) };
}
