import type { Scenario, VariantName } from './scenarios.js';
import type { VariantResult } from './summary.js';

export interface TargetResult {
  target: string;
  run: string;
  value: number | null;
  limit: string;
  verdict: 'PASS' | 'FAIL' | 'n/a';
  note?: string;
}

/** Other work on the machine above this (% of one core) makes a run's latency and ratios unreliable. */
const OTHER_WORK_PCT = 25;

const fmt = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

const find = (results: VariantResult[], run: string, variant: VariantName): VariantResult | undefined =>
  results.find((r) => r.run === run && r.variant === variant);

/** Rows per run and variant, with CPU per message next to R0's and G0's next to G1's. */
export function formatTable(results: VariantResult[]): string {
  const head = ['run', 'var', 'msg/s', 'µs/msg', 'fan-out', '×R0', 'G0/G1', 'cpu%', 'p50 ms', 'p99 ms', 'eld p99', 'KB/conn', 'exec/ev', 'drops', 'lg cpu%', 'other%'];
  const rows = results.map((r) => {
    const r0 = find(results, r.run, 'R0');
    const g1 = find(results, r.run, 'G1');
    const vsR0 = r0?.cpuUsPerMsg && r.cpuUsPerMsg ? r.cpuUsPerMsg / r0.cpuUsPerMsg : null;
    const g0g1 = r.variant === 'G0' && g1?.cpuUsPerMsg && r.cpuUsPerMsg ? r.cpuUsPerMsg / g1.cpuUsPerMsg : null;
    const drops = r.delivery.expected > 0 ? `${r.delivery.drops} (${fmt(r.delivery.dropPct, 1)}%)` : 'n/a';
    const errors = r.checks.wrongPair + r.checks.notSelected + r.checks.outOfOrder + r.checks.unreadable + r.checks.errors;
    return [
      r.run,
      r.variant,
      fmt(r.deliveredPerSec, 0),
      fmt(r.cpuUsPerMsg, 1),
      fmt(r.fanoutUsPerMsg, 1),
      fmt(vsR0, 2),
      fmt(g0g1, 2),
      fmt(r.serverCpuPct, 0),
      fmt(r.latencyMs.p50, 2),
      fmt(r.latencyMs.p99, 2),
      fmt(r.eventLoopDelayMs?.p99, 1),
      fmt(r.memory.idlePerConnectionKB, 1),
      fmt(r.executionsPerEvent, 2),
      errors > 0 ? `${drops} !${errors}` : drops,
      `${r.loadgenCpuPct.map((p) => fmt(p, 0)).join('/')}${r.loadgenSaturated ? ' SAT' : ''}`,
      fmt(r.otherCpuPct, 0),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [pad(head, widths), pad(widths.map((w) => '-'.repeat(w)), widths), ...rows.map((row) => pad(row, widths))].join('\n');
}

function verdict(value: number | null, pass: (v: number) => boolean): TargetResult['verdict'] {
  return value === null || !Number.isFinite(value) ? 'n/a' : pass(value) ? 'PASS' : 'FAIL';
}

/** The issue's targets, evaluated for G1 on whichever runs this invocation made. */
export function evaluateTargets(results: VariantResult[], scenarios: Scenario[]): TargetResult[] {
  const targets: TargetResult[] = [];
  for (const scenario of scenarios) {
    for (const run of scenario.runs) {
      const [r0, g0, g1] = (['R0', 'G0', 'G1'] as const).map((v) => find(results, run.name, v));
      if (!g1) continue;
      const troubles = (r: VariantResult | undefined): string[] =>
        r
          ? [
              r.loadgenSaturated ? `${r.variant}: load generator saturated` : '',
              r.delivery.dropPct > 1 ? `${r.variant} dropped ${fmt(r.delivery.dropPct, 1)}%` : '',
              (r.otherCpuPct ?? 0) > OTHER_WORK_PCT ? `${r.variant} ran beside ${fmt(r.otherCpuPct, 0)}% of a core of other work` : '',
            ]
          : [];
      const note = [...troubles(g1), ...troubles(r0)].filter(Boolean).join('; ');
      const withNote = (t: TargetResult): TargetResult => (note ? { ...t, note: `unreliable: ${note}` } : t);
      if (!run.paused) {
        const vsR0 = r0?.cpuUsPerMsg && g1.cpuUsPerMsg ? g1.cpuUsPerMsg / r0.cpuUsPerMsg : null;
        targets.push(withNote({ target: 'G1 CPU/msg vs R0', run: run.name, value: vsR0, limit: '≤ 1.5×', verdict: verdict(vsR0, (v) => v <= 1.5) }));
        const vsG0 = g0?.cpuUsPerMsg && g1.cpuUsPerMsg ? g0.cpuUsPerMsg / g1.cpuUsPerMsg : null;
        targets.push(withNote({ target: 'G0 CPU/msg vs G1', run: run.name, value: vsG0, limit: '≥ 3×', verdict: verdict(vsG0, (v) => v >= 3) }));
        const kb = g1.memory.idlePerConnectionKB;
        targets.push({ target: 'G1 memory per idle subscribed connection (KB)', run: run.name, value: kb, limit: '≤ 20', verdict: verdict(kb, (v) => v <= 20) });
      }
      if (run.name.startsWith('mixed-5k')) {
        const p99 = g1.latencyMs.p99;
        targets.push(withNote({ target: 'G1 p99 latency (ms), 5k clients', run: run.name, value: p99, limit: '≤ 50', verdict: verdict(p99, (v) => v <= 50) }));
        const eld = g1.eventLoopDelayMs?.p99 ?? null;
        targets.push(withNote({ target: 'G1 event-loop delay p99 (ms), 5k clients', run: run.name, value: eld, limit: '≤ 20', verdict: verdict(eld, (v) => v <= 20) }));
      }
      if (run.paused) {
        const baseline = scenario.runs.find((r) => !r.paused);
        const base = baseline ? find(results, baseline.name, 'G1') : undefined;
        const ratio = base?.latencyMs.p99 && g1.latencyMs.p99 !== null ? g1.latencyMs.p99 / base.latencyMs.p99 : null;
        const within = ratio !== null && (ratio <= 1.1 || g1.latencyMs.p99! - base!.latencyMs.p99! <= 1);
        targets.push(
          withNote({
            target: 'G1 healthy p99 with 5% paused vs without',
            run: run.name,
            value: ratio,
            limit: '≤ 1.1× (or within 1 ms)',
            verdict: ratio === null ? 'n/a' : within ? 'PASS' : 'FAIL',
          }),
        );
        const growth = g1.memory.lastHalfGrowthMB;
        targets.push({ target: 'G1 RSS growth over the last half of the window (MB)', run: run.name, value: growth, limit: '≤ 10 (bounded)', verdict: verdict(growth, (v) => v <= 10) });
      }
    }
  }
  return targets;
}

/** What the clients on the slow filter got, for runs that have them. */
export function formatDesignated(results: VariantResult[]): string {
  return results
    .filter((r) => r.designated.expected > 0)
    .map((r) => {
      const got = fmt((100 * r.designated.received) / r.designated.expected, 1);
      return `${r.run} ${r.variant}: slow-filter clients got ${got}% of their frames; closed by the server: ${r.checks.closed.designated}; server RSS ${fmt(r.memory.windowRssMB.start, 0)} → ${fmt(r.memory.windowRssMB.end, 0)} MB (max ${fmt(r.memory.windowRssMB.max, 0)})`;
    })
    .join('\n');
}

export function formatTargets(targets: TargetResult[]): string {
  return targets
    .map((t) => `${t.verdict.padEnd(4)}  ${t.target} [${t.run}]: ${fmt(t.value, 2)} (target ${t.limit})${t.note ? ` — ${t.note}` : ''}`)
    .join('\n');
}
