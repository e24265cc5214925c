import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { compilePriceFilter, matchesPriceFilter, priceMid, priceSpread, toPrice, toPriceChange, type CompiledPriceFilter, type Price, type PriceChange, type PriceFilter } from '../src/domain/price.js';
import { createPriceSocket } from '../src/upstream/price-socket.js';
import { serveVariant } from './server-harness.js';

/**
 * R0, the floor: a raw `ws` server on the same upstream client and domain code as the gateway.
 * It speaks the smallest part of graphql-transport-ws the load generator needs (connection_init
 * → connection_ack, subscribe with `variables.filter`), groups subscribers by (operation id,
 * filter), and per upstream event builds one frame per matching group, as a Buffer, and hands
 * that same Buffer to every socket of the group.
 */
interface Group {
  id: string;
  field: 'priceUpdated' | 'priceChanged';
  filter: CompiledPriceFilter;
  sockets: Set<WebSocket>;
}

function nextFrame(id: string, price: Price): Buffer {
  const { type, asset, fiat, ask, bid } = price;
  const mid = priceMid(price);
  const spread = priceSpread(price);
  const time = new Date(price.time * 1000).toISOString();
  const priceUpdated = { id: price.id, type, asset, fiat, ask, bid, mid, spread, time };
  return Buffer.from(JSON.stringify({ id, type: 'next', payload: { data: { priceUpdated } } }));
}

/** The fields of CHANGE_QUERY (scenarios.ts), in its order. */
function changeFrame(id: string, change: PriceChange): Buffer {
  const { type, asset, fiat, day, monthlyVolatility } = change;
  const priceChanged = { id: change.id, type, asset, fiat, day: { percent: day.percent, value: day.value }, monthlyVolatility };
  return Buffer.from(JSON.stringify({ id, type: 'next', payload: { data: { priceChanged } } }));
}

serveVariant(async (upstreamUrl, port) => {
  const groups = new Map<string, Group>();
  let prepared = 0;
  let frames = 0;

  const priceSocket = createPriceSocket({
    url: upstreamUrl,
    channels: ['prices-v1', 'price-changes-v1'],
    onChange: (frame, receivedAt) => {
      frames++;
      const change = toPriceChange(frame, receivedAt);
      for (const group of groups.values()) {
        if (group.field !== 'priceChanged' || !matchesPriceFilter(group.filter, change)) continue;
        const data = changeFrame(group.id, change);
        prepared++;
        for (const ws of group.sockets) ws.send(data, { binary: false });
      }
    },
    onPrice: (frame, receivedAt) => {
      frames++;
      const price = toPrice(frame, receivedAt);
      for (const group of groups.values()) {
        if (group.field !== 'priceUpdated' || !matchesPriceFilter(group.filter, price)) continue;
        const data = nextFrame(group.id, price);
        prepared++;
        for (const ws of group.sockets) ws.send(data, { binary: false });
      }
    },
  });

  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  wss.on('connection', (ws: WebSocket) => {
    const joined: Group[] = [];
    ws.on('message', (data: RawData) => {
      const message = JSON.parse(data.toString()) as { type?: string; id?: string; payload?: { query?: string; variables?: { filter?: PriceFilter } } };
      if (message.type === 'connection_init') return void ws.send('{"type":"connection_ack"}');
      if (message.type === 'ping') return void ws.send('{"type":"pong"}');
      if (message.type !== 'subscribe' || typeof message.id !== 'string') return;
      const filter = message.payload?.variables?.filter ?? null;
      const field = message.payload?.query?.includes('priceChanged') ? 'priceChanged' : 'priceUpdated';
      const key = `${field}\n${message.id}\n${JSON.stringify(filter)}`;
      let group = groups.get(key);
      if (!group) {
        group = { id: message.id, field, filter: compilePriceFilter(filter), sockets: new Set() };
        groups.set(key, group);
      }
      group.sockets.add(ws);
      joined.push(group);
    });
    ws.on('close', () => {
      for (const group of joined) group.sockets.delete(ws);
    });
    ws.on('error', () => undefined);
  });

  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  priceSocket.start();
  await priceSocket.ready({ timeoutMs: 15_000 });
  return {
    wsUrl: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`,
    counters: () => ({ executions: prepared, frames }),
    async stop() {
      for (const ws of wss.clients) ws.terminate();
      await priceSocket.stop();
      http.close();
    },
  };
});
