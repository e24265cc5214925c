import { setTimeout as sleep } from 'node:timers/promises';
import { monoMs } from './child.js';
import { spawnChild, spawnServer, type Child } from './ipc.js';
import type { Collected } from './loadgen.js';
import { machineBusyUs, procCpuUs, sampleRss } from './proc.js';
import { PRICE_QUERY, type RunSpec, type VariantName } from './scenarios.js';
import type { MemorySample, ServerWindow } from './server-harness.js';
import { summarize, type LoadgenWindow, type RawRun, type UpstreamMark, type VariantResult } from './summary.js';

export interface Timing {
  /** feed on, no clients: the server's CPU per upstream frame for ingestion alone (0: skipped) */
  baselineMs: number;
  /** after the clients have subscribed, before the idle memory reading */
  settleMs: number;
  /** feed on, before the window */
  warmupMs: number;
  windowMs: number;
  /** after the window, for late messages of the window's frames */
  drainMs: number;
}

export interface RunContext {
  upstream: Child;
  upstreamUrl: string;
  sendTimesPath: string;
  loadgens: number;
  timing: Timing;
}

/** A server that does not answer within this long is starved; its in-process figures are n/a. */
const SERVER_ANSWER_MS = 20_000;

export type WindowReadings = Pick<RawRun, 'u0' | 'u1' | 'serverCpu' | 'machineBusyUs' | 'orchestratorCpuUs' | 'serverWindow' | 'rssSamples' | 'loadgenWindows' | 'collected'>;

/**
 * The feed on: warm-up, the measured window (server CPU and RSS from /proc at its edges,
 * event-loop delay and executions from the server, messages from the load generators), a drain
 * for late messages, then the feed stalls again.
 */
export async function measureWindow(ctx: Pick<RunContext, 'upstream'>, server: Child, loadgens: Child[], timing: Pick<Timing, 'warmupMs' | 'windowMs' | 'drainMs'>): Promise<WindowReadings> {
  const { upstream } = ctx;
  await upstream.call('stall', { stalled: false });
  await sleep(timing.warmupMs);
  const serverStarted = server.call('window-start', undefined, SERVER_ANSWER_MS).then(
    () => true,
    () => false,
  );
  await Promise.all(loadgens.map((lg) => lg.call('window-start')));
  const cpu0 = procCpuUs(server.pid);
  const busy0 = machineBusyUs();
  const self0 = process.cpuUsage();
  const t0 = monoMs();
  const rss = sampleRss(server.pid);
  const u0 = await upstream.call<UpstreamMark>('seq');
  await sleep(timing.windowMs);
  const u1 = await upstream.call<UpstreamMark>('seq');
  const cpu1 = procCpuUs(server.pid);
  const busy1 = machineBusyUs();
  const self = process.cpuUsage(self0);
  const t1 = monoMs();
  const rssSamples = rss.stop();
  const loadgenWindows = await Promise.all(loadgens.map((lg) => lg.call<LoadgenWindow>('window-end')));
  const serverWindow = (await serverStarted)
    ? await server.call<ServerWindow>('window-end', undefined, SERVER_ANSWER_MS).catch(() => null)
    : null;
  await sleep(timing.drainMs);
  const collected = await Promise.all(loadgens.map((lg) => lg.call<Collected>('collect', { s0: u0.seq, s1: u1.seq }, 120_000)));
  await upstream.call('stall', { stalled: true });

  // without /proc, fall back to the server's own accounting
  const serverCpu =
    cpu0 !== null && cpu1 !== null
      ? { us: cpu1 - cpu0, ms: t1 - t0 }
      : serverWindow
        ? { us: serverWindow.cpuUs, ms: serverWindow.ms }
        : { us: Number.NaN, ms: t1 - t0 };
  return {
    u0,
    u1,
    serverCpu,
    machineBusyUs: busy0 === null || busy1 === null ? null : busy1 - busy0,
    orchestratorCpuUs: self.user + self.system,
    serverWindow,
    rssSamples,
    loadgenWindows,
    collected,
  };
}

/** Server CPU per upstream frame with the feed on and no client connected; null when skipped. */
export async function measureIngestion(ctx: Pick<RunContext, 'upstream' | 'timing'>, server: Child, warmupMs = 1_000): Promise<number | null> {
  if (ctx.timing.baselineMs <= 0) return null;
  await ctx.upstream.call('stall', { stalled: false });
  await sleep(warmupMs);
  const cpu0 = procCpuUs(server.pid);
  const u0 = await ctx.upstream.call<UpstreamMark>('seq');
  await sleep(ctx.timing.baselineMs);
  const u1 = await ctx.upstream.call<UpstreamMark>('seq');
  const cpu1 = procCpuUs(server.pid);
  await ctx.upstream.call('stall', { stalled: true });
  return cpu0 === null || cpu1 === null || u1.seq === u0.seq ? null : (cpu1 - cpu0) / (u1.seq - u0.seq);
}

/**
 * One variant on one run: ingestion CPU with no clients, idle memory with every client
 * subscribed and the feed stalled, warm-up with the feed on, the measured window, and a drain
 * for late messages. Server CPU and RSS come from /proc at the window's edges; event-loop delay
 * and executions from the server itself. Every child is stopped before it returns.
 */
export async function runVariant(ctx: RunContext, run: RunSpec, variant: VariantName): Promise<VariantResult> {
  const { upstream, timing } = ctx;
  await upstream.call('stall', { stalled: true });
  const server = spawnServer(`${variant} server`, variant);
  const loadgens: Child[] = [];
  try {
    const { wsUrl } = await server.call<{ wsUrl: string }>('start', { upstreamUrl: ctx.upstreamUrl }, 60_000);
    const ingestUsPerFrame = await measureIngestion(ctx, server);
    const idle0 = await server.call<MemorySample>('mem');

    for (let i = 0; i < ctx.loadgens; i++) loadgens.push(spawnChild(`loadgen ${i + 1}`, 'loadgen.ts'));
    const setups = await Promise.all(
      loadgens.map((lg, i) =>
        lg.call<{ connected: number; failed: number; ms: number }>(
          'setup',
          {
            url: wsUrl,
            query: PRICE_QUERY,
            filters: run.filters,
            specs: run.specs.filter((_, k) => k % ctx.loadgens === i),
            sendTimesPath: ctx.sendTimesPath,
            concurrency: 50,
          },
          240_000,
        ),
      ),
    );
    await sleep(timing.settleMs);
    const idle1 = await server.call<MemorySample>('mem', undefined, 60_000);

    const window = await measureWindow(ctx, server, loadgens, timing);
    // without /proc, fall back to the server's own accounting
    return summarize({ variant, run: run.name, clients: run.clients, setups, ingestUsPerFrame, idle: [idle0, idle1], ...window });
  } finally {
    await upstream.call('stall', { stalled: true }).catch(() => undefined);
    await Promise.all([...loadgens.map((lg) => lg.stop()), server.stop()]);
  }
}
