import { pairKey } from '../domain/price.js';
import type { Market } from './catalogue.js';

/** The protocol core of the price simulator: client text in, a reply and a state change out. */

export const CHANNELS = ['prices-v1', 'price-changes-v1'] as const;
export type Channel = (typeof CHANNELS)[number];

export type Subscription =
  | { mode: 'all' }
  | { mode: 'fiats'; fiats: ReadonlySet<string> }
  | { mode: 'pairs'; keys: ReadonlySet<string> };

export interface ActionReply {
  action?: unknown;
  channel?: unknown;
  status?: 'success';
  error?: string;
}

export interface ActionResult {
  reply: ActionReply;
  /** set for every well-formed subscribe or unsubscribe action, accepted or not */
  record?: { action: 'subscribe' | 'unsubscribe'; channel: string; payload: unknown };
  /** set when the action is accepted */
  apply?: { action: 'subscribe' | 'unsubscribe'; channel: Channel; subscription?: Subscription };
}

export const MIXED_PAYLOAD_ERROR = 'cannot mix subscription types';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isChannel = (value: unknown): value is Channel => value === 'prices-v1' || value === 'price-changes-v1';

/** Reads a subscribe payload; returns the subscription or the error text to send. */
function readPayload(payload: unknown, market: Market): Subscription | string {
  if (payload === undefined || payload === null) return { mode: 'all' };
  if (!Array.isArray(payload) || payload.length === 0) {
    return 'invalid payload: expected a non-empty list of {type, asset, fiat} or {fiat} entries';
  }
  let fiatEntries = 0;
  let pairEntries = 0;
  for (const entry of payload) {
    if (!isObject(entry) || typeof entry.fiat !== 'string') {
      return 'invalid payload: expected entries {type, asset, fiat} or {fiat}';
    }
    if (entry.asset === undefined && entry.type === undefined) fiatEntries++;
    else pairEntries++;
  }
  if (fiatEntries > 0 && pairEntries > 0) return MIXED_PAYLOAD_ERROR;

  const entries = payload as Array<Record<string, unknown> & { fiat: string }>;
  for (const entry of entries) {
    if (!market.hasFiat(entry.fiat)) return `fiat not found: ${entry.fiat}`;
  }
  if (fiatEntries > 0) return { mode: 'fiats', fiats: new Set(entries.map((e) => e.fiat)) };

  const keys = new Set<string>();
  for (const entry of entries) {
    if (typeof entry.asset !== 'string' || typeof entry.type !== 'string') {
      return 'invalid payload: expected entries {type, asset, fiat} with string values';
    }
    const known = market.asset(entry.asset);
    const pair = market.pair(entry.asset, entry.fiat);
    if (!known || known.type !== entry.type || !pair) return `asset not found for domain: ${entry.asset}`;
    keys.add(pairKey(entry.asset, entry.fiat));
  }
  return { mode: 'pairs', keys };
}

export function parseClientAction(text: string, market: Market): ActionResult {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { reply: { error: 'invalid message: expected a JSON object' } };
  }
  if (!isObject(message)) return { reply: { error: 'invalid message: expected a JSON object' } };

  const { action, channel, payload } = message;
  if (action !== 'subscribe' && action !== 'unsubscribe') {
    const shown = typeof action === 'string' ? action : JSON.stringify(action ?? null);
    return { reply: { action, channel, error: `action not supported: ${shown}` } };
  }
  const record = { action, channel: typeof channel === 'string' ? channel : channel === undefined ? '' : JSON.stringify(channel), payload } as const;
  if (!isChannel(channel)) return { record, reply: { action, channel, error: 'channel not supported' } };

  if (action === 'unsubscribe') {
    if (payload !== undefined && payload !== null) {
      return { record, reply: { action, channel, error: 'unsubscribe takes no payload: only a whole channel can be unsubscribed' } };
    }
    return { record, apply: { action, channel }, reply: { action, channel, status: 'success' } };
  }

  const subscription = readPayload(payload, market);
  if (typeof subscription === 'string') return { record, reply: { action, channel, error: subscription } };
  return { record, apply: { action, channel, subscription }, reply: { action, channel, status: 'success' } };
}
