import type { PriceFilter } from '../src/domain/price.js';

/** The one operation every GraphQL client runs; R0 sends the same fields in the same order. */
export const PRICE_QUERY =
  'subscription Prices($filter: PriceFilter) { priceUpdated(filter: $filter) { id type asset fiat ask bid mid spread time } }';

const pair = (asset: string, fiat: string): { asset: string; fiat: string } => ({ asset, fiat });

/**
 * Twenty distinct filters a price screen would use: mostly one pair (a detail page), some small
 * watch lists, an asset in every fiat, a type in one fiat. Together they select 1.5 of the 276
 * pairs per client on average, so about 5.4 messages/s per client at 1,000 frames/s.
 */
export const MIXED_FILTERS: PriceFilter[] = [
  { pairs: [pair('BTC', 'EUR')] },
  { pairs: [pair('ETH', 'EUR')] },
  { pairs: [pair('BTC', 'USD'), pair('ETH', 'USD')] },
  { pairs: [pair('SOL', 'EUR')] },
  { pairs: [pair('AAPL', 'USD')] },
  { pairs: [pair('XAU', 'EUR')] },
  { assets: ['BTC'] },
  { assets: ['ETH'], fiats: ['EUR', 'USD'] },
  { assets: ['MSFT'], fiats: ['USD'] },
  { assets: ['XAU', 'XAG'], fiats: ['EUR'] },
  { types: ['INDEX'], fiats: ['USD'] },
  { pairs: [pair('ADA', 'EUR')] },
  { pairs: [pair('XRP', 'EUR')] },
  { pairs: [pair('DOGE', 'EUR')] },
  { types: ['SECURITY'], fiats: ['USD'], assets: ['NVDA'] },
  { fiats: ['GBP'], assets: ['BTC'] },
  { fiats: ['EUR'], types: ['EQUITY_SECURITY'], assets: ['SAP'] },
  { assets: ['SHIB', 'PEPE'], fiats: ['USD'] },
  { pairs: [pair('BTC', 'CHF'), pair('ETH', 'CHF')], types: ['CRYPTO'] },
  { fiats: ['CHF'], assets: ['LTC'] },
];

export const HOT_FILTER: PriceFilter = { pairs: [pair('BTC', 'EUR')] };

/** What the clients that stop reading subscribe to: a quarter of the feed, so their buffers fill in seconds. */
export const SLOW_FILTER: PriceFilter = { fiats: ['EUR'] };

export interface ClientSpec {
  /** index into the run's filter list */
  filter: number;
  /** on the slow filter: kept out of the healthy clients' latency and drops */
  designated: boolean;
  /** stops reading right after subscribing */
  pause: boolean;
}

export interface RunSpec {
  /** the name in tables and JSON */
  name: string;
  clients: number;
  filters: PriceFilter[];
  specs: ClientSpec[];
  /** the designated clients stop reading */
  paused: boolean;
}

export interface Scenario {
  name: string;
  description: string;
  /** one run, or two compared with each other (without and with paused clients) */
  runs: RunSpec[];
}

function mixed(name: string, clients: number): RunSpec {
  return {
    name,
    clients,
    filters: MIXED_FILTERS,
    specs: Array.from({ length: clients }, (_, i) => ({ filter: i % MIXED_FILTERS.length, designated: false, pause: false })),
    paused: false,
  };
}

/** Every 20th client (5 %) is on SLOW_FILTER; the others are on the mixed filters. */
function withSlow(name: string, clients: number, paused: boolean): RunSpec {
  const filters = [...MIXED_FILTERS, SLOW_FILTER];
  const specs = Array.from({ length: clients }, (_, i) =>
    i % 20 === 19
      ? { filter: MIXED_FILTERS.length, designated: true, pause: paused }
      : { filter: i % MIXED_FILTERS.length, designated: false, pause: false },
  );
  return { name, clients, filters, specs, paused };
}

export const SCENARIOS: Record<string, Scenario> = {
  'mixed-1k': { name: 'mixed-1k', description: '1,000 clients, full feed, 20 mixed filters', runs: [mixed('mixed-1k', 1_000)] },
  'mixed-5k': { name: 'mixed-5k', description: '5,000 clients, full feed, 20 mixed filters', runs: [mixed('mixed-5k', 5_000)] },
  'mixed-10k': { name: 'mixed-10k', description: '10,000 clients, full feed, 20 mixed filters', runs: [mixed('mixed-10k', 10_000)] },
  'hot-5k': {
    name: 'hot-5k',
    description: '5,000 clients all on BTC/EUR, full feed',
    runs: [{ ...mixed('hot-5k', 5_000), filters: [HOT_FILTER], specs: Array.from({ length: 5_000 }, () => ({ filter: 0, designated: false, pause: false })) }],
  },
  'slow-1k': {
    name: 'slow-1k',
    description: '1,000 clients, 5 % on a quarter of the feed: all reading, then those 5 % paused',
    runs: [withSlow('slow-1k/reading', 1_000, false), withSlow('slow-1k/paused', 1_000, true)],
  },
  'real-scale': {
    name: 'real-scale',
    description: '1k, 10k and N clients (N from RLIMIT_NOFILE) at Bitpanda\'s real pace, then a reconnect storm',
    runs: [],
  },
};

/** Not a run of the table above: `real-scale.ts` drives it (its points, the storm) after the other scenarios. */
export const REAL_SCALE = 'real-scale';

export const DEFAULT_SCENARIOS = ['mixed-1k', 'mixed-5k', 'hot-5k', 'slow-1k', REAL_SCALE];
export const QUICK_SCENARIOS = ['mixed-1k'];

export type VariantName = 'R0' | 'G0' | 'G1';
export const VARIANTS: VariantName[] = ['R0', 'G0', 'G1'];

/** The priceChanged operation of the real-scale clients; R0 sends the same fields in the same order. */
export const CHANGE_QUERY =
  'subscription Changes($filter: PriceFilter) { priceChanged(filter: $filter) { id type asset fiat day { percent value } monthlyVolatility } }';

export interface ScaleSubscription {
  field: 'priceUpdated' | 'priceChanged';
  filter: PriceFilter;
  /** clients per 100 on this subscription */
  per100: number;
}

const pairs = (...list: Array<[string, string]>): PriceFilter => ({ pairs: list.map(([asset, fiat]) => pair(asset, fiat)) });
const SINGLE_PAIRS: Array<[string, string]> = [
  ['BTC', 'EUR'], ['ETH', 'EUR'], ['SOL', 'EUR'], ['XRP', 'EUR'], ['ADA', 'EUR'], ['DOGE', 'EUR'], ['BTC', 'USD'],
  ['ETH', 'USD'], ['AAPL', 'USD'], ['NVDA', 'USD'], ['TSLA', 'USD'], ['XAU', 'EUR'], ['BTC', 'CHF'], ['BTC', 'GBP'],
  ['LINK', 'EUR'], ['DOT', 'EUR'], ['SAP', 'EUR'], ['VWCE', 'EUR'], ['BEST', 'EUR'], ['PEPE', 'EUR'],
];

/**
 * What an app's users hold open, per 100 clients: a price screen of one pair (60), two or three
 * pairs (14), a watch list (10), the change figures of one to three EUR pairs (14), and a few
 * whole-fiat screens (1 on prices, 1 on changes). Bitpanda sends price changes for EUR only.
 */
export const SCALE_SUBSCRIPTIONS: ScaleSubscription[] = [
  ...SINGLE_PAIRS.map(([asset, fiat]) => ({ field: 'priceUpdated' as const, filter: pairs([asset, fiat]), per100: 3 })),
  { field: 'priceUpdated', filter: pairs(['BTC', 'EUR'], ['ETH', 'EUR']), per100: 4 },
  { field: 'priceUpdated', filter: pairs(['BTC', 'EUR'], ['ETH', 'EUR'], ['SOL', 'EUR']), per100: 3 },
  { field: 'priceUpdated', filter: pairs(['XAU', 'EUR'], ['XAG', 'EUR']), per100: 2 },
  { field: 'priceUpdated', filter: pairs(['AAPL', 'USD'], ['MSFT', 'USD'], ['NVDA', 'USD']), per100: 3 },
  { field: 'priceUpdated', filter: pairs(['BTC', 'USD'], ['ETH', 'USD']), per100: 2 },
  { field: 'priceUpdated', filter: { assets: ['BTC', 'ETH', 'SOL', 'XRP', 'ADA', 'DOGE'], fiats: ['EUR'] }, per100: 4 },
  { field: 'priceUpdated', filter: { assets: ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA'], fiats: ['USD'] }, per100: 3 },
  { field: 'priceUpdated', filter: { types: ['COMMODITY'], fiats: ['EUR'] }, per100: 3 },
  { field: 'priceChanged', filter: pairs(['BTC', 'EUR']), per100: 5 },
  { field: 'priceChanged', filter: pairs(['ETH', 'EUR']), per100: 3 },
  { field: 'priceChanged', filter: pairs(['BTC', 'EUR'], ['ETH', 'EUR']), per100: 3 },
  { field: 'priceChanged', filter: pairs(['SOL', 'EUR'], ['XRP', 'EUR'], ['ADA', 'EUR']), per100: 3 },
  { field: 'priceUpdated', filter: { fiats: ['EUR'] }, per100: 1 },
  { field: 'priceChanged', filter: { fiats: ['EUR'] }, per100: 1 },
];

/** The subscription (index into SCALE_SUBSCRIPTIONS) of client `i`: the same mix in every hundred. */
export function scaleSubscriptionOf(i: number): number {
  let slot = i % 100;
  for (let k = 0; k < SCALE_SUBSCRIPTIONS.length; k++) {
    slot -= SCALE_SUBSCRIPTIONS[k]!.per100;
    if (slot < 0) return k;
  }
  return 0;
}
