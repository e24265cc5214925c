/**
 * How long the gateway takes to refuse abusive documents, against a small valid query in the
 * same run, and what 20,000 subscribe/complete cycles leave on the heap.
 * Run: node --expose-gc --import tsx bench/abuse.ts
 */
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { createGateway } from '../src/gateway.js';
import { silentLogger } from '../src/logger.js';

const config = { ...loadConfig({}), port: 0, host: '127.0.0.1', databasePath: ':memory:', simulatorIntervalMs: 600_000 };
const gateway = createGateway({ config, logger: silentLogger });
const server = await gateway.start();
const aliases = (n: number, selection: string) => Array.from({ length: n }, (_, i) => `a${i}: ${selection}`).join(' ');
const cases: Array<[string, string]> = [
  ['baseline { price(BTC/EUR) { id } }', '{ price(asset: "BTC", fiat: "EUR") { id } }'],
  ['alias bomb (100 aliases of prices)', `{ ${aliases(100, 'prices { id ask bid mid spread time }')} }`],
  ['depth bomb (40 levels)', `{ __type(name: "Price") { ${'ofType { '.repeat(40)}name${' }'.repeat(40)} } }`],
  ['2 MB document', `{ prices { id } } # ${'x'.repeat(2 * 1024 * 1024)}`],
  ['10k-token document', `{ prices { ${'id '.repeat(10_000)} } }`],
];
const post = async (query: string) => {
  const t = performance.now();
  const r = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: JSON.stringify({ query }) });
  await r.arrayBuffer();
  return { ms: performance.now() - t, status: r.status };
};
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, query] of cases) {
  await post(query);
  const runs = [];
  for (let i = 0; i < 30; i++) runs.push(await post(query));
  console.log(`${name}: HTTP ${runs[0]!.status}, median ${median(runs.map((r) => r.ms)).toFixed(2)} ms`);
}

const mb = (n: number) => (n / 1_048_576).toFixed(1);
const ws = new WebSocket(server.wsUrl, 'graphql-transport-ws');
await new Promise((r) => ws.once('open', r));
const waitFor = (text: string) => new Promise<void>((resolve) => {
  const on = (data: unknown) => {
    if (String(data) === text) {
      ws.off('message', on);
      resolve();
    }
  };
  ws.on('message', on);
});
const acked = waitFor('{"type":"connection_ack"}');
ws.send(JSON.stringify({ type: 'connection_init' }));
await acked;
const query = 'subscription($a: String!) { priceUpdated(filter: { assets: [$a] }) { id } }';
const cycle = async (round: number) => {
  for (let i = 0; i < 100; i++) ws.send(JSON.stringify({ id: `r${i}`, type: 'subscribe', payload: { query, variables: { a: `A${round}-${i}` } } }));
  for (let i = 0; i < 100; i++) ws.send(JSON.stringify({ id: `r${i}`, type: 'complete' }));
  const pong = waitFor(`{"type":"pong","payload":{"round":${round}}}`);
  ws.send(JSON.stringify({ type: 'ping', payload: { round } }));
  await pong;
};
for (let r = 0; r < 20; r++) await cycle(r);
global.gc?.();
const before = process.memoryUsage();
for (let r = 0; r < 200; r++) await cycle(1000 + r);
await new Promise((r) => setTimeout(r, 200));
global.gc?.();
const after = process.memoryUsage();
console.log(`20,000 subscribe/complete cycles: heap ${mb(before.heapUsed)} → ${mb(after.heapUsed)} MiB, RSS ${mb(before.rss)} → ${mb(after.rss)} MiB${global.gc ? '' : ' (run with --expose-gc for settled figures)'}`);
ws.close();
await gateway.stop();
