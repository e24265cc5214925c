import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { collectGarbage, monoMs, serveCommands } from './child.js';

/** What a server variant exposes to the harness. */
export interface VariantServer {
  /** where the load generators connect */
  wsUrl: string;
  /** executions (documents executed, or frames prepared) and upstream frames so far; null: not exposed */
  counters(): Promise<Counters> | Counters;
  stop(): Promise<void>;
  /** ms from the start of this process until the server accepted connections, when known */
  listeningAfterMs?: number;
}

export interface Counters {
  executions: number | null;
  frames: number | null;
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
}

export interface ServerWindow {
  ms: number;
  /** user + system CPU of this process over the window */
  cpuUs: number;
  cpuSystemUs: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  executions: number | null;
  frames: number | null;
}

/** The sampling timer's period; the histogram holds whole periods, so it is subtracted. */
const ELD_RESOLUTION_MS = 10;
const delayMs = (ns: number): number => Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS);

const diff = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : b - a);

/**
 * Runs a server variant as a bench child: `start` builds it against the bench upstream; the
 * window commands account this process's own CPU (process.cpuUsage, a cross-check of the
 * orchestrator's /proc reading), event-loop delay (monitorEventLoopDelay at 10 ms, less the
 * 10 ms period itself) and executions between warm-up and the end of the window.
 */
export function serveVariant(start: (upstreamUrl: string, port: number) => Promise<VariantServer>): void {
  let server: VariantServer | null = null;
  let window: { t0: number; cpu: NodeJS.CpuUsage; eld: IntervalHistogram; counters: Counters } | null = null;

  serveCommands({
    async start(args: { upstreamUrl: string; port?: number }) {
      server = await start(args.upstreamUrl, args.port ?? 0);
      return { wsUrl: server.wsUrl, pid: process.pid, listeningAfterMs: server.listeningAfterMs ?? null, readyAfterMs: process.uptime() * 1000 };
    },
    async mem(): Promise<MemorySample> {
      await collectGarbage();
      const m = process.memoryUsage();
      return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
    },
    async 'window-start'() {
      const counters = await server!.counters();
      const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
      eld.enable();
      window = { t0: monoMs(), cpu: process.cpuUsage(), eld, counters };
    },
    async 'window-end'(): Promise<ServerWindow> {
      const w = window!;
      const cpu = process.cpuUsage(w.cpu);
      const ms = monoMs() - w.t0;
      w.eld.disable();
      const counters = await server!.counters();
      window = null;
      return {
        ms,
        cpuUs: cpu.user + cpu.system,
        cpuSystemUs: cpu.system,
        eventLoopDelayMs: { p50: delayMs(w.eld.percentile(50)), p99: delayMs(w.eld.percentile(99)), max: delayMs(w.eld.max) },
        executions: diff(w.counters.executions, counters.executions),
        frames: diff(w.counters.frames, counters.frames),
      };
    },
    async stop() {
      setTimeout(() => process.exit(0), 3_000).unref();
      await server?.stop().catch(() => undefined);
      setTimeout(() => process.exit(0), 20);
    },
  });
}
