/**
 * What the Node examples share: their options (gateway URL, pairs, when to stop), one JSON
 * line per thing received on stdout, and the bounded wait that ends them.
 */
import { parseArgs } from 'node:util';
import type { PairInput } from '../generated/graphql.js';

export const DEFAULT_URL = 'http://localhost:4000/graphql';

export interface ExampleOptions {
  /** the gateway's GraphQL endpoint, http(s) */
  url: string;
  /** the same endpoint as ws(s), for graphql-ws */
  wsUrl: string;
  /** the pairs whose prices are read and watched */
  pairs: PairInput[];
  /** stop once this many live prices … */
  prices: number;
  /** … and this many notifications have arrived … */
  notifications: number;
  /** … or after this many seconds, whichever comes first */
  seconds: number;
  /** resume the notification stream after this cursor (stored events after it come first) */
  after: string | null;
  /** how many of the newest stored events to read first */
  history: number;
  /** urql only: how subscriptions travel */
  transport: 'ws' | 'sse';
}

const USAGE = 'usage: [URL] [--pairs BTC/EUR,ETH/EUR] [--prices N] [--notifications N] [--seconds N] [--after CURSOR] [--history N] [--transport ws|sse]';

function count(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a whole number >= 0, got ${JSON.stringify(text)}\n${USAGE}`);
  return n;
}

function pairsOf(text: string): PairInput[] {
  return text.split(',').map((item) => {
    const [asset, fiat, extra] = item.trim().split('/');
    if (!asset || !fiat || extra !== undefined) throw new Error(`--pairs: expected ASSET/FIAT[,ASSET/FIAT…], got ${JSON.stringify(text)}\n${USAGE}`);
    return { asset: asset.toUpperCase(), fiat: fiat.toUpperCase() };
  });
}

/** The http(s) endpoint as ws(s). */
export function toWsUrl(url: string): string {
  const parsed = new URL(url);
  parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
  return parsed.toString();
}

/** Options from the command line, then `GATEWAY_URL`, then the defaults. */
export function readOptions(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): ExampleOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      pairs: { type: 'string', default: 'BTC/EUR,ETH/EUR' },
      prices: { type: 'string' },
      notifications: { type: 'string' },
      seconds: { type: 'string' },
      after: { type: 'string' },
      history: { type: 'string' },
      transport: { type: 'string', default: 'ws' },
    },
  });
  const url = positionals[0] ?? env.GATEWAY_URL ?? DEFAULT_URL;
  if (!/^https?:\/\//.test(url)) throw new Error(`gateway URL: expected http(s)://…/graphql, got ${JSON.stringify(url)}\n${USAGE}`);
  if (values.transport !== 'ws' && values.transport !== 'sse') throw new Error(`--transport: expected ws or sse, got ${JSON.stringify(values.transport)}\n${USAGE}`);
  return {
    url,
    wsUrl: toWsUrl(url),
    pairs: pairsOf(values.pairs),
    prices: count('prices', values.prices, 5),
    notifications: count('notifications', values.notifications, 3),
    seconds: count('seconds', values.seconds, 60),
    after: values.after ?? null,
    history: count('history', values.history, 5),
    transport: values.transport,
  };
}

/** One JSON line on stdout: `{"kind": …, …body}`. */
export function print(kind: string, body: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ kind, ...body })}\n`);
}

export interface Tally {
  price(): void;
  notification(): void;
  /** a subscription failed: `done` rejects with it */
  fail(error: unknown): void;
  /** resolves once both counts are reached (`counts`) or the time is up (`time`) */
  done: Promise<'counts' | 'time'>;
  counts(): { prices: number; notifications: number };
}

/** Counts what arrived and ends the example after the asked counts or the time limit. */
export function tally(options: Pick<ExampleOptions, 'prices' | 'notifications' | 'seconds'>): Tally {
  let prices = 0;
  let notifications = 0;
  let finish: (reason: 'counts' | 'time') => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const done = new Promise<'counts' | 'time'>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const timer = setTimeout(() => finish('time'), options.seconds * 1000);
  const check = (): void => {
    if (prices >= options.prices && notifications >= options.notifications) finish('counts');
  };
  done.then(() => clearTimeout(timer), () => clearTimeout(timer));
  check();
  return {
    price: () => void (prices++, check()),
    notification: () => void (notifications++, check()),
    fail: (error) => fail(error),
    done,
    counts: () => ({ prices, notifications }),
  };
}

/** Runs an example's main: its errors become an `error` line and exit code 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    print('error', { message: error instanceof Error ? error.message : String(error) });
    process.exitCode = 1;
  });
}
