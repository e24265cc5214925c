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
};

export const DEFAULT_SCENARIOS = ['mixed-1k', 'mixed-5k', 'hot-5k', 'slow-1k'];
export const QUICK_SCENARIOS = ['mixed-1k'];

export type VariantName = 'R0' | 'G0' | 'G1';
export const VARIANTS: VariantName[] = ['R0', 'G0', 'G1'];
