/**
 * `npm run soak`: ten minutes (SOAK_SECONDS) of mixed traffic against a gateway process and a
 * simulator process: queries over HTTP, price subscriptions opened and closed all the time, a
 * steady stream of notifications with bursts, upstream faults (429, 503, expired tokens, slow
 * pages, dropped price sockets). Prints the gateway's RSS and heap slopes (least squares over
 * samples of its /metrics) and the event-by-event verdict of a subscriber that resumes with its
 * last cursor whenever it is disconnected. Exits 1 when an event was lost, repeated or reordered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCursor } from '../src/domain/notification.js';
import { seededRandom } from '../src/simulator/catalogue.js';
import { httpQuery, wsClient, type TestSubscription, type TestWsClient } from '../test/helpers/clients.js';
import { spawnGateway } from '../test/helpers/process.js';
import { spawnSimulator } from '../test/helpers/simulator-process.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const SAMPLE_MS = Number(process.env.SOAK_SAMPLE_MS ?? 2000);
const random = seededRandom(Number(process.env.SOAK_SEED ?? 0x50a4));
const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const STREAM = `subscription($after: String) { notificationReceived(after: $after) { ... on Notification { id cursor } } }`;
const PRICES = `subscription($f: PriceFilter) { priceUpdated(filter: $f) { id ask bid mid spread } }`;
const QUERIES = [
  '{ prices { id ask bid mid } }',
  '{ prices(filter: { fiats: ["EUR"] }) { id mid spread change { day { percent } } } }',
  '{ notificationEvents(last: 20) { edges { cursor node { __typename ... on Notification { id type payload } } } } }',
  '{ upstream { healthy } }',
];
const FILTERS = [{}, { assets: ['BTC'] }, { fiats: ['EUR'] }, { types: ['CRYPTO'] }, { pairs: [{ asset: 'ETH', fiat: 'EUR' }] }];

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

function metricOf(text: string, name: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : null;
}

const dir = mkdtempSync(join(tmpdir(), 'gateway-soak-'));
const sim = await spawnSimulator({ SIM_INTERVAL_MS: '500' }, 60_000);
const gateway = await spawnGateway({ ...sim.env, EVENTS_POLL_INTERVAL_MS: '100', DATABASE_PATH: join(dir, 'soak.sqlite'), LOG_LEVEL: 'info' }, 60_000);
const base = gateway.graphqlUrl.replace(/\/graphql$/, '');
const started = performance.now();
const elapsedMin = () => (performance.now() - started) / 60_000;
const counts = { queries: 0, queryErrors: 0, taskFailures: 0, subscriptionsOpened: 0, subscriptionsClosed: 0, priceFrames: 0, faults: 0, resumes: 0 };

// the subscriber whose every event is checked; it resumes with its last cursor when dropped
const delivered: Array<{ id: string; cursor: string }> = [];
const onDelivered = new Set<() => void>();
let follower: { client: TestWsClient; sub: TestSubscription } | null = null;
function follow(): void {
  const client = wsClient(gateway.wsUrl);
  const sub = client.subscribe(STREAM, { after: delivered.at(-1)?.cursor ?? encodeCursor(0) });
  follower = { client, sub };
  void (async () => {
    for (;;) {
      const message = await sub.messages.shift();
      if (message.kind !== 'next') break;
      if (message.result.errors) throw new Error(`soak: expected events, got ${JSON.stringify(message.result.errors)}`);
      delivered.push(message.result.data!.notificationReceived as { id: string; cursor: string });
      for (const wake of onDelivered) wake();
    }
    if (follower?.sub !== sub) return;
    counts.resumes++;
    await client.dispose();
    follow();
  })();
}
follow();

// price subscriptions opened and closed all the time
const churn = new Set<{ client: TestWsClient; sub: TestSubscription }>();
function openOne(): void {
  const client = wsClient(gateway.wsUrl);
  const sub = client.subscribe(PRICES, { f: pick(FILTERS) });
  const entry = { client, sub };
  churn.add(entry);
  counts.subscriptionsOpened++;
  void (async () => {
    for (;;) {
      const message = await sub.messages.shift();
      if (message.kind !== 'next') break;
      counts.priceFrames++;
    }
  })();
}
async function closeOne(): Promise<void> {
  const entry = [...churn][between(0, churn.size - 1)];
  if (!entry) return;
  churn.delete(entry);
  entry.sub.dispose();
  await entry.client.dispose();
  counts.subscriptionsClosed++;
}

const timers: NodeJS.Timeout[] = [];
const every = (ms: number, task: () => Promise<unknown> | unknown) =>
  timers.push(
    setInterval(
      () =>
        void Promise.resolve()
          .then(task)
          .catch((error: unknown) => {
            // counted, and the first few shown: a reset connection under load is traffic, not a verdict
            if (++counts.taskFailures <= 3) console.error('soak task failed:', error instanceof Error ? `${error.message} (${String((error as { cause?: unknown }).cause ?? '')})` : error);
          }),
      ms,
    ),
  );

every(50, async () => {
  const { body } = await httpQuery(gateway.graphqlUrl, pick(QUERIES));
  counts.queries++;
  if (body.errors) counts.queryErrors++;
});
every(200, async () => (churn.size < 40 && random() < 0.6 ? openOne() : closeOne()));
every(1000, () => sim.rest('addEvents', { n: between(0, 3) }));
every(15_000, () => sim.rest('addEvents', { n: between(20, 80) }));
every(7000, async () => {
  counts.faults++;
  const kind = between(0, 4);
  if (kind === 0) return sim.rest('rateLimit', { count: between(1, 3), retryAfterSec: between(0, 1), scope: 'events' });
  if (kind === 1) return sim.rest('maintenance', { count: between(1, 3) });
  if (kind === 2) return sim.rest('expireAllAccessTokens');
  if (kind === 3) return sim.rest('slowResponses', { ms: between(100, 1500), count: between(1, 3), scope: 'events' });
  await fetch(`${sim.url}/__sim/prices/dropAll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
});

const rss: Array<[number, number]> = [];
const heap: Array<[number, number]> = [];
every(SAMPLE_MS, async () => {
  const text = await (await fetch(`${base}/metrics`)).text();
  const r = metricOf(text, 'process_resident_memory_bytes');
  const h = metricOf(text, 'nodejs_heap_size_used_bytes');
  if (r !== null) rss.push([elapsedMin(), r / 2 ** 20]);
  if (h !== null) heap.push([elapsedMin(), h / 2 ** 20]);
});

const progress = setInterval(() => {
  const last = rss.at(-1)?.[1] ?? 0;
  console.log(`${Math.round(elapsedMin() * 60)} s: rss ${last.toFixed(1)} MiB, ${delivered.length} events, ${churn.size} price subscriptions, ${counts.queries} queries`);
}, 30_000);

await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));

// traffic stops; every event must reach the follower
for (const t of timers) clearInterval(t);
clearInterval(progress);
await sim.rest('pauseGeneration', { paused: true });
await sim.rest('resetFaults');
while (churn.size > 0) await closeOne();
const upstream = (await sim.rest<Array<{ id: string }>>('events')).map((e) => e.id);
await new Promise<void>((resolve) => {
  const giveUp = setTimeout(done, 60_000);
  function done(): void {
    clearTimeout(giveUp);
    onDelivered.delete(check);
    resolve();
  }
  function check(): void {
    if (delivered.length >= upstream.length) done();
  }
  onDelivered.add(check);
  check();
});

const ids = delivered.map((e) => e.id);
const seen = new Set<string>();
let duplicates = 0;
for (const id of ids) (seen.has(id) ? duplicates++ : seen.add(id));
const lost = upstream.filter((id) => !seen.has(id)).length;
const position = new Map(upstream.map((id, i) => [id, i]));
let outOfOrder = 0;
for (let i = 1; i < ids.length; i++) if ((position.get(ids[i]!) ?? -1) < (position.get(ids[i - 1]!) ?? -1)) outOfOrder++;

const minutes = elapsedMin();
console.log('');
console.log(`soak: ${(minutes * 60).toFixed(0)} s, seed ${process.env.SOAK_SEED ?? 0x50a4}`);
console.log(`traffic: ${counts.queries} queries (${counts.queryErrors} with errors), ${counts.subscriptionsOpened} price subscriptions opened / ${counts.subscriptionsClosed} closed, ${counts.priceFrames} price frames, ${counts.faults} faults, ${counts.resumes} resumes, ${counts.taskFailures} traffic requests failed`);
// the first fifth is warm-up (code loaded, caches and pools filled); the slopes are over the rest
const steady = <T>(points: T[]): T[] => points.slice(Math.floor(points.length / 5));
const mib = (points: Array<[number, number]>) => `${points[0]?.[1].toFixed(1)} → ${points.at(-1)?.[1].toFixed(1)} MiB`;
console.log(`memory: rss ${mib(rss)}, slope ${slope(steady(rss)).toFixed(3)} MiB/min; heap used ${mib(heap)}, slope ${slope(steady(heap)).toFixed(3)} MiB/min (least squares over ${steady(rss).length} of ${rss.length} samples, after warm-up)`);
console.log(`events: ${upstream.length} upstream, ${ids.length} delivered, ${duplicates} duplicates, ${lost} lost, ${outOfOrder} out of order`);
const ok = duplicates === 0 && lost === 0 && outOfOrder === 0;
console.log(`verdict: ${ok ? 'every event exactly once, in order' : 'FAILED'}`);

follower = null;
await gateway.kill('SIGTERM');
await sim.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
