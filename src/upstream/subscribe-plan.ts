import { isAssetTypeCode, type AssetTypeCode } from '../domain/price.js';
import type { ChannelStatus } from '../domain/upstream-status.js';

/** What the price socket asks the upstream for: one subscribe action per channel per connection. */

export type PriceChannel = ChannelStatus['channel'];
export const PRICE_CHANNELS: readonly PriceChannel[] = ['prices-v1', 'price-changes-v1'];

/** What to subscribe: one payload mode per subscribe action, as the upstream requires. */
export type UpstreamScope =
  | { mode: 'all' }
  | { mode: 'fiats'; fiats: string[] }
  | { mode: 'pairs'; pairs: Array<{ type: AssetTypeCode; asset: string; fiat: string }> };

/** The one subscribe action sent per channel per connection. */
export function subscribeMessage(channel: PriceChannel, scope: UpstreamScope): string {
  if (scope.mode === 'all') return JSON.stringify({ action: 'subscribe', channel });
  const payload =
    scope.mode === 'fiats'
      ? scope.fiats.map((fiat) => ({ fiat }))
      : scope.pairs.map(({ type, asset, fiat }) => ({ type, asset, fiat }));
  return JSON.stringify({ action: 'subscribe', channel, payload });
}

/** Throws, saying what was expected and what arrived, when a scope cannot be sent. */
export function validateScope(scope: UpstreamScope): void {
  const got = (value: unknown): string => JSON.stringify(value)?.slice(0, 120) ?? String(value);
  if (scope.mode === 'all') return;
  if (scope.mode === 'fiats') {
    if (!Array.isArray(scope.fiats) || scope.fiats.length === 0 || !scope.fiats.every((f) => typeof f === 'string' && f !== '')) {
      throw new Error(`price socket scope: expected a non-empty list of fiat symbols, got ${got(scope.fiats)}`);
    }
    return;
  }
  if (scope.mode === 'pairs') {
    const ok = (p: { type: unknown; asset: unknown; fiat: unknown }): boolean =>
      isAssetTypeCode(p?.type) && typeof p.asset === 'string' && p.asset !== '' && typeof p.fiat === 'string' && p.fiat !== '';
    if (!Array.isArray(scope.pairs) || scope.pairs.length === 0 || !scope.pairs.every(ok)) {
      throw new Error(`price socket scope: expected a non-empty list of {type, asset, fiat}, got ${got(scope.pairs)}`);
    }
    return;
  }
  throw new Error(`price socket scope: expected mode 'all', 'fiats' or 'pairs', got ${got((scope as { mode: unknown }).mode)}`);
}

