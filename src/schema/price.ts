import { GraphQLError } from 'graphql';
import {
  ASSET_TYPES,
  CHANGE_WINDOWS,
  compilePriceFilter,
  matchesPriceFilter,
  pairKey,
  priceMid,
  priceSpread,
  type ChangeWindow,
  type CompiledPriceFilter,
  type Price,
  type PriceChange,
  type PriceFilter,
} from '../domain/price.js';
import type { Topics } from '../bus/topics.js';
import { throttleLatest } from '../bus/throttle.js';
import type { Timers } from '../timers.js';
import { builder } from './builder.js';
import { fanout } from './fanout-extension.js';
import { liveEvent, type GraphQLContext } from './context.js';

export const AssetTypeEnum = builder.enumType('AssetType', {
  description: 'Bitpanda asset types; upstream codes cr, s, f, i, co, es.',
  values: ASSET_TYPES,
});

const PairInput = builder.inputType('PairInput', {
  fields: (t) => ({
    asset: t.string({ required: true, description: 'Asset symbol, e.g. BTC' }),
    fiat: t.string({ required: true, description: 'Fiat symbol, e.g. EUR' }),
  }),
});

export const PriceFilterInput = builder.inputType('PriceFilter', {
  description: 'All given criteria must hold; an empty or missing filter means everything.',
  fields: (t) => ({
    pairs: t.field({ type: [PairInput], required: false, description: 'exact pairs' }),
    assets: t.stringList({ required: false, description: 'any of these assets' }),
    fiats: t.stringList({ required: false, description: 'any of these fiats' }),
    types: t.field({ type: [AssetTypeEnum], required: false, description: 'any of these asset types' }),
  }),
});

const SYMBOL = /^[A-Za-z0-9._-]{1,32}$/;

/** Validates a filter from a client and compiles it to set look-ups; coded errors on bad input. */
export function compileFilterArg(filter: PriceFilter | null | undefined, ctx: GraphQLContext): CompiledPriceFilter {
  const max = ctx.services.limits.maxFilterPairs;
  const bad = (message: string): GraphQLError =>
    new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argument: 'filter' } });
  if (filter?.pairs && filter.pairs.length > max) {
    throw bad(`filter.pairs: expected at most ${max} pairs, got ${filter.pairs.length}`);
  }
  for (const list of [filter?.assets, filter?.fiats, filter?.pairs?.flatMap((p) => [p.asset, p.fiat])]) {
    const wrong = list?.find((s) => !SYMBOL.test(s));
    if (wrong !== undefined) throw bad(`filter: expected symbols like "BTC" or "EUR", got ${JSON.stringify(wrong)}`);
    if (list && list.length > max * 2) throw bad(`filter: expected at most ${max} symbols per list, got ${list.length}`);
  }
  return compilePriceFilter(filter);
}

export const MAX_THROTTLE_MS = 60_000;

/** Validates `throttleMs`: null, absent or 0 means every update. */
export function throttleArg(value: number | null | undefined): number {
  if (value === null || value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0 || value > MAX_THROTTLE_MS) {
    throw new GraphQLError(`throttleMs: expected an integer from 0 to ${MAX_THROTTLE_MS}, got ${value}`, {
      extensions: { code: 'BAD_USER_INPUT', argument: 'throttleMs' },
    });
  }
  return value;
}

/** At most one value per pair per `intervalMs`, always the latest; unchanged when 0. */
function throttled<T extends { id: string }>(source: AsyncIterableIterator<T>, intervalMs: number, timers: Timers): AsyncIterableIterator<T> {
  if (intervalMs === 0) return source;
  return throttleLatest(source, {
    intervalMs,
    keyOf: (v) => v.id,
    setTimer: (run, ms) => timers.setTimeout(run, ms),
    clearTimer: (timer) => timers.clearTimeout(timer),
  });
}

const THROTTLE_DESCRIPTION =
  'At most one update per pair per this many milliseconds (0 to 60000), always the latest value: the first goes out at once, the newest of the rest when the interval ends. 0 or absent: every update.';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** The fields that name the pair, first in both `Price` and `PriceChange`. */
function pairFields<Shape extends Pick<Price, 'id' | 'type' | 'asset' | 'fiat'>>(t: PothosSchemaTypes.ObjectFieldBuilder<Types, Shape>) {
  return {
    id: t.id({ description: 'stable per pair: ASSET:FIAT', resolve: (p) => p.id }),
    type: t.field({ type: AssetTypeEnum, resolve: (p) => p.type }),
    asset: t.string({ resolve: (p) => p.asset }),
    fiat: t.string({ resolve: (p) => p.fiat }),
  };
}

const ChangeWindowRef = builder.objectRef<ChangeWindow>('ChangeWindow').implement({
  description: 'A change over one window: in percent and in value, both exact decimal strings.',
  fields: (t) => ({
    percent: t.field({ type: 'Decimal', resolve: (w) => w.percent }),
    value: t.field({ type: 'Decimal', resolve: (w) => w.value }),
  }),
});

export const PriceChangeRef = builder.objectRef<PriceChange>('PriceChange').implement({
  description: 'The latest `price-changes-v1` frame of a pair (Bitpanda sends these for EUR only today).',
  fields: (t) => ({
    ...pairFields(t),
    ...Object.fromEntries(
      CHANGE_WINDOWS.map((w) => [w, t.field({ type: ChangeWindowRef, resolve: (c: PriceChange) => c[w] })]),
    ),
    monthlyVolatility: t.field({ type: 'Decimal', resolve: (c) => c.monthlyVolatility }),
    receivedAt: t.field({ type: 'DateTime', resolve: (c) => c.receivedAt }),
  }),
});

export const PriceRef = builder.objectRef<Price>('Price').implement({
  description: 'The latest `prices-v1` frame of a pair.',
  fields: (t) => ({
    ...pairFields(t),
    ask: t.field({ type: 'Decimal', resolve: (p) => p.ask }),
    bid: t.field({ type: 'Decimal', resolve: (p) => p.bid }),
    mid: t.field({ type: 'Decimal', description: '(ask + bid) / 2, exact', resolve: (p) => priceMid(p) }),
    spread: t.field({ type: 'Decimal', description: 'ask - bid, exact', resolve: (p) => priceSpread(p) }),
    time: t.field({ type: 'DateTime', description: 'the upstream timestamp (U)', resolve: (p) => p.time * 1000 }),
    receivedAt: t.field({ type: 'DateTime', resolve: (p) => p.receivedAt }),
    change: t.field({
      type: PriceChangeRef,
      nullable: true,
      description: 'the latest change of the same pair',
      resolve: (p, _args, ctx) => ctx.loaders.priceChange.load(p.id),
    }),
  }),
});

function byPair(a: { asset: string; fiat: string }, b: { asset: string; fiat: string }): number {
  return a.asset === b.asset ? (a.fiat < b.fiat ? -1 : 1) : a.asset < b.asset ? -1 : 1;
}

builder.queryFields((t) => ({
  prices: t.field({
    type: [PriceRef],
    description: 'The latest cached price per pair, ordered by asset then fiat.',
    args: { filter: t.arg({ type: PriceFilterInput, required: false }) },
    resolve: (_root, { filter }, ctx) => {
      const compiled = compileFilterArg(filter, ctx);
      return ctx.services.store.prices.listPrices().filter((p) => matchesPriceFilter(compiled, p)).sort(byPair);
    },
  }),
  price: t.field({
    type: PriceRef,
    nullable: true,
    description: 'One pair; null when it has never been seen.',
    args: { asset: t.arg.string({ required: true }), fiat: t.arg.string({ required: true }) },
    resolve: (_root, { asset, fiat }, ctx) => ctx.services.store.prices.getPrice(pairKey(asset, fiat)) ?? null,
  }),
  priceChanges: t.field({
    type: [PriceChangeRef],
    description: 'The latest cached change per pair, ordered by asset then fiat.',
    args: { filter: t.arg({ type: PriceFilterInput, required: false }) },
    resolve: (_root, { filter }, ctx) => {
      const compiled = compileFilterArg(filter, ctx);
      return ctx.services.store.prices.listChanges().filter((c) => matchesPriceFilter(compiled, c)).sort(byPair);
    },
  }),
}));

/** A live field over one bus topic: filtered per subscription, optionally throttled per pair. */
function liveField<K extends 'price:updated' | 'price:changed'>(topic: K) {
  return (
    _root: unknown,
    args: { filter?: PriceFilter | null; throttleMs?: number | null },
    ctx: GraphQLContext,
  ): AsyncIterableIterator<Topics[K]> => {
    const compiled = compileFilterArg(args.filter, ctx);
    const interval = throttleArg(args.throttleMs);
    return throttled(ctx.services.bus.subscribe(topic, (item) => matchesPriceFilter(compiled, item)), interval, ctx.services.timers);
  };
}

builder.subscriptionFields((t) => {
  const args = {
    filter: t.arg({ type: PriceFilterInput, required: false }),
    throttleMs: t.arg.int({ required: false, description: THROTTLE_DESCRIPTION }),
  };
  return {
    priceUpdated: t.field({
      type: PriceRef,
      description: 'Every new price of the pairs the filter selects.',
      args,
      // every price supersedes the last of its pair, and is the same for every client
      extensions: fanout({ conflate: true, shareAcross: 'everyone' }),
      subscribe: liveField('price:updated'),
      // a throttled subscription's delay is the client's choice: not measured as latency
      resolve: (price: Price, { throttleMs }, ctx) => (throttleMs ? price : liveEvent(ctx, price.receivedAt, price)),
    }),
    priceChanged: t.field({
      type: PriceChangeRef,
      description: 'Every new price change of the pairs the filter selects.',
      args,
      extensions: fanout({ conflate: true, shareAcross: 'everyone' }),
      subscribe: liveField('price:changed'),
      resolve: (change: PriceChange, { throttleMs }, ctx) => (throttleMs ? change : liveEvent(ctx, change.receivedAt, change)),
    }),
  };
});
