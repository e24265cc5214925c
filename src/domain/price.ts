import { decimalMid, decimalSub } from './decimal.js';

/** Bitpanda's asset type codes (`T` in frames, `type` in subscribe payloads). */
export const ASSET_TYPE_CODES = ['cr', 's', 'f', 'i', 'co', 'es'] as const;
export type AssetTypeCode = (typeof ASSET_TYPE_CODES)[number];

export const ASSET_TYPES = ['CRYPTO', 'SECURITY', 'FIAT', 'INDEX', 'COMMODITY', 'EQUITY_SECURITY'] as const;
export type AssetType = (typeof ASSET_TYPES)[number];

const CODE_TO_TYPE: Record<AssetTypeCode, AssetType> = {
  cr: 'CRYPTO',
  s: 'SECURITY',
  f: 'FIAT',
  i: 'INDEX',
  co: 'COMMODITY',
  es: 'EQUITY_SECURITY',
};
export function assetTypeFromCode(code: AssetTypeCode): AssetType {
  return CODE_TO_TYPE[code];
}
export function isAssetTypeCode(value: unknown): value is AssetTypeCode {
  return typeof value === 'string' && Object.hasOwn(CODE_TO_TYPE, value);
}

export interface Pair {
  asset: string;
  fiat: string;
}

/** The stable id of a pair, used as `Price.id`, `PriceChange.id` and cache key. */
export function pairKey(asset: string, fiat: string): string {
  return `${asset}:${fiat}`;
}

/** A `prices-v1` data frame, validated (see upstream/frames.ts). */
export interface PriceFrame {
  AP: string;
  BP: string;
  U: number;
  T: AssetTypeCode;
  A: string;
  F: string;
  CH: 'prices-v1';
}

/** A `price-changes-v1` data frame, validated. All window values are decimal strings. */
export interface PriceChangeFrame {
  T: AssetTypeCode;
  A: string;
  F: string;
  CH: 'price-changes-v1';
  D: string;
  I: string;
  W: string;
  M: string;
  '6M': string;
  Y: string;
  '5Y': string;
  DV: string;
  IV: string;
  WV: string;
  MV: string;
  '6MV': string;
  YV: string;
  '5YV': string;
  MVOL: string;
}

export interface Price {
  id: string;
  type: AssetType;
  asset: string;
  fiat: string;
  ask: string;
  bid: string;
  /** upstream `U`, Unix seconds */
  time: number;
  /** when the gateway received the frame, epoch ms */
  receivedAt: number;
}

export interface ChangeWindow {
  percent: string;
  value: string;
}

export const CHANGE_WINDOWS = ['intraday', 'day', 'week', 'month', 'sixMonths', 'year', 'fiveYears'] as const;
export type ChangeWindowName = (typeof CHANGE_WINDOWS)[number];

export interface PriceChange extends Record<ChangeWindowName, ChangeWindow> {
  id: string;
  type: AssetType;
  asset: string;
  fiat: string;
  monthlyVolatility: string;
  /** epoch ms */
  receivedAt: number;
}

export function toPrice(frame: PriceFrame, receivedAt: number): Price {
  return {
    id: pairKey(frame.A, frame.F),
    type: assetTypeFromCode(frame.T),
    asset: frame.A,
    fiat: frame.F,
    ask: frame.AP,
    bid: frame.BP,
    time: frame.U,
    receivedAt,
  };
}

/** (ask + bid) / 2, exact; derived on read so the hot path never computes what nobody asked for. */
export function priceMid(price: Pick<Price, 'ask' | 'bid'>): string {
  return decimalMid(price.ask, price.bid);
}

/** ask - bid, exact. */
export function priceSpread(price: Pick<Price, 'ask' | 'bid'>): string {
  return decimalSub(price.ask, price.bid);
}

export function toPriceChange(frame: PriceChangeFrame, receivedAt: number): PriceChange {
  return {
    id: pairKey(frame.A, frame.F),
    type: assetTypeFromCode(frame.T),
    asset: frame.A,
    fiat: frame.F,
    intraday: { percent: frame.I, value: frame.IV },
    day: { percent: frame.D, value: frame.DV },
    week: { percent: frame.W, value: frame.WV },
    month: { percent: frame.M, value: frame.MV },
    sixMonths: { percent: frame['6M'], value: frame['6MV'] },
    year: { percent: frame.Y, value: frame.YV },
    fiveYears: { percent: frame['5Y'], value: frame['5YV'] },
    monthlyVolatility: frame.MVOL,
    receivedAt,
  };
}

/** All given criteria must hold; a missing or empty criterion matches everything. */
export interface PriceFilter {
  pairs?: readonly Pair[] | null;
  assets?: readonly string[] | null;
  fiats?: readonly string[] | null;
  types?: readonly AssetType[] | null;
}

/** What a filter is compiled into once per subscription: set look-ups per event. */
export interface CompiledPriceFilter {
  pairs: ReadonlySet<string> | null;
  assets: ReadonlySet<string> | null;
  fiats: ReadonlySet<string> | null;
  types: ReadonlySet<AssetType> | null;
}

function toSet<T>(values: readonly T[] | null | undefined): ReadonlySet<T> | null {
  return values && values.length > 0 ? new Set(values) : null;
}

export function compilePriceFilter(filter: PriceFilter | null | undefined): CompiledPriceFilter {
  return {
    pairs: toSet(filter?.pairs?.map((p) => pairKey(p.asset, p.fiat))),
    assets: toSet(filter?.assets),
    fiats: toSet(filter?.fiats),
    types: toSet(filter?.types),
  };
}

export function matchesPriceFilter(
  filter: CompiledPriceFilter,
  item: { id: string; asset: string; fiat: string; type: AssetType },
): boolean {
  return (
    (filter.pairs === null || filter.pairs.has(item.id)) &&
    (filter.assets === null || filter.assets.has(item.asset)) &&
    (filter.fiats === null || filter.fiats.has(item.fiat)) &&
    (filter.types === null || filter.types.has(item.type))
  );
}
