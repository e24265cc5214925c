/**
 * Ingestion alone, in isolation: each server variant on the bench upstream at 1,000 frames/s
 * with no client, its CPU per upstream frame (user and system) after a warm-up, and how often
 * its main thread was woken; variants alternated. `BARE` (server-bare.ts) is a `ws` client that
 * only counts the frames: the least any process spends on the feed.
 *
 *   npx tsx bench/ingest-probe.ts                 # R0 and G1, 5 s warm-up, 10 s window, 2 rounds
 *   PROBE_VARIANTS=BARE,R0,G1 PROBE_ROUNDS=3 npx tsx bench/ingest-probe.ts
 *   PROBE_VARIANTS=G1 PROBE_WINDOW_MS=20000 BENCH_CPU_PROF_DIR=/tmp/prof npx tsx bench/ingest-probe.ts
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnChild } from './ipc.js';
import { machineBusyUs } from './proc.js';
import type { UpstreamMark } from './summary.js';

const variants = (process.env.PROBE_VARIANTS ?? 'R0,G1').split(',');
const warmupMs = Number(process.env.PROBE_WARMUP_MS ?? 5_000);
const windowMs = Number(process.env.PROBE_WINDOW_MS ?? 10_000);
const rounds = Number(process.env.PROBE_ROUNDS ?? 2);
const rate = Number(process.env.BENCH_RATE ?? 1_000);
const TICKS = 100;

function cpu(pid: number): { user: number; system: number; switches: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // wake-ups of the main thread: each time it blocked in epoll and was woken
  const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
  const switches = Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { user: (Number(fields[11]) * 1e6) / TICKS, system: (Number(fields[12]) * 1e6) / TICKS, switches };
}

const sendTimesPath = join(tmpdir(), `ingest-probe-${process.pid}.f64`);
const upstream = spawnChild('upstream', 'upstream.ts');
try {
  const { url } = await upstream.call<{ url: string }>('start', { rate, sendTimesPath });
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      await upstream.call('stall', { stalled: true });
      const server = spawnChild(`${variant} server`, `server-${variant.toLowerCase()}.ts`);
      try {
        await server.call('start', { upstreamUrl: url }, 60_000);
        await upstream.call('stall', { stalled: false });
        await sleep(warmupMs);
        const c0 = cpu(server.pid);
        const b0 = machineBusyUs();
        const u0 = await upstream.call<UpstreamMark>('seq');
        await sleep(windowMs);
        const u1 = await upstream.call<UpstreamMark>('seq');
        const c1 = cpu(server.pid);
        const b1 = machineBusyUs();
        const frames = u1.seq - u0.seq;
        const user = (c1.user - c0.user) / frames;
        const system = (c1.system - c0.system) / frames;
        const upstreamUs = (u1.cpuUs - u0.cpuUs) / frames;
        const wakeups = (c1.switches - c0.switches) / (windowMs / 1000);
        const other = b0 !== null && b1 !== null ? ((b1 - b0) / windowMs / 10).toFixed(0) : 'n/a';
        console.log(`${variant}: ${(user + system).toFixed(1)} µs/frame (user ${user.toFixed(1)}, system ${system.toFixed(1)}); ${frames} frames; ${wakeups.toFixed(0)} wake-ups/s; upstream ${upstreamUs.toFixed(1)} µs/frame; machine busy ${other}% of a core`);
      } finally {
        await upstream.call('stall', { stalled: true }).catch(() => undefined);
        await server.stop();
      }
    }
  }
} finally {
  await upstream.stop();
  rmSync(sendTimesPath, { force: true });
}
