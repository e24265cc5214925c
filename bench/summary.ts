import { createHistogram, merge, percentile } from './histogram.js';
import type { Checks, Collected } from './loadgen.js';
import type { VariantName } from './scenarios.js';
import type { MemorySample, ServerWindow } from './server-harness.js';

/** What one variant did on one run: every figure of the table and the JSON. */
export interface VariantResult {
  variant: VariantName;
  run: string;
  clients: number;
  connected: number;
  connectMs: number;
  deliveredPerSec: number;
  /** server CPU (kernel accounting) per delivered message */
  cpuUsPerMsg: number | null;
  /** the same from process.cpuUsage() inside the server; null when it did not answer in time */
  inProcessCpuUsPerMsg: number | null;
  /** CPU per message less the ingestion CPU measured with no clients (an estimate of fan-out alone) */
  fanoutUsPerMsg: number | null;
  /** server CPU per upstream frame with no clients */
  ingestUsPerFrame: number | null;
  serverCpuPct: number;
  latencyMs: { p50: number | null; p99: number | null; max: number; samples: number; negative: number };
  /** null: the server's event loop did not answer within the window's timeout */
  eventLoopDelayMs: ServerWindow['eventLoopDelayMs'] | null;
  memory: {
    /** the larger of the RSS and the heap + external deltas per connection */
    idlePerConnectionKB: number;
    idleRssPerConnectionKB: number;
    idleHeapPerConnectionKB: number;
    idleRssMB: number;
    windowRssMB: { start: number; mid: number; end: number; max: number };
    /** RSS growth over the second half of the window */
    lastHalfGrowthMB: number;
  };
  executionsPerEvent: number | null;
  upstream: { frames: number; ratePerSec: number; cpuPct: number; slips: number };
  /** healthy clients: frames of the window expected vs received by the end of the drain */
  delivery: { expected: number; received: number; drops: number; dropPct: number };
  /** clients on the slow filter (paused in the paused run) */
  designated: { expected: number; received: number };
  checks: Checks;
  loadgenCpuPct: number[];
  loadgenSaturated: boolean;
  /** CPU the machine spent on work other than the bench's processes during the window, % of one core */
  otherCpuPct: number | null;
}

export interface UpstreamMark {
  seq: number;
  at: number;
  cpuUs: number;
  slips: number;
}

export interface LoadgenWindow {
  messages: number;
  ms: number;
  cpuUs: number;
}

/** What the orchestrator gathered for one variant run. */
export interface RawRun {
  variant: VariantName;
  run: string;
  clients: number;
  setups: Array<{ connected: number; failed: number; ms: number }>;
  ingestUsPerFrame: number | null;
  idle: [MemorySample, MemorySample];
  u0: UpstreamMark;
  u1: UpstreamMark;
  /** /proc CPU of the server at the window edges, and the orchestrator's clock then */
  serverCpu: { us: number; ms: number };
  /** every core's busy time over the window, and the orchestrator's own CPU */
  machineBusyUs: number | null;
  orchestratorCpuUs: number;
  serverWindow: ServerWindow | null;
  rssSamples: number[];
  loadgenWindows: LoadgenWindow[];
  collected: Collected[];
}

const MB = 1024 * 1024;

function mergeChecks(all: Checks[]): Checks {
  const sum = (pick: (c: Checks) => number): number => all.reduce((n, c) => n + pick(c), 0);
  return {
    wrongPair: sum((c) => c.wrongPair),
    notSelected: sum((c) => c.notSelected),
    outOfOrder: sum((c) => c.outOfOrder),
    unreadable: sum((c) => c.unreadable),
    errors: sum((c) => c.errors),
    completes: sum((c) => c.completes),
    closed: { healthy: sum((c) => c.closed.healthy), designated: sum((c) => c.closed.designated) },
    firstError: all.find((c) => c.firstError !== null)?.firstError ?? null,
  };
}

export function summarize(raw: RawRun): VariantResult {
  const { u0, u1, serverWindow: sw, collected, loadgenWindows } = raw;
  const connected = raw.setups.reduce((n, s) => n + s.connected, 0);
  const latency = collected.reduce((h, c) => merge(h, c.latency), createHistogram());
  const messages = loadgenWindows.reduce((n, w) => n + w.messages, 0);
  const lgMs = loadgenWindows.reduce((n, w) => n + w.ms, 0) / loadgenWindows.length;
  const deliveredPerSec = messages / (lgMs / 1000);
  const serverCpuPerSec = raw.serverCpu.us / (raw.serverCpu.ms / 1000);
  const upMs = u1.at - u0.at;
  const upstreamRate = (u1.seq - u0.seq) / (upMs / 1000);
  const perConnection = (bytes: number): number => bytes / Math.max(1, connected) / 1024;
  const [idle0, idle1] = raw.idle;
  const idleRss = perConnection(idle1.rss - idle0.rss);
  const idleHeap = perConnection(idle1.heapUsed - idle0.heapUsed + idle1.external - idle0.external);
  const rss = raw.rssSamples.length > 0 ? raw.rssSamples : [0];
  const mid = rss[Math.floor(rss.length / 2)]!;
  const expected = collected.reduce((n, c) => n + c.expected.healthy, 0);
  const received = collected.reduce((n, c) => n + c.received.healthy, 0);
  const loadgenCpuPct = loadgenWindows.map((w) => (100 * w.cpuUs) / (w.ms * 1000));
  const ours = raw.serverCpu.us + raw.orchestratorCpuUs + (u1.cpuUs - u0.cpuUs) + loadgenWindows.reduce((n, w) => n + w.cpuUs, 0);
  const otherCpuPct = raw.machineBusyUs === null ? null : Math.max(0, (100 * (raw.machineBusyUs - ours)) / (raw.serverCpu.ms * 1000));
  const perMessage = (cpuPerSec: number): number | null => (deliveredPerSec > 0 ? cpuPerSec / deliveredPerSec : null);
  return {
    variant: raw.variant,
    run: raw.run,
    clients: raw.clients,
    connected,
    connectMs: Math.max(...raw.setups.map((s) => s.ms)),
    deliveredPerSec,
    cpuUsPerMsg: perMessage(serverCpuPerSec),
    inProcessCpuUsPerMsg: sw ? perMessage(sw.cpuUs / (sw.ms / 1000)) : null,
    fanoutUsPerMsg: raw.ingestUsPerFrame === null ? null : perMessage(serverCpuPerSec - raw.ingestUsPerFrame * upstreamRate),
    ingestUsPerFrame: raw.ingestUsPerFrame,
    serverCpuPct: serverCpuPerSec / 10_000,
    latencyMs: { p50: percentile(latency, 0.5), p99: percentile(latency, 0.99), max: latency.max, samples: latency.count, negative: latency.negative },
    eventLoopDelayMs: sw?.eventLoopDelayMs ?? null,
    memory: {
      idlePerConnectionKB: Math.max(idleRss, idleHeap),
      idleRssPerConnectionKB: idleRss,
      idleHeapPerConnectionKB: idleHeap,
      idleRssMB: idle1.rss / MB,
      windowRssMB: { start: rss[0]! / MB, mid: mid / MB, end: rss[rss.length - 1]! / MB, max: Math.max(...rss) / MB },
      lastHalfGrowthMB: (rss[rss.length - 1]! - mid) / MB,
    },
    executionsPerEvent: sw && sw.executions !== null && sw.frames ? sw.executions / sw.frames : null,
    upstream: {
      frames: u1.seq - u0.seq,
      ratePerSec: upstreamRate,
      cpuPct: (100 * (u1.cpuUs - u0.cpuUs)) / (upMs * 1000),
      slips: u1.slips - u0.slips,
    },
    delivery: { expected, received, drops: expected - received, dropPct: expected > 0 ? (100 * (expected - received)) / expected : 0 },
    designated: {
      expected: collected.reduce((n, c) => n + c.expected.designated, 0),
      received: collected.reduce((n, c) => n + c.received.designated, 0),
    },
    checks: mergeChecks(collected.map((c) => c.checks)),
    loadgenCpuPct,
    loadgenSaturated: loadgenCpuPct.some((p) => p > 90),
    otherCpuPct,
  };
}
