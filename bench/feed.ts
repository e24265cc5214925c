import { existsSync, readFileSync } from 'node:fs';
import { assetTypeFromCode, compilePriceFilter, matchesPriceFilter, pairKey, type AssetType, type AssetTypeCode, type PriceFilter } from '../src/domain/price.js';
import { FEED_PATH, recordFeed } from './record-feed.js';

export type FeedChannel = 'prices-v1' | 'price-changes-v1';

/** One replayed frame (a recorded `prices-v1` frame, or a `price-changes-v1` frame of its pair), with what the checks need precomputed. */
export interface FeedFrame {
  channel: FeedChannel;
  AP: string;
  BP: string;
  T: AssetTypeCode;
  A: string;
  F: string;
  key: string;
  type: AssetType;
}

/**
 * The replayed frame `seq` is `frames[seq % frames.length]` with the sequence number appended to
 * the decimal digits of its bid: every variant passes `bid` through byte for byte, so a client
 * reads the sequence number back from what it receives.
 */
export const SEQ_DIGITS = 9;

export function loadFeed(path = FEED_PATH): FeedFrame[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '');
  return lines.map((line, i) => {
    const o = JSON.parse(line) as Record<string, unknown>;
    if (typeof o.AP !== 'string' || typeof o.BP !== 'string' || typeof o.A !== 'string' || typeof o.F !== 'string' || typeof o.T !== 'string') {
      throw new Error(`${path}:${i + 1}: expected a prices-v1 frame with AP, BP, T, A, F, got ${line.slice(0, 120)}`);
    }
    const T = o.T as AssetTypeCode;
    return { channel: 'prices-v1' as const, AP: o.AP, BP: o.BP, T, A: o.A, F: o.F, key: pairKey(o.A, o.F), type: assetTypeFromCode(T) };
  });
}

/** Seconds in which Bitpanda sends every pair once, on each channel (its real pace). */
export const REAL_PACE_CYCLE_S = 15;

/**
 * One cycle at Bitpanda's real pace: every pair of the recorded feed once on `prices-v1`, in the
 * recorded (staggered) order, each EUR pair followed by its `price-changes-v1` frame. Replayed at
 * `length / REAL_PACE_CYCLE_S` frames per second, every pair gets a frame about every 15 s.
 */
export function realPaceFeed(feed: readonly FeedFrame[]): FeedFrame[] {
  const seen = new Set<string>();
  const out: FeedFrame[] = [];
  for (const f of feed) {
    if (f.channel !== 'prices-v1' || seen.has(f.key)) continue;
    seen.add(f.key);
    out.push(f);
    if (f.F === 'EUR') out.push({ ...f, channel: 'price-changes-v1' });
  }
  return out;
}

/** The window values of every replayed change frame; the sequence number goes into MVOL's digits. */
const CHANGE_VALUES =
  '"D":"1.25","I":"0.5","W":"-2.1","M":"3.3","6M":"10.2","Y":"25.7","5Y":"180.4",' +
  '"DV":"120.5","IV":"60.1","WV":"-80.2","MV":"150.9","6MV":"800.1","YV":"1500.2","5YV":"9000.3"';

/** Loads the committed feed, recording it from the simulator first when it is missing. */
export async function ensureFeed(path = FEED_PATH): Promise<FeedFrame[]> {
  if (!existsSync(path)) await recordFeed({ path });
  return loadFeed(path);
}

/** The text the bench upstream sends for sequence number `seq`. */
export function frameText(feed: readonly FeedFrame[], seq: number, unixSeconds: number): string {
  const f = feed[seq % feed.length]!;
  if (f.channel === 'price-changes-v1') {
    return `{"T":"${f.T}","A":"${f.A}","F":"${f.F}","CH":"price-changes-v1",${CHANGE_VALUES},"MVOL":"0.04${String(seq).padStart(SEQ_DIGITS, '0')}"}`;
  }
  const bid = `${f.BP}${f.BP.includes('.') ? '' : '.'}${String(seq).padStart(SEQ_DIGITS, '0')}`;
  return `{"AP":"${f.AP}","BP":"${bid}","U":${unixSeconds},"T":"${f.T}","A":"${f.A}","F":"${f.F}","CH":"prices-v1"}`;
}

/** Reads the sequence number from the last digits of a bid, as bytes; -1 when it is not there. */
export function seqFromBid(bytes: Uint8Array, start: number, end: number): number {
  if (end - start < SEQ_DIGITS) return -1;
  let seq = 0;
  for (let i = end - SEQ_DIGITS; i < end; i++) {
    const digit = bytes[i]! - 48;
    if (digit < 0 || digit > 9) return -1;
    seq = seq * 10 + digit;
  }
  return seq;
}

/**
 * For each filter, which positions of the feed it selects, and prefix sums so the number of
 * frames a filter selects in any sequence range is O(1).
 */
export interface FilterTable {
  matches: Uint8Array[];
  prefix: Uint32Array[];
  /** frames per full pass of the feed */
  perPass: number[];
}

export function filterTable(feed: readonly FeedFrame[], filters: readonly PriceFilter[], channels: readonly FeedChannel[] = []): FilterTable {
  const matches = filters.map((filter, i) => {
    const compiled = compilePriceFilter(filter);
    const channel = channels[i] ?? 'prices-v1';
    return Uint8Array.from(feed, (f) => (f.channel === channel && matchesPriceFilter(compiled, { id: f.key, asset: f.A, fiat: f.F, type: f.type }) ? 1 : 0));
  });
  const prefix = matches.map((m) => {
    const p = new Uint32Array(m.length + 1);
    for (let i = 0; i < m.length; i++) p[i + 1] = p[i]! + m[i]!;
    return p;
  });
  return { matches, prefix, perPass: prefix.map((p) => p[p.length - 1]!) };
}

/** How many frames of sequence range [from, to) filter `index` selects. */
export function expectedCount(table: FilterTable, index: number, from: number, to: number): number {
  const prefix = table.prefix[index]!;
  const length = prefix.length - 1;
  const upTo = (seq: number): number => Math.floor(seq / length) * table.perPass[index]! + prefix[seq % length]!;
  return to > from ? upTo(to) - upTo(from) : 0;
}
