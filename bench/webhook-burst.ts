/**
 * Webhook accept latency under a burst, against a real gateway process: `BURST` signed webhooks
 * posted at once to `POST /webhooks/bitpanda/<type>`, each timed from its request to its 204
 * (the durable store write included: SQLite in WAL with synchronous=FULL, or Redis with
 * `REDIS_URL`). The baseline, in the same run on the same gateway, is the same number of
 * webhooks posted one after the other: the ratio says what the burst costs each request.
 *
 *   npx tsx bench/webhook-burst.ts
 *   BURST=200 ROUNDS=10 npx tsx bench/webhook-burst.ts
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/webhook-burst.ts
 *
 * The gateway runs as `src/main.ts` does (on the built-in simulator for prices, with
 * `EVENTS_SOURCE=webhook`), as a child process, so client and server do not share an event loop.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from '../src/cluster/redis-scripts.js';
import { seededRandom } from '../src/simulator/catalogue.js';
import { SIMULATED_EVENT_TYPES, makePayload } from '../src/simulator/events-catalogue.js';
import { createWebhookSender } from '../src/simulator/webhook-sender.js';

const BURST = Number(process.env.BURST ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const random = seededRandom(7);
const root = resolve(import.meta.dirname, '..');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const dir = mkdtempSync(join(tmpdir(), 'webhook-burst-'));
const keysFile = join(dir, 'keys.json');
/** the time of each request, from its fetch to its answer */
let timings: number[] = [];
const statuses = new Map<number, number>();
const timedFetch: typeof fetch = async (input, init) => {
  const started = performance.now();
  const res = await fetch(input, init);
  await res.arrayBuffer();
  timings.push(performance.now() - started);
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  return new Response(null, { status: res.status });
};
const sender = createWebhookSender({ maxAttempts: 1, fetch: timedFetch, requestTimeoutMs: 60_000 });
writeFileSync(keysFile, JSON.stringify(sender.jwks));

const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'warn',
  EVENTS_SOURCE: 'webhook',
  BITPANDA_WEBHOOK_KEYS: keysFile,
  DATABASE_PATH: join(dir, 'gateway.sqlite'),
  SIMULATOR_INTERVAL_MS: '600000',
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `bench:webhook-burst:${process.pid}:` } : {}),
};
// the listening line is logged at info: read it, then the gateway runs at warn from the next start on
const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env: { ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] });
const stopChild = (): void => void child.kill('SIGTERM');
process.on('exit', stopChild);

try {
  const base = await new Promise<string>((done, fail) => {
    child.once('exit', (code) => fail(new Error(`the gateway exited (${code}) before listening`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { url?: string; msg?: string };
        if (entry.url && entry.msg?.includes('listening')) done(entry.url.replace(/\/graphql$/, ''));
      } catch {
        // not a log line
      }
    });
  });
  sender.setTarget(`${base}/webhooks/bitpanda`);
  const events = (): Array<{ type: string; payload: unknown }> =>
    Array.from({ length: BURST }, (_, i) => {
      const type = SIMULATED_EVENT_TYPES[i % SIMULATED_EVENT_TYPES.length]!;
      return { type, payload: makePayload(type, { now: Date.now(), random }) };
    });

  // warm-up: connections, JIT, the store's first writes
  await sender.burst(events());
  timings = [];
  const scrape = async (): Promise<Map<string, number>> => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const out = new Map<string, number>();
    for (const m of text.matchAll(/^bitpanda_webhook_accept_duration_seconds_(bucket|sum|count)\{(?:le="([^"]+)",)?outcome="stored"(?:,le="([^"]+)")?\} (\S+)$/gm)) {
      out.set(m[1] === 'bucket' ? `le:${m[2] ?? m[3]}` : m[1]!, Number(m[4]));
    }
    return out;
  };
  /** the server's own accept latency (receiver to 204) between two scrapes: mean, and p50/p99 as bucket bounds */
  const serverSide = (before: Map<string, number>, after: Map<string, number>): string => {
    const d = (k: string): number => (after.get(k) ?? 0) - (before.get(k) ?? 0);
    const count = d('count');
    const bounds = [...after.keys()].filter((k) => k.startsWith('le:')).map((k) => k.slice(3));
    const at = (q: number): string => bounds.find((b) => d(`le:${b}`) >= q * count) ?? '+Inf';
    const ms = (b: string): string => (b === '+Inf' ? '>10 s' : `≤ ${Number(b) * 1000} ms`);
    return `mean ${((d('sum') / count) * 1000).toFixed(1)} ms, p50 ${ms(at(0.5))}, p99 ${ms(at(0.99))}`;
  };
  const sequential: number[] = [];
  const burst: number[] = [];
  const s0 = await scrape();
  for (let round = 0; round < ROUNDS; round++) for (const e of events()) await sender.send(e.type, e.payload);
  sequential.push(...timings);
  const s1 = await scrape();
  timings = [];
  for (let round = 0; round < ROUNDS; round++) await sender.burst(events());
  burst.push(...timings);
  const s2 = await scrape();

  const report = (what: string, values: number[]): { p50: number; p99: number } => {
    values.sort((a, b) => a - b);
    const p50 = percentile(values, 50);
    const p99 = percentile(values, 99);
    const f = (ms: number): string => ms.toFixed(1).padStart(7);
    console.log(`${what.padEnd(34)} p50 ${f(p50)} ms  p99 ${f(p99)} ms  max ${f(values.at(-1)!)} ms  (${values.length} requests)`);
    return { p50, p99 };
  };
  console.log(`${ROUNDS} rounds against a gateway process, store: ${process.env.REDIS_URL ? 'Redis' : 'SQLite (WAL, synchronous=FULL)'}; request to 204`);
  const one = report('one at a time (baseline)', sequential);
  const many = report(`bursts of ${BURST} at once`, burst);
  console.log(`burst / baseline: p50 ×${(many.p50 / one.p50).toFixed(1)}, p99 ×${(many.p99 / one.p99).toFixed(1)}`);
  console.log(`server side, one at a time: ${serverSide(s0, s1)}`);
  console.log(`server side, bursts:        ${serverSide(s1, s2)}`);
  console.log(`answers: ${[...statuses].map(([status, n]) => `${status}×${n}`).join(' ')}`);
} finally {
  sender.stop();
  stopChild();
  await new Promise((done) => (child.exitCode !== null ? done(null) : child.once('exit', done)));
  rmSync(dir, { recursive: true, force: true });
  if (env.REDIS_KEY_PREFIX) {
    const redis = new Redis(process.env.REDIS_URL!);
    await deleteKeysWithPrefix(redis, env.REDIS_KEY_PREFIX);
    redis.disconnect();
  }
}
