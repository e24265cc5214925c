/**
 * A live price table and a notification feed in the browser: urql with graphcache, queries over
 * fetch, subscriptions over graphql-ws, every result typed by the generated documents.
 *
 * Query parameters: `gateway` (default: VITE_GATEWAY_URL, then http://localhost:4000/graphql),
 * `pairs` (e.g. BTC/EUR,ETH/EUR; default: every crypto asset against EUR).
 */
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { createClient } from 'graphql-ws';
import {
  LatestPricesDocument,
  LivePricesDocument,
  NotificationHistoryDocument,
  NotificationStreamDocument,
  type NotificationHistoryQuery,
  type NotificationStreamSubscription,
  type PriceFilter,
} from '../generated/graphql.js';
import { cacheOptions } from '../urql/cache.js';
import { forwardTo } from '../urql/forward.js';

type Row = { id: string; asset: string; fiat: string; ask: string; bid: string; mid: string; spread: string; time: string };
type FeedEvent =
  | NotificationHistoryQuery['notificationEvents']['edges'][number]['node']
  | NotificationStreamSubscription['notificationReceived'];

const FEED_LENGTH = 50;

function element<T extends HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`expected ${selector} in the page`);
  return found;
}

function settings(): { url: string; wsUrl: string; filter: PriceFilter } {
  const params = new URLSearchParams(location.search);
  const url = new URL(params.get('gateway') ?? import.meta.env.VITE_GATEWAY_URL ?? 'http://localhost:4000/graphql', location.href);
  const wsUrl = new URL(url);
  wsUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const pairs = params.get('pairs');
  const filter: PriceFilter = pairs
    ? { pairs: pairs.split(',').map((p) => ({ asset: p.split('/')[0] ?? '', fiat: p.split('/')[1] ?? '' })) }
    : { fiats: ['EUR'], types: ['CRYPTO'] };
  return { url: url.toString(), wsUrl: wsUrl.toString(), filter };
}

function setStatus(state: 'connecting' | 'live' | 'error', text: string): void {
  const status = element<HTMLOutputElement>('#status');
  status.dataset.state = state;
  status.textContent = text;
}

function cell(text: string, className: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.className = className;
  td.textContent = text;
  return td;
}

/** Puts the price in its pair's row, adding the row the first time. Decimals are shown as sent. */
function showPrice(price: Row, live: boolean): void {
  const body = element<HTMLTableSectionElement>('#prices tbody');
  let row = body.querySelector<HTMLTableRowElement>(`tr[data-id="${CSS.escape(price.id)}"]`);
  if (!row) {
    row = document.createElement('tr');
    row.dataset.id = price.id;
    body.append(row);
  }
  row.replaceChildren(
    cell(`${price.asset}/${price.fiat}`, 'pair'),
    cell(price.ask, 'ask'),
    cell(price.bid, 'bid'),
    cell(price.mid, 'mid'),
    cell(price.spread, 'spread'),
    cell(new Date(price.time).toLocaleTimeString(), 'time'),
  );
  if (live) {
    row.classList.remove('updated');
    void row.offsetWidth; // restart the highlight
    row.classList.add('updated');
  }
}

function showEvent(event: FeedEvent): void {
  const feed = element<HTMLOListElement>('#feed');
  const item = document.createElement('li');
  item.dataset.id = event.id;
  item.dataset.type = event.type;
  const time = document.createElement('time');
  time.dateTime = event.createdAt;
  time.textContent = new Date(event.createdAt).toLocaleString();
  const type = document.createElement('strong');
  type.textContent = ` ${event.type} `;
  const cursor = document.createElement('code');
  cursor.textContent = event.cursor;
  item.append(time, type, `${event.__typename} `, cursor);
  if ('fiatAmount' in event && event.fiatAmount) item.append(` ${event.fiatAmount} ${event.fiatSymbol ?? ''}`);
  feed.prepend(item);
  while (feed.children.length > FEED_LENGTH) feed.lastElementChild?.remove();
}

async function main(): Promise<void> {
  const { url, wsUrl, filter } = settings();
  const ws = createClient({
    url: wsUrl,
    on: {
      connected: () => setStatus('live', 'live'),
      closed: () => setStatus('connecting', 'reconnecting…'),
    },
  });
  const client = new Client({
    url,
    // urql sends queries with GET: the gateway's CSRF prevention wants a header a cross-site page cannot set
    fetchOptions: { headers: { 'x-graphql-yoga-csrf': '1' } },
    exchanges: [cacheExchange(cacheOptions), subscriptionExchange({ forwardSubscription: forwardTo(ws) }), fetchExchange],
  });

  const latest = await client.query(LatestPricesDocument, { filter }).toPromise();
  if (latest.error) throw latest.error;
  for (const price of latest.data?.prices ?? []) showPrice(price, false);
  client.subscription(LivePricesDocument, { filter }).subscribe(({ data, error }) => {
    if (error) setStatus('error', error.message);
    else if (data) showPrice(data.priceUpdated, true);
  });

  // the newest stored events, then the stream resumed right after the newest one: no gap
  const history = await client.query(NotificationHistoryDocument, { last: 10 }).toPromise();
  if (history.error) throw history.error;
  const edges = history.data?.notificationEvents.edges ?? [];
  for (const edge of edges) showEvent(edge.node);
  const after = edges.at(-1)?.cursor ?? null;
  client.subscription(NotificationStreamDocument, { after }).subscribe(({ data, error }) => {
    if (error) setStatus('error', error.message);
    else if (data) showEvent(data.notificationReceived);
  });
}

main().catch((error: unknown) => setStatus('error', error instanceof Error ? error.message : String(error)));
