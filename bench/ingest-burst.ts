/**
 * Ingest latency under a burst of webhooks: `BURST` notifications pushed at once through
 * `createIngest`, from the call to the moment each is durably stored, on the embedded store
 * (a file with synchronous=FULL) and, when `REDIS_URL` is set, on Redis. The same with
 * `maxPushBatch: 1` shows what storing a burst in a few writes saves.
 *
 *   npx tsx bench/ingest-burst.ts
 *   REDIS_URL=redis://127.0.0.1:6379 BURST=200 ROUNDS=20 npx tsx bench/ingest-burst.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { createBus } from '../src/bus/bus.js';
import { openRedisStore } from '../src/cluster/redis-store.js';
import { deleteKeysWithPrefix } from '../src/cluster/redis-scripts.js';
import { createIngest } from '../src/ingest/ingest.js';
import { seededRandom } from '../src/simulator/catalogue.js';
import { SIMULATED_EVENT_TYPES, makePayload } from '../src/simulator/events-catalogue.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { EventLog } from '../src/store/types.js';

const BURST = Number(process.env.BURST ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 20);
const random = seededRandom(1);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function burst(log: EventLog, maxPushBatch: number): Promise<string> {
  const ingest = createIngest({ log, bus: createBus(), maxPushBatch });
  const latencies: number[] = [];
  let writes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const pushes = Array.from({ length: BURST }, (_, i) => {
      const type = SIMULATED_EVENT_TYPES[i % SIMULATED_EVENT_TYPES.length]!;
      return { type, text: JSON.stringify(makePayload(type, { now: Date.now(), random })) };
    });
    const started = performance.now();
    await Promise.all(
      pushes.map(({ type, text }) => ingest.ingestPushed(type, text).then(() => latencies.push(performance.now() - started))),
    );
    writes += Math.ceil(BURST / maxPushBatch);
  }
  latencies.sort((a, b) => a - b);
  const f = (ms: number) => ms.toFixed(1).padStart(7);
  return `p50 ${f(percentile(latencies, 50))} ms  p99 ${f(percentile(latencies, 99))} ms  max ${f(latencies.at(-1)!)} ms  (${writes} writes at most)`;
}

const dir = mkdtempSync(join(tmpdir(), 'ingest-burst-'));
try {
  console.log(`${ROUNDS} bursts of ${BURST} pushes, latency from the call to durably stored`);
  for (const batch of [500, 1]) {
    const store = openSqliteStore({ path: join(dir, `b${batch}.sqlite`) });
    console.log(`sqlite (FULL)  maxPushBatch ${String(batch).padEnd(3)}  ${await burst(store.events, batch)}`);
    await store.close();
  }
  if (process.env.REDIS_URL) {
    const redis = new Redis(process.env.REDIS_URL);
    for (const batch of [500, 1]) {
      const prefix = `bench:ingest-burst:${process.pid}:${batch}:`;
      const store = await openRedisStore({ redis, prefix });
      console.log(`redis          maxPushBatch ${String(batch).padEnd(3)}  ${await burst(store.events, batch)}`);
      await store.close();
      await deleteKeysWithPrefix(redis, prefix);
    }
    redis.disconnect();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
