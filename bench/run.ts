import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFeed } from './feed.js';
import { spawnChild } from './ipc.js';
import { ensureDist } from './plain-child.js';
import { machineBusyUs } from './proc.js';
import { evaluateTargets, formatDesignated, formatTable, formatTargets } from './report.js';
import { chooseN, runRealScale, type ScaleReport, type ScaleSettings } from './real-scale.js';
import { evaluateScaleTargets, formatScaleTable } from './real-scale-report.js';
import { DEFAULT_SCENARIOS, QUICK_SCENARIOS, REAL_SCALE, SCENARIOS, VARIANTS, type Scenario, type VariantName } from './scenarios.js';
import type { VariantResult } from './summary.js';
import { runVariant, type Timing } from './variant-run.js';

/**
 * `npm run bench`: R0 (raw ws floor), G0 (yoga + graphql-ws out of the box) and G1 (this
 * gateway) side by side on the same replayed feed and the same client load. Environment:
 *   BENCH_QUICK=1            mixed-1k only, 2 s warm-up, 10 s windows
 *   BENCH_SCENARIOS=a,b      any of: mixed-1k, mixed-5k, mixed-10k, hot-5k, slow-1k
 *   BENCH_VARIANTS=R0,G1     a subset of R0, G0, G1
 *   BENCH_RATE=1000          upstream frames per second
 *   BENCH_WINDOW_MS, BENCH_WARMUP_MS, BENCH_DRAIN_MS, BENCH_SETTLE_MS, BENCH_BASELINE_MS (0: no ingestion baseline)
 *   BENCH_LOADGENS=2         load generator processes
 *   BENCH_MAX_MINUTES=20     no new variant run starts after this
 *   BENCH_QUIET_WAIT_MS=15000  before each run, wait up to this long for other work to calm down
 *   BENCH_SCALE_CLIENTS      real-scale: N (default: what RLIMIT_NOFILE allows one process, at most 100k)
 *   BENCH_SCALE_WINDOW_MS=20000, BENCH_SCALE_LOADGENS=4, BENCH_SCALE_STORM_LIMIT_MS=30000
 */
function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function listEnv<T extends string>(name: string, known: readonly T[], fallback: readonly T[]): T[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return [...fallback];
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const wrong = items.find((s) => !known.includes(s as T));
  if (wrong !== undefined) throw new Error(`${name}: expected a comma-separated list of ${known.join(', ')}, got ${JSON.stringify(wrong)}`);
  return items as T[];
}

// client authentication's cost runs on its own (bench/auth-cost.ts)
if (process.env.BENCH_SCENARIOS === 'auth-cost') {
  const { runAuthCost, formatAuthCost } = await import('./auth-cost.js');
  process.stdout.write(`${formatAuthCost(await runAuthCost())}\n`);
  process.exit(0);
}

const quick = process.env.BENCH_QUICK === '1';
const scenarioNames = listEnv('BENCH_SCENARIOS', Object.keys(SCENARIOS), quick ? QUICK_SCENARIOS : DEFAULT_SCENARIOS);
const variants = listEnv<VariantName>('BENCH_VARIANTS', VARIANTS, VARIANTS);
const rate = intEnv('BENCH_RATE', 1_000, 1, 20_000);
const loadgens = intEnv('BENCH_LOADGENS', 2, 1, 8);
const maxMinutes = intEnv('BENCH_MAX_MINUTES', 20, 1, 240);
const quietWaitMs = intEnv('BENCH_QUIET_WAIT_MS', 15_000, 0, 600_000);
const timing: Timing = {
  baselineMs: intEnv('BENCH_BASELINE_MS', 2_000, 0, 60_000),
  settleMs: intEnv('BENCH_SETTLE_MS', 1_000, 0, 60_000),
  warmupMs: intEnv('BENCH_WARMUP_MS', quick ? 2_000 : 4_000, 0, 120_000),
  windowMs: intEnv('BENCH_WINDOW_MS', quick ? 10_000 : 12_000, 1_000, 600_000),
  drainMs: intEnv('BENCH_DRAIN_MS', 2_000, 0, 60_000),
};
const scenarios: Scenario[] = scenarioNames.map((name) => SCENARIOS[name]!);
const scaleOverride = process.env.BENCH_SCALE_CLIENTS ? intEnv('BENCH_SCALE_CLIENTS', 0, 1_000, 1_000_000) : null;
const scaleN = chooseN(scaleOverride);
const scaleLoadgens = intEnv('BENCH_SCALE_LOADGENS', 4, 1, 16);
const scale: ScaleSettings = {
  ...scaleN,
  points: [...new Set([1_000, 10_000, scaleN.n].filter((p) => p <= scaleN.n))].sort((a, b) => a - b),
  loadgens: scaleLoadgens,
  // two source addresses per load generator: ephemeral ports run out near 28k per address
  localAddresses: Array.from({ length: scaleLoadgens * 2 }, (_, i) => `127.0.0.${i + 2}`),
  windowMs: intEnv('BENCH_SCALE_WINDOW_MS', 20_000, 5_000, 600_000),
  warmupMs: 3_000,
  retry: { baseMs: 1_000, capMs: 16_000 },
  stormLimitMs: intEnv('BENCH_SCALE_STORM_LIMIT_MS', 30_000, 5_000, 300_000),
};
let scaleReport: ScaleReport | null = null;

const feed = await ensureFeed();
const startedAt = new Date();
const loadAtStart = loadavg();
const deadline = Date.now() + maxMinutes * 60_000;
const sendTimesPath = join(tmpdir(), `bench-send-times-${process.pid}.f64`);
const log = (line: string): void => void process.stdout.write(`${line}\n`);

log(`bench: ${scenarioNames.join(', ')} × ${variants.join(', ')}; ${rate} frames/s from a ${feed.length}-frame feed; ` +
  `${loadgens} load generators; window ${timing.windowMs / 1000} s after ${timing.warmupMs / 1000} s warm-up; ${cpus().length} cores`);

if (loadAtStart[0]! > cpus().length / 2) {
  log(`bench: warning: load average ${loadAtStart.map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores: other work competes for the CPU`);
}

/** Waits, up to `maxMs`, for a second in which the rest of the machine is mostly idle; returns the wait. */
async function waitForQuiet(maxMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < maxMs) {
    const before = machineBusyUs();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = machineBusyUs();
    if (before === null || after === null || after - before < 300_000) break;
  }
  return Date.now() - started;
}

if (variants.includes('G1')) ensureDist(log);
const upstream = spawnChild('upstream', 'upstream.ts');
const results: VariantResult[] = [];
const failures: Array<{ run: string; variant: VariantName; error: string }> = [];
try {
  const { url: upstreamUrl } = await upstream.call<{ url: string }>('start', { rate, sendTimesPath });
  outer: for (const scenario of scenarios) {
    if (scenario.name === REAL_SCALE) {
      if (Date.now() > deadline) log(`bench: BENCH_MAX_MINUTES=${maxMinutes} reached; skipping real-scale`);
      else {
        if (quietWaitMs > 0) await waitForQuiet(quietWaitMs);
        scaleReport = await runRealScale({ upstream, upstreamUrl, sendTimesPath, loadgens, timing }, scale, variants, log, () =>
          quietWaitMs > 0 ? waitForQuiet(quietWaitMs) : Promise.resolve(0),
        );
        for (const f of scaleReport.failures) failures.push({ run: REAL_SCALE, variant: f.slice(0, 2) as VariantName, error: f });
      }
      continue;
    }
    for (const run of scenario.runs) {
      for (const variant of variants) {
        if (Date.now() > deadline) {
          log(`bench: BENCH_MAX_MINUTES=${maxMinutes} reached; skipping the remaining runs`);
          break outer;
        }
        const waited = quietWaitMs > 0 ? await waitForQuiet(quietWaitMs) : 0;
        if (waited > 1_500) log(`  (waited ${(waited / 1000).toFixed(0)} s for other work on the machine to calm down)`);
        const began = Date.now();
        try {
          const result = await runVariant({ upstream, upstreamUrl, sendTimesPath, loadgens, timing }, run, variant);
          results.push(result);
          log(`  ${run.name} ${variant}: ${result.deliveredPerSec.toFixed(0)} msg/s, ${result.cpuUsPerMsg?.toFixed(1) ?? 'n/a'} µs/msg, ` +
            `p99 ${result.latencyMs.p99?.toFixed(2) ?? 'n/a'} ms, drops ${result.delivery.drops}/${result.delivery.expected} ` +
            `(${((Date.now() - began) / 1000).toFixed(0)} s)`);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          failures.push({ run: run.name, variant, error: message });
          log(`  ${run.name} ${variant}: FAILED: ${message.split('\n')[0]}`);
        }
      }
    }
  }
} finally {
  await upstream.stop();
  rmSync(sendTimesPath, { force: true });
}

const targets = [...evaluateTargets(results, scenarios), ...(scaleReport ? evaluateScaleTargets(scaleReport, results) : [])];
log('');
log(formatTable(results));
log('');
log('µs/msg: server CPU (user+system) per delivered message; fan-out: the same less the CPU the server spends on the');
log('feed with no clients; ×R0 and G0/G1: ratios of µs/msg in the same run; eld p99: event-loop delay; KB/conn: idle, subscribed;');
log('latency: upstream send → client receipt, healthy clients; drops: expected − received for the window’s frames');
log('(! = failed checks: wrong pair, unselected pair, out of order, unreadable, errors); lg cpu%: load generators, SAT > 90%;');
log('other%: CPU the machine spent on anything but the bench during the window, in % of one core.');
if (scaleReport) {
  log(`\nreal-scale at Bitpanda's real pace: N = ${scaleReport.settings.n} (${scaleReport.settings.why})`);
  log(formatScaleTable(scaleReport));
  log('connect s: every client up to the point connected and subscribed (steps summed); ×R0: ratios at the same point;');
  log('KB/conn: idle subscribed, the larger of the RSS and heap+external deltas; latency: upstream tick → client receipt.');
}
const designated = formatDesignated(results);
if (designated) log(`\n${designated}`);
log('');
log(formatTargets(targets));
if (failures.length > 0) log(`\n${failures.length} run(s) failed:\n${failures.map((f) => `  ${f.run} ${f.variant}: ${f.error}`).join('\n')}`);

const report = {
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  machine: { loadAverage: { start: loadAtStart, end: loadavg() }, cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', totalMemMB: totalmem() / 2 ** 20, freeMemMB: freemem() / 2 ** 20, node: process.version },
  settings: { quick, scenarios: scenarioNames, variants, rate, loadgens, timing, feedFrames: feed.length },
  results,
  realScale: scaleReport,
  targets,
  failures,
};
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
const file = join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
const text = `${JSON.stringify(report, null, 2)}\n`;
writeFileSync(file, text);
writeFileSync(join(dir, 'latest.json'), text);
log(`\nresults: ${file}`);
process.exit(failures.length > 0 ? 1 : 0);
