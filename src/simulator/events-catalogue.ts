/**
 * Realistic notification events for the simulated Bitpanda events endpoint: one payload
 * generator per documented event type, modelled on the examples in the Bitpanda docs
 * (integer ids in older payloads, UUIDs in newer ones, amounts as decimal strings, Unix
 * seconds or ISO 8601 timestamps exactly where the docs use them). Which types exist is the
 * notification registry's (src/domain/notification-kinds.ts); a generator for each is required
 * by the type of GENERATORS.
 */

import { KNOWN_EVENT_TYPES, type KnownEventType } from '../domain/notification.js';

/** The documented event types the simulator produces: every kind of the registry's. */
export const SIMULATED_EVENT_TYPES: readonly KnownEventType[] = KNOWN_EVENT_TYPES;

export type Payload = Record<string, unknown>;

/** `now` in epoch ms */
export interface PayloadContext { now: number; random: () => number }

type Gen = (ctx: PayloadContext) => Payload;

const hex = (random: () => number, n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');

/** A random UUID-shaped string (version 4 layout). */
export function randomUuid(random: () => number): string {
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-${variant}${hex(random, 3)}-${hex(random, 12)}`;
}

/** A version-6 style UUID as Bitpanda uses for user and plan ids (`1ed…`). */
function v6Uuid(random: () => number): string {
  return `1ed${hex(random, 5)}-${hex(random, 4)}-6${hex(random, 3)}-${(8 + Math.floor(random() * 4)).toString(16)}${hex(random, 3)}-${hex(random, 12)}`;
}

/**
 * Time-ordered ids in the UUID version 7 layout: 48 bits of epoch ms, then a 12-bit counter
 * that keeps ids minted in the same millisecond in order. Lowercase hex, so lexicographic
 * order is creation order.
 */
export function createEventIdGenerator(random: () => number): (nowMs: number) => string {
  let lastMs = 0;
  let seq = 0;
  return (nowMs) => {
    let ms = Math.max(Math.floor(nowMs), lastMs);
    seq = ms === lastMs ? seq + 1 : Math.floor(random() * 0x400);
    if (seq > 0xfff) [ms, seq] = [ms + 1, 0];
    lastMs = ms;
    const t = ms.toString(16).padStart(12, '0');
    const variant = (8 + Math.floor(random() * 4)).toString(16);
    return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${seq.toString(16).padStart(3, '0')}-${variant}${hex(random, 3)}-${hex(random, 12)}`;
  };
}

/** `2024-02-20T08:14:20+00:00`, the form of `created_at` on the events endpoint. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

const isoMicrosZ = (ms: number, random: () => number): string =>
  new Date(ms).toISOString().replace(/Z$/, `${String(Math.floor(random() * 1000)).padStart(3, '0')}Z`);
const isoZ = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const sqlTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const unix = (ms: number): number => Math.floor(ms / 1000);

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (random: () => number, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
/** A decimal string with exactly `places` fraction digits, between 0 and `max`. */
const amount = (random: () => number, max: number, places: number): string => (random() * max).toFixed(places);

const FIATS = [{ id: 1, symbol: 'EUR' }, { id: 2, symbol: 'USD' }, { id: 3, symbol: 'CHF' }, { id: 4, symbol: 'GBP' }] as const;
const CRYPTO = [{ id: 1, symbol: 'BTC' }, { id: 5, symbol: 'ETH' }, { id: 436, symbol: 'SOL' }, { id: 37, symbol: 'ADA' }] as const;
const STOCKS = [{ id: 397, symbol: 'BAYN' }, { id: 401, symbol: 'AAPL' }, { id: 412, symbol: 'TSLA' }] as const;

const GENERATORS: Record<KnownEventType, Gen> = {
  'user.update': ({ now, random }) => ({
    action: pick(random, ['verification', 'verification', 'blacklisting', 'inactivation']),
    success: random() > 0.2,
    timestamp: unix(now),
    user_id: v6Uuid(random),
  }),
  'user.corporate-action': ({ now, random }) => {
    const stock = pick(random, STOCKS);
    const fiat = pick(random, FIATS);
    return {
      id: v6Uuid(random),
      time: isoSeconds(now),
      type: pick(random, ['dividend', 'dividend', 'delisting', 'merger', 'split', 'spin-off']),
      ca_id: v6Uuid(random),
      fiat_id: fiat.id,
      asset_id: stock.id,
      fiat_symbol: fiat.symbol,
      asset_amount: amount(random, 2, 8),
      asset_symbol: stock.symbol,
      user_id: v6Uuid(random),
    };
  },
  'user.non-user-initiated-tx': ({ now, random }) => {
    const type = pick(random, ['staking_reward', 'giveaway', 'metal_storage_fee', 'tax_refund', 'deduction', 'otc_trade']);
    const outgoing = type === 'metal_storage_fee' || type === 'deduction';
    return {
      id: v6Uuid(random),
      user_id: v6Uuid(random),
      asset_id: pick(random, CRYPTO).id,
      asset_amount: amount(random, 1, 8),
      type,
      direction: outgoing ? 'outgoing' : 'incoming',
      created_at: isoSeconds(now),
    };
  },
  'user.non-user-initiated-tx-v2': ({ now, random }) => ({
    id: randomUuid(random),
    user_id: randomUuid(random),
    asset_id: pick(random, CRYPTO).id,
    fiat_id: pick(random, FIATS).id,
    fiat_amount: amount(random, 5000, 8),
    asset_amount: amount(random, 1, 14),
    related_offer_id: randomUuid(random),
    type: pick(random, ['giveaway', 'staking_reward', 'otc_trade']),
    type_defined_for: 'asset',
    direction: 'incoming',
    created_at: isoZ(now),
  }),
  'account.send-money': ({ now, random }) => ({
    id: v6Uuid(random),
    trade_id: int(random, 70_000_000, 79_999_999),
    reference: `bitpanda-${hex(random, 13)}-transfer`,
    timestamp: unix(now),
    amount_sent: amount(random, 500, 8),
    fiat_symbol: pick(random, FIATS).symbol,
    fiat_balance: amount(random, 1_000_000, 8),
  }),
  'account.send-money-success': ({ now, random }) => ({
    id: randomUuid(random),
    type: 'withdrawal',
    reference: `bitpanda-${hex(random, 13)}-transfer`,
    timestamp: unix(now),
    fiat_amount: amount(random, 500, 8),
    fiat_symbol: pick(random, FIATS).symbol,
  }),
  'account.top-up': ({ now, random }) => ({
    trade_id: int(random, 1_000_000, 9_999_999),
    timestamp: unix(now),
    fiat_symbol: pick(random, FIATS).symbol,
    fiat_balance: amount(random, 1_000_000, 8),
    amount_to_deposit: String(int(random, 1, 1_000_000)),
  }),
  'account.top-up-success': ({ now, random }) => ({
    id: v6Uuid(random),
    type: 'deposit',
    reference: String(int(random, 1_000_000_000, 9_999_999_999)),
    timestamp: unix(now),
    fiat_amount: amount(random, 1000, 8),
    fiat_symbol: pick(random, FIATS).symbol,
  }),
  'user.savings-plan-notification': ({ now, random }) => ({
    fiat_id: pick(random, FIATS).id,
    user_id: v6Uuid(random),
    asset_id: pick(random, CRYPTO).id,
    fiat_amount: amount(random, 5000, 8),
    savings_plan_id: v6Uuid(random),
    savings_plan_day: int(random, 1, 28),
    savings_plan_status: pick(random, ['active', 'active', 'paused']),
    savings_plan_frequency: pick(random, ['weekly', 'biweekly', 'monthly']),
    external_transaction_id: v6Uuid(random),
    savings_plan_created_at: sqlTime(now - 3_600_000),
    savings_plan_next_recurrence: sqlTime(now + 3_600_000),
    savings_plan_transaction_confirmation_deadline: sqlTime(now + 600_000),
  }),
  'user.savings-plan-trade-notification': ({ now, random }) =>
    random() < 0.3
      ? {
          user_id: v6Uuid(random),
          error_code: '403',
          error_message: `Saving plan transaction was not confirmed by ${isoSeconds(now)}`,
          savings_plan_id: v6Uuid(random),
          external_transaction_id: v6Uuid(random),
          savings_plan_transaction_status: 'not_confirmed',
        }
      : {
          user_id: v6Uuid(random),
          offer_id: randomUuid(random),
          trade_id: randomUuid(random),
          savings_plan_id: v6Uuid(random),
          external_transaction_id: v6Uuid(random),
          savings_plan_transaction_status: 'finished',
        },
  'user.crypto-transfer-notification': ({ now, random }) => {
    const asset = pick(random, CRYPTO);
    const deposit = random() < 0.5;
    return {
      id: randomUuid(random),
      fee: amount(random, 0.001, 16),
      address: `${hex(random, 20)}${hex(random, 20)}`,
      user_id: randomUuid(random),
      approved: true,
      asset_id: asset.id,
      credited: deposit,
      currency: 'EUR',
      network_id: randomUuid(random),
      credited_at: deposit ? isoMicrosZ(now, random) : null,
      fiat_amount: amount(random, 1000, 16),
      received_at: isoMicrosZ(now - 5000, random),
      asset_amount: amount(random, 1, 16),
      asset_symbol: asset.symbol,
      processed_at: null,
      destination_tag: null,
      asset_network_id: v6Uuid(random),
      transaction_hash: deposit ? `0x${hex(random, 64)}` : '',
      transaction_type: deposit ? 'deposit' : 'withdrawal',
      transaction_status: pick(random, ['finished', 'finished', 'pending']),
      tax_declaration_status: 'undeclared',
    };
  },
  'user.crypto-action': ({ now, random }) => {
    const fiatId = randomUuid(random);
    const leg = (direction: 'outgoing' | 'incoming', assetInt: number) => ({
      id: randomUuid(random),
      asset_id: randomUuid(random),
      asset_int: assetInt,
      fiat_id: fiatId,
      fiat_int: 1,
      asset_amount: amount(random, 500, 2),
      fiat_amount: amount(random, 1000, 2),
      fee_amount: amount(random, 1, 1),
      type_defined_for: 'asset',
      direction,
    });
    return {
      id: randomUuid(random),
      user_id: randomUuid(random),
      type: 'merger_crypto',
      credited_at: isoZ(now),
      transactions: [leg('outgoing', int(random, 1, 500)), leg('incoming', int(random, 1, 500))],
    };
  },
  'user.automated-order': ({ now, random }) => {
    const status = pick(random, ['finished', 'finished', 'finished', 'failed', 'cancelled', 'expired']);
    return {
      user_id: v6Uuid(random),
      domain_slug: 'b2b2c_sim',
      trade_id: randomUuid(random),
      asset_id: randomUuid(random),
      fiat_id: randomUuid(random),
      asset_amount: amount(random, 5, 8),
      fiat_amount: String(int(random, 1, 500)),
      type: 'buy',
      status,
      created_at: isoMicrosZ(now, random),
      ...(status === 'failed' ? { fail_reason: pick(random, ['insufficient_funds', 'asset_not_tradable']) } : {}),
    };
  },
};

/** A payload for a known type; for any other type a small plausible object. */
export function makePayload(type: string, ctx: PayloadContext): Payload {
  const gen = (GENERATORS as Record<string, Gen | undefined>)[type];
  if (gen) return gen(ctx);
  return { id: randomUuid(ctx.random), user_id: randomUuid(ctx.random), created_at: isoSeconds(ctx.now), note: 'a type this release does not know' };
}

export interface SimEvent {
  id: string;
  type: string;
  /** JSON text, as the endpoint serves it */
  payload: string;
  created_at: string;
}

export interface PageQuery {
  afterId: string | null;
  type: string | null;
  size: number;
  /** start the page with the `afterId` event itself */
  repeatAfter: boolean;
}

/** The simulated upstream's event history: time-ordered, capped, paged by `after_id`. */
export function createSimEventList(options: { now: () => number; random: () => number; maxEvents: number; onAdd?: (event: SimEvent) => void }) {
  const { now, random, maxEvents, onAdd } = options;
  const nextId = createEventIdGenerator(random);
  const events: SimEvent[] = [];
  let rotation = Math.floor(random() * SIMULATED_EVENT_TYPES.length);

  function add(type: string, payload: Payload | string | undefined): SimEvent {
    const at = now();
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload ?? makePayload(type, { now: at, random }));
    const event: SimEvent = { id: nextId(at), type, payload: text, created_at: isoSeconds(at) };
    events.push(event);
    if (events.length > maxEvents) events.splice(0, events.length - maxEvents);
    onAdd?.({ ...event });
    return event;
  }

  /** Binary search: ids are time-ordered, so the list is sorted by id. */
  function indexOf(id: string): number {
    let lo = 0;
    let hi = events.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const candidate = (events[mid] as SimEvent).id;
      if (candidate === id) return mid;
      if (candidate < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  return {
    add,
    /** one generated event, cycling through every documented type */
    generate: (): SimEvent => add(SIMULATED_EVENT_TYPES[rotation++ % SIMULATED_EVENT_TYPES.length] as string, undefined),
    all: (): SimEvent[] => events.map((e) => ({ ...e })),
    /** null when `afterId` is not (or no longer) in the history */
    page({ afterId, type, size, repeatAfter }: PageQuery): SimEvent[] | null {
      const page: SimEvent[] = [];
      let start = 0;
      if (afterId !== null) {
        const index = indexOf(afterId);
        if (index < 0) return null;
        start = index + 1;
        const previous = events[index] as SimEvent;
        if (repeatAfter && (!type || previous.type === type)) page.push(previous);
      }
      for (let i = start; i < events.length && page.length < size; i += 1) {
        const e = events[i] as SimEvent;
        if (!type || e.type === type) page.push(e);
      }
      return page;
    },
  };
}
