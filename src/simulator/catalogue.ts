import Big from 'big.js';
import { pairKey, type AssetTypeCode, type PriceChangeFrame, type PriceFrame } from '../domain/price.js';

/** One asset of the partner's domain, with a reference price in EUR (a decimal string). */
export interface CatalogueAsset {
  type: AssetTypeCode;
  asset: string;
  eur: string;
  /** digits after the point in sent prices; defaults by type */
  decimals?: number;
}

/** A quote fiat: how many units of it one EUR buys. */
export interface CatalogueFiat {
  fiat: string;
  perEur: string;
}

export interface Catalogue {
  fiats: readonly CatalogueFiat[];
  assets: readonly CatalogueAsset[];
}

const a = (type: AssetTypeCode, asset: string, eur: string, decimals?: number): CatalogueAsset =>
  decimals === undefined ? { type, asset, eur } : { type, asset, eur, decimals };

/** A realistic partner domain: crypto, stocks, ETFs/ETCs, metals (per gram), indices, fiats. */
export const DEFAULT_CATALOGUE: Catalogue = {
  fiats: [
    { fiat: 'EUR', perEur: '1' },
    { fiat: 'USD', perEur: '1.0872' },
    { fiat: 'CHF', perEur: '0.9614' },
    { fiat: 'GBP', perEur: '0.8553' },
  ],
  assets: [
    ...(
      [
        ['BTC', '60311.42'], ['ETH', '3194.87'], ['SOL', '139.62'], ['ADA', '0.4512'], ['XRP', '0.5231'],
        ['DOT', '6.482'], ['DOGE', '0.1497'], ['LTC', '79.84'], ['BCH', '448.19'], ['LINK', '14.93'],
        ['AVAX', '31.77'], ['POL', '0.5512'], ['UNI', '8.961'], ['ATOM', '7.943'], ['XLM', '0.1093'],
        ['TRX', '0.1184'], ['ETC', '25.91'], ['FIL', '5.487'], ['NEAR', '5.812'], ['ALGO', '0.1779'],
        ['AAVE', '94.36'], ['XTZ', '0.8971'], ['MKR', '2611.5'], ['ARB', '0.9012'], ['OP', '2.113'],
        ['TON', '6.218'], ['APT', '8.514'], ['SUI', '1.104'], ['BEST', '0.3521'], ['USDT', '0.9197'],
        ['USDC', '0.9199'],
      ] as const
    ).map(([asset, eur]) => a('cr', asset, eur)),
    a('cr', 'SHIB', '0.00002154', 10),
    a('cr', 'PEPE', '0.00000981', 10),
    ...(
      [
        ['AAPL', '171.23'], ['MSFT', '381.55'], ['NVDA', '803.12'], ['AMZN', '164.87'], ['GOOGL', '150.34'],
        ['META', '449.02'], ['TSLA', '179.66'], ['NFLX', '561.40'], ['AMD', '152.18'], ['COIN', '211.75'],
      ] as const
    ).map(([asset, eur]) => a('s', asset, eur)),
    ...(
      [
        ['VWCE', '112.86'], ['IWDA', '87.91'], ['CSPX', '493.20'], ['EUNL', '88.04'], ['SXR8', '492.77'],
        ['4GLD', '67.42'], ['SAP', '176.38'], ['SIE', '172.50'], ['ALV', '254.10'], ['DTE', '22.31'],
      ] as const
    ).map(([asset, eur]) => a('es', asset, eur)),
    a('co', 'XAU', '68.5123'),
    a('co', 'XAG', '0.8217'),
    a('co', 'XPT', '29.0341'),
    a('co', 'XPD', '31.2277'),
    a('i', 'BCI5', '1834.21'),
    a('i', 'BCI10', '1652.77'),
    a('i', 'BCI25', '1498.03'),
    ...(
      [
        ['EUR', '1'], ['USD', '0.9198'], ['CHF', '1.0402'], ['GBP', '1.1692'], ['TRY', '0.0284'],
        ['PLN', '0.2317'], ['CZK', '0.0398'], ['HUF', '0.002531'], ['SEK', '0.0879'], ['DKK', '0.1341'],
      ] as const
    ).map(([asset, eur]) => a('f', asset, eur)),
  ],
};

const DEFAULT_DECIMALS: Record<AssetTypeCode, number> = { cr: 5, s: 4, es: 4, co: 4, i: 5, f: 6 };
/** Largest relative move per step. */
const VOLATILITY: Record<AssetTypeCode, string> = { cr: '0.0015', s: '0.0005', es: '0.0005', co: '0.0003', i: '0.001', f: '0.0001' };
/** Half of the ask/bid spread, relative to the mid. */
const HALF_SPREAD: Record<AssetTypeCode, string> = { cr: '0.0025', s: '0.001', es: '0.001', co: '0.002', i: '0.003', f: '0.0005' };

/** Change windows, their frame keys and how far the window's base may lie from the start price. */
const WINDOWS = [
  ['D', 'DV', '0.05'],
  ['I', 'IV', '0.03'],
  ['W', 'WV', '0.1'],
  ['M', 'MV', '0.2'],
  ['6M', '6MV', '0.4'],
  ['Y', 'YV', '0.6'],
  ['5Y', '5YV', '0.9'],
] as const;

export interface MarketPair {
  key: string;
  type: AssetTypeCode;
  asset: string;
  fiat: string;
  /** index in the market, used to stagger frames across the interval */
  index: number;
}

interface PairState {
  decimals: number;
  start: Big;
  mid: Big;
  ask: string;
  bid: string;
  bases: Big[];
  mvol: Big;
}

/** Random walks of every pair of a catalogue. All arithmetic on sent values goes through big.js. */
export interface Market {
  readonly pairs: readonly MarketPair[];
  pair(asset: string, fiat: string): MarketPair | undefined;
  hasFiat(fiat: string): boolean;
  asset(symbol: string): CatalogueAsset | undefined;
  /** moves the pair's price one random step */
  step(pair: MarketPair): void;
  /** sets the pair's quote to exactly these decimal strings */
  setQuote(pair: MarketPair, ask: string, bid: string): void;
  priceFrame(pair: MarketPair, unixSeconds: number): PriceFrame;
  changeFrame(pair: MarketPair): PriceChangeFrame;
}

/** A uniform number in [0, 1) as a decimal, so no float enters a sent value. */
function unit(random: () => number): Big {
  const r = random();
  return new Big(Number.isFinite(r) && r >= 0 && r < 1 ? r.toFixed(9) : '0.5');
}

/** A number in [-1, 1). */
function signedUnit(random: () => number): Big {
  return unit(random).times(2).minus(1);
}

export function createMarket(catalogue: Catalogue, random: () => number): Market {
  const fiats = new Map(catalogue.fiats.map((f) => [f.fiat, new Big(f.perEur)]));
  const assets = new Map(catalogue.assets.map((x) => [x.asset, x]));
  const pairs: MarketPair[] = [];
  const byKey = new Map<string, MarketPair>();
  const states = new Map<string, PairState>();

  function quote(state: PairState, type: AssetTypeCode): void {
    const half = new Big(HALF_SPREAD[type]);
    const tick = new Big(1).div(new Big(10).pow(state.decimals));
    const bid = state.mid.times(new Big(1).minus(half)).round(state.decimals, Big.roundDown);
    let ask = state.mid.times(new Big(1).plus(half)).round(state.decimals, Big.roundUp);
    if (ask.lte(bid)) ask = bid.plus(tick);
    state.ask = ask.toFixed(state.decimals);
    state.bid = (bid.gt(0) ? bid : tick).toFixed(state.decimals);
    if (new Big(state.ask).lte(state.bid)) state.ask = new Big(state.bid).plus(tick).toFixed(state.decimals);
  }

  for (const asset of catalogue.assets) {
    for (const [fiat, perEur] of fiats) {
      if (asset.asset === fiat) continue;
      const decimals = asset.decimals ?? DEFAULT_DECIMALS[asset.type];
      const start = new Big(asset.eur).times(perEur).round(decimals + 4);
      const pair: MarketPair = { key: pairKey(asset.asset, fiat), type: asset.type, asset: asset.asset, fiat, index: pairs.length };
      const state: PairState = {
        decimals,
        start,
        mid: start,
        ask: '',
        bid: '',
        bases: WINDOWS.map(([, , range]) => start.times(new Big(1).plus(signedUnit(random).times(range))).round(decimals + 4)),
        mvol: new Big('0.02').plus(unit(random).times('0.2')).round(16),
      };
      quote(state, asset.type);
      pairs.push(pair);
      byKey.set(pair.key, pair);
      states.set(pair.key, state);
    }
  }

  const stateOf = (pair: MarketPair): PairState => states.get(pair.key)!;

  return {
    pairs,
    pair: (asset, fiat) => byKey.get(pairKey(asset, fiat)),
    hasFiat: (fiat) => fiats.has(fiat),
    asset: (symbol) => assets.get(symbol),
    step(pair) {
      const state = stateOf(pair);
      const move = signedUnit(random).times(VOLATILITY[pair.type]);
      let next = state.mid.times(new Big(1).plus(move)).round(state.decimals + 4);
      // Keep the walk within a band around the start price by reflecting the step.
      if (next.gt(state.start.times(3)) || next.lt(state.start.div(3))) {
        next = state.mid.times(new Big(1).minus(move)).round(state.decimals + 4);
      }
      state.mid = next;
      state.mvol = state.mvol.plus(signedUnit(random).times('0.001')).round(16);
      if (state.mvol.lt('0.01')) state.mvol = new Big('0.01');
      quote(state, pair.type);
    },
    setQuote(pair, ask, bid) {
      const state = stateOf(pair);
      state.ask = ask;
      state.bid = bid;
      state.mid = new Big(ask).plus(bid).div(2);
    },
    priceFrame(pair, unixSeconds) {
      const state = stateOf(pair);
      return { AP: state.ask, BP: state.bid, U: unixSeconds, T: pair.type, A: pair.asset, F: pair.fiat, CH: 'prices-v1' };
    },
    changeFrame(pair) {
      const state = stateOf(pair);
      const frame: Record<string, string> = { T: pair.type, A: pair.asset, F: pair.fiat, CH: 'price-changes-v1' };
      WINDOWS.forEach(([percentKey], i) => {
        const base = state.bases[i]!;
        frame[percentKey] = state.mid.minus(base).div(base).times(100).round(16).toFixed();
      });
      WINDOWS.forEach(([, valueKey], i) => {
        frame[valueKey] = state.mid.minus(state.bases[i]!).round(state.decimals).toFixed();
      });
      frame.MVOL = state.mvol.toFixed();
      return frame as unknown as PriceChangeFrame;
    },
  };
}

/** A small deterministic PRNG (mulberry32): the simulator's default randomness. */
export function seededRandom(seed = 0x5eed): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
