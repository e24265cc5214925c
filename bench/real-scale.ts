import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { monoMs } from './child.js';
import { spawnChild, spawnServer, type Child } from './ipc.js';
import { CHANGE_QUERY, PRICE_QUERY, SCALE_SUBSCRIPTIONS, scaleSubscriptionOf, type ClientSpec, type VariantName } from './scenarios.js';
import type { MemorySample } from './server-harness.js';
import { summarize, type VariantResult } from './summary.js';
import { measureIngestion, measureWindow, type RunContext, type Timing } from './variant-run.js';

/**
 * `real-scale`: how many app users one process holds open at Bitpanda's real pace (every pair
 * about every 15 s on `prices-v1`, EUR pairs on `price-changes-v1`), what each costs, and what
 * happens when they all come back at once. For R0 and G1 on the same clients: the ingestion
 * baseline, then the clients connected in steps (1k, 10k, N), each step followed by an idle
 * memory reading and a measured window; for G1 then the reconnect storm (the server killed and
 * restarted with N clients attached, clients retrying with exponential backoff and full jitter).
 */
export interface ScaleSettings {
  /** the largest point, and how it was chosen */
  n: number;
  why: string;
  points: number[];
  loadgens: number;
  /** source addresses the clients are spread over */
  localAddresses: string[];
  windowMs: number;
  warmupMs: number;
  retry: { baseMs: number; capMs: number };
  /** how long the storm may take before it is called failed */
  stormLimitMs: number;
}

export interface ScalePoint {
  variant: VariantName;
  clients: number;
  /** connect + subscribe of this step's new clients: the slowest load generator */
  connectMs: number;
  /** connect + subscribe of every client up to this point (the steps summed) */
  connectTotalMs: number;
  refused: number;
  result: VariantResult;
}

export interface StormResult {
  clients: number;
  /** kill → the restarted process accepted connections (orchestrator's clock) */
  listeningAfterKillMs: number;
  /** the restarted process's own start: process start → listening */
  startupMs: number | null;
  /** kill → the last client subscribed again; null: not all within the limit */
  allBackMs: number | null;
  back: number;
  memorySteadyKB: number;
  memoryAfterKB: number;
  steadyMB: { rss: number; heapExternal: number };
  afterMB: { rss: number; heapExternal: number };
}

export interface ScaleReport {
  settings: ScaleSettings;
  ingestUsPerFrame: Partial<Record<VariantName, number | null>>;
  startupMs: Partial<Record<VariantName, number | null>>;
  points: ScalePoint[];
  storm: StormResult | null;
  /** set when the storm failed to run to the end (for example the restarted server did not start in time) */
  stormError?: string;
  failures: string[];
}

/** Sockets the server needs besides the clients': store, upstream, listeners, stdio, slack. */
const SERVER_FD_RESERVE = 500;

/** The soft and hard RLIMIT_NOFILE of this process (children inherit it); null without /proc. */
export function openFileLimit(): { soft: number; hard: number } | null {
  try {
    const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!line) return null;
    const n = (s: string): number => (s === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(s));
    return { soft: n(line[1]!), hard: n(line[2]!) };
  } catch {
    return null;
  }
}

/** N: BENCH_SCALE_CLIENTS when set, else the largest the open-file limit of one process allows, capped at 100k. */
export function chooseN(override: number | null): { n: number; why: string } {
  const limit = openFileLimit();
  const allowed = limit ? Math.max(1_000, limit.soft - SERVER_FD_RESERVE) : 10_000;
  const said = limit ? `RLIMIT_NOFILE is ${limit.soft} (hard ${limit.hard === Number.MAX_SAFE_INTEGER ? 'unlimited' : limit.hard})` : 'RLIMIT_NOFILE unknown (no /proc)';
  if (override !== null) {
    const n = Math.min(override, allowed);
    return { n, why: n < override ? `BENCH_SCALE_CLIENTS=${override}, but ${said}: one server process holds at most ${allowed} client sockets` : `BENCH_SCALE_CLIENTS=${override}; ${said}` };
  }
  const n = Math.min(100_000, allowed);
  return { n, why: `${said}; the server process keeps ${SERVER_FD_RESERVE} descriptors for itself, so it holds at most ${allowed} client sockets${n < 100_000 ? '' : ' (capped at 100k)'}` };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const specOf = (i: number): ClientSpec => ({ filter: scaleSubscriptionOf(i), designated: false, pause: false });
const memKB = (m: MemorySample): { rss: number; heapExternal: number } => ({ rss: m.rss / 1024, heapExternal: (m.heapUsed + m.external) / 1024 });

interface VariantOutcome {
  points: ScalePoint[];
  storm: StormResult | null;
  /** why the reconnect storm could not be measured (the steady-state points are kept) */
  stormError: string | null;
  startupMs: number | null;
}

/**
 * Ingestion alone (feed on, no client), in a fresh server of its own before any client of the
 * scenario exists: read after a few seconds of feed, so it is of ingestion, not of the start-up
 * and first compilations, and never beside the teardown of another variant's thousands of sockets.
 */
async function measureScaleIngestion(ctx: RunContext, variant: VariantName): Promise<number | null> {
  await ctx.upstream.call('stall', { stalled: true });
  await ctx.upstream.call('mode', { feed: 'recorded' });
  const server = spawnServer(`${variant} server (ingestion)`, variant);
  try {
    await server.call('start', { upstreamUrl: ctx.upstreamUrl, port: await freePort() }, 60_000);
    return await measureIngestion(ctx, server, 5_000);
  } finally {
    await ctx.upstream.call('stall', { stalled: true }).catch(() => undefined);
    await server.stop();
  }
}

async function runScaleVariant(
  ctx: RunContext,
  settings: ScaleSettings,
  variant: VariantName,
  log: (line: string) => void,
  /** the variant's ingestion alone, measured before (for the fan-out column) */
  ingest: number | null,
): Promise<VariantOutcome> {
  const { upstream } = ctx;
  const port = await freePort();
  await upstream.call('stall', { stalled: true });
  await upstream.call('mode', { feed: 'recorded' });
  let server = spawnServer(`${variant} server`, variant);
  const loadgens: Child[] = [];
  const points: ScalePoint[] = [];
  let storm: StormResult | null = null;
  let stormError: string | null = null;
  try {
    const started = await server.call<{ wsUrl: string; listeningAfterMs: number | null }>('start', { upstreamUrl: ctx.upstreamUrl, port }, 60_000);
    await upstream.call('mode', { feed: 'real' });
    const idle0 = await server.call<MemorySample>('mem');
    for (let i = 0; i < settings.loadgens; i++) loadgens.push(spawnChild(`scale loadgen ${i + 1}`, 'loadgen.ts'));
    const perLoadgen = Math.ceil(settings.localAddresses.length / settings.loadgens);
    let connected = 0;
    let connectTotalMs = 0;
    let lastMem = idle0;
    for (const point of settings.points) {
      const specs = Array.from({ length: point - connected }, (_, k) => specOf(connected + k));
      const setups = await Promise.all(
        loadgens.map((lg, i) =>
          lg.call<{ connected: number; failed: number; ms: number; total: number }>(
            'setup',
            {
              url: started.wsUrl,
              queries: SCALE_SUBSCRIPTIONS.map((s) => (s.field === 'priceChanged' ? CHANGE_QUERY : PRICE_QUERY)),
              filters: SCALE_SUBSCRIPTIONS.map((s) => s.filter),
              channels: SCALE_SUBSCRIPTIONS.map((s) => (s.field === 'priceChanged' ? 'price-changes-v1' : 'prices-v1')),
              localAddresses: settings.localAddresses.slice(i * perLoadgen, (i + 1) * perLoadgen),
              retry: settings.retry,
              realPace: true,
              specs: specs.filter((_, k) => k % loadgens.length === i),
              sendTimesPath: ctx.sendTimesPath,
              concurrency: 50,
            },
            300_000,
          ),
        ),
      );
      const connectMs = Math.max(...setups.map((s) => s.ms));
      connectTotalMs += connectMs;
      const refused = setups.reduce((n, s) => n + s.failed, 0);
      connected = point;
      const total = setups.reduce((n, s) => n + s.total, 0);
      await sleep(ctx.timing.settleMs);
      lastMem = await server.call<MemorySample>('mem', undefined, 60_000);
      const window = await measureWindow(ctx, server, loadgens, { warmupMs: settings.warmupMs, windowMs: settings.windowMs, drainMs: ctx.timing.drainMs });
      const result = summarize({
        variant,
        run: `real-scale-${point >= 1000 && point % 1000 === 0 ? `${point / 1000}k` : point}`,
        clients: point,
        setups: [{ connected: total, failed: refused, ms: connectMs }],
        ingestUsPerFrame: ingest,
        idle: [idle0, lastMem],
        ...window,
      });
      points.push({ variant, clients: point, connectMs, connectTotalMs, refused, result });
      log(
        `  real-scale ${variant} at ${point}: connect+subscribe ${(connectMs / 1000).toFixed(1)} s (${refused} refused), ` +
          `${result.memory.idlePerConnectionKB.toFixed(1)} KB/conn, ${result.deliveredPerSec.toFixed(0)} msg/s, ${result.cpuUsPerMsg?.toFixed(1) ?? 'n/a'} µs/msg, ` +
          `p99 ${result.latencyMs.p99?.toFixed(1) ?? 'n/a'} ms, eld p99 ${result.eventLoopDelayMs?.p99.toFixed(1) ?? 'n/a'} ms, drops ${result.delivery.drops}/${result.delivery.expected}`,
      );
    }

    if (variant === 'G1') try {
      await Promise.all(loadgens.map((lg) => lg.call('storm-start')));
      await upstream.call('stall', { stalled: false });
      const killedAt = monoMs();
      await server.kill();
      server = spawnServer(`${variant} server (restarted)`, variant);
      const restarted = await server.call<{ listeningAfterMs: number | null }>('start', { upstreamUrl: ctx.upstreamUrl, port }, 60_000);
      const listeningAfterKillMs = monoMs() - killedAt;
      let back = 0;
      let allBackMs: number | null = null;
      while (monoMs() - killedAt < settings.stormLimitMs + 15_000) {
        const status = await Promise.all(loadgens.map((lg) => lg.call<{ subscribed: number; back: number; lastBackMs: number | null }>('storm-status')));
        back = status.reduce((n, s) => n + s.back, 0);
        if (back >= connected) {
          // lastBackMs counts from storm-start, taken just before the kill
          allBackMs = Math.max(...status.map((s) => s.lastBackMs ?? 0));
          break;
        }
        await sleep(250);
      }
      await Promise.all(loadgens.map((lg) => lg.call('storm-end')));
      await upstream.call('stall', { stalled: true });
      await sleep(ctx.timing.settleMs);
      const after = await server.call<MemorySample>('mem', undefined, 60_000);
      const perConn = (m: MemorySample): number => Math.max(m.rss - idle0.rss, m.heapUsed + m.external - idle0.heapUsed - idle0.external) / connected / 1024;
      storm = {
        clients: connected,
        listeningAfterKillMs,
        startupMs: restarted.listeningAfterMs,
        allBackMs,
        back,
        memorySteadyKB: perConn(lastMem),
        memoryAfterKB: perConn(after),
        steadyMB: { rss: memKB(lastMem).rss / 1024, heapExternal: memKB(lastMem).heapExternal / 1024 },
        afterMB: { rss: memKB(after).rss / 1024, heapExternal: memKB(after).heapExternal / 1024 },
      };
      log(
        `  real-scale G1 reconnect storm: ${back}/${connected} back ${allBackMs === null ? 'NOT all' : `in ${(allBackMs / 1000).toFixed(1)} s`}; ` +
          `restarted process listening ${(listeningAfterKillMs / 1000).toFixed(1)} s after the kill (its own start-up ${((restarted.listeningAfterMs ?? NaN) / 1000).toFixed(1)} s); ` +
          `memory ${storm.memorySteadyKB.toFixed(1)} → ${storm.memoryAfterKB.toFixed(1)} KB/conn`,
      );
    } catch (error) {
      stormError = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      log(`  real-scale G1 reconnect storm: FAILED: ${stormError}`);
    }
    return { points, storm, stormError, startupMs: started.listeningAfterMs };
  } finally {
    await upstream.call('stall', { stalled: true }).catch(() => undefined);
    await Promise.all([...loadgens.map((lg) => lg.stop()), server.stop()]);
    await upstream.call('mode', { feed: 'recorded' }).catch(() => undefined);
  }
}

export async function runRealScale(
  ctx: RunContext,
  settings: ScaleSettings,
  variants: VariantName[],
  log: (line: string) => void,
  /** awaited before each server of the scenario starts (the orchestrator waits for a quiet machine) */
  beforeVariant?: () => Promise<unknown>,
): Promise<ScaleReport> {
  const report: ScaleReport = { settings, ingestUsPerFrame: {}, startupMs: {}, points: [], storm: null, failures: [] };
  log(`real-scale: N = ${settings.n} (${settings.why}); points ${settings.points.join(', ')}; ${settings.loadgens} load generators over ${settings.localAddresses.join(', ')}`);
  const measured = variants.filter((v) => v !== 'G0');
  for (const variant of measured) {
    await beforeVariant?.();
    try {
      report.ingestUsPerFrame[variant] = await measureScaleIngestion(ctx, variant);
      log(`  real-scale ${variant} ingestion alone: ${report.ingestUsPerFrame[variant]?.toFixed(1) ?? 'n/a'} µs per upstream frame`);
    } catch (error) {
      report.ingestUsPerFrame[variant] = null;
      log(`  real-scale ${variant} ingestion alone: FAILED: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
    }
  }
  for (const variant of measured) {
    await beforeVariant?.();
    try {
      const outcome = await runScaleVariant(ctx, settings, variant, log, report.ingestUsPerFrame[variant] ?? null);
      report.points.push(...outcome.points);
      report.startupMs[variant] = outcome.startupMs;
      if (outcome.storm) report.storm = outcome.storm;
      if (outcome.stormError) {
        report.stormError = outcome.stormError;
        report.failures.push(`${variant} reconnect storm: ${outcome.stormError}`);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      report.failures.push(`${variant}: ${message}`);
      log(`  real-scale ${variant}: FAILED: ${message.split('\n')[0]}`);
    }
  }
  return report;
}
