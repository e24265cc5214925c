import type { ScalePoint, ScaleReport } from './real-scale.js';
import type { TargetResult } from './report.js';
import type { VariantResult } from './summary.js';

const fmt = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);

const verdict = (value: number | null, pass: (v: number) => boolean): TargetResult['verdict'] =>
  value === null || !Number.isFinite(value) ? 'n/a' : pass(value) ? 'PASS' : 'FAIL';

/** The scale table: one row per variant and point, so growth from 1k to N reads down a column. */
export function formatScaleTable(report: ScaleReport): string {
  const head = ['clients', 'var', 'connect s', '×R0', 'refused', 'KB/conn', 'msg/s', 'µs/msg', '×R0 ', 'p50 ms', 'p99 ms', 'eld p99', 'drops', 'cpu%', 'lg cpu%', 'other%'];
  const r0At = (n: number): ScalePoint | undefined => report.points.find((p) => p.variant === 'R0' && p.clients === n);
  const rows = [...report.points]
    .sort((a, b) => a.clients - b.clients || a.variant.localeCompare(b.variant))
    .map((p) => {
      const r = p.result;
      const r0 = r0At(p.clients);
      const connectRatio = r0 ? p.connectTotalMs / r0.connectTotalMs : null;
      const cpuRatio = r0?.result.cpuUsPerMsg && r.cpuUsPerMsg ? r.cpuUsPerMsg / r0.result.cpuUsPerMsg : null;
      const errors = r.checks.wrongPair + r.checks.notSelected + r.checks.outOfOrder + r.checks.unreadable + r.checks.errors;
      return [
        String(p.clients),
        p.variant,
        fmt(p.connectTotalMs / 1000, 1),
        fmt(connectRatio, 2),
        String(p.refused),
        fmt(r.memory.idlePerConnectionKB, 1),
        fmt(r.deliveredPerSec, 0),
        fmt(r.cpuUsPerMsg, 1),
        fmt(cpuRatio, 2),
        fmt(r.latencyMs.p50, 1),
        fmt(r.latencyMs.p99, 1),
        fmt(r.eventLoopDelayMs?.p99, 1),
        `${r.delivery.drops}/${r.delivery.expected}${errors > 0 ? ` !${errors}` : ''}`,
        fmt(r.serverCpuPct, 0),
        r.loadgenCpuPct.map((c) => fmt(c, 0)).join('/'),
        fmt(r.otherCpuPct, 0),
      ];
    });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const pad = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const lines = [pad(head), pad(widths.map((w) => '-'.repeat(w))), ...rows.map(pad)];
  const ingest = Object.entries(report.ingestUsPerFrame).map(([v, us]) => `${v} ${fmt(us, 1)}`).join(', ');
  const startup = Object.entries(report.startupMs).map(([v, ms]) => `${v} ${fmt(ms === null || ms === undefined ? null : ms / 1000, 2)} s`).join(', ');
  lines.push('', `ingestion (feed on, no clients), µs per upstream frame: ${ingest || 'n/a'}; process start → listening: ${startup || 'n/a'}`);
  const s = report.storm;
  if (s) {
    lines.push(
      `reconnect storm (G1, ${s.clients} clients, backoff full jitter ${report.settings.retry.baseMs} ms × 2^n up to ${report.settings.retry.capMs} ms): ` +
        `${s.back} back ${s.allBackMs === null ? 'not all within the limit' : `after ${fmt(s.allBackMs / 1000, 1)} s`}; restarted gateway listening ${fmt(s.listeningAfterKillMs / 1000, 1)} s after the kill ` +
        `(its start-up ${fmt(s.startupMs === null ? null : s.startupMs / 1000, 2)} s); memory ${fmt(s.memorySteadyKB, 1)} KB/conn steady → ${fmt(s.memoryAfterKB, 1)} after ` +
        `(RSS ${fmt(s.steadyMB.rss, 0)} → ${fmt(s.afterMB.rss, 0)} MB, heap+external ${fmt(s.steadyMB.heapExternal, 0)} → ${fmt(s.afterMB.heapExternal, 0)} MB)`,
    );
  }
  return lines.join('\n');
}

/** The issue's targets for one replica at scale, for G1 at N (CPU also at mixed-1k and hot-5k when they ran). */
export function evaluateScaleTargets(report: ScaleReport, others: VariantResult[]): TargetResult[] {
  const n = report.settings.n;
  const at = (variant: string): ScalePoint | undefined => report.points.find((p) => p.variant === variant && p.clients === n);
  const g1 = at('G1');
  const r0 = at('R0');
  const run = `real-scale-${n}`;
  const targets: TargetResult[] = [];
  const unreliable = (r: VariantResult | undefined): string | undefined =>
    r && (r.otherCpuPct ?? 0) > 25 ? `unreliable: ${r.variant} ran beside ${fmt(r.otherCpuPct, 0)}% of a core of other work` : undefined;
  const push = (t: TargetResult, note?: string): void => void targets.push(note ? { ...t, note } : t);

  const kb = g1?.result.memory.idlePerConnectionKB ?? null;
  push({ target: `memory per idle subscribed connection at N (KB; R0 ${fmt(r0?.result.memory.idlePerConnectionKB, 1)})`, run, value: kb, limit: '≤ 8', verdict: verdict(kb, (v) => v <= 8) });
  const connect = g1 && r0 ? g1.connectTotalMs / r0.connectTotalMs : null;
  const refused = g1 ? g1.refused + (g1.clients - g1.result.connected) : null;
  push({ target: `connect + subscribe all N vs R0 (G1 ${fmt(g1 ? g1.connectTotalMs / 1000 : null, 1)} s, R0 ${fmt(r0 ? r0.connectTotalMs / 1000 : null, 1)} s)`, run, value: connect, limit: '≤ 1.1×', verdict: verdict(connect, (v) => v <= 1.1) });
  push({ target: 'clients refused or not subscribed at N', run, value: refused, limit: '= 0', verdict: verdict(refused, (v) => v === 0) });
  const p99 = g1?.result.latencyMs.p99 ?? null;
  push({ target: 'tick to client p99 at N (ms)', run, value: p99, limit: '≤ 100', verdict: verdict(p99, (v) => v <= 100) }, unreliable(g1?.result));
  const drops = g1 ? g1.result.delivery.drops + g1.result.checks.wrongPair + g1.result.checks.notSelected + g1.result.checks.outOfOrder : null;
  push({ target: 'drops and failed checks at N', run, value: drops, limit: '= 0', verdict: verdict(drops, (v) => v === 0) });
  const eld = g1?.result.eventLoopDelayMs?.p99 ?? null;
  push({ target: 'event-loop delay p99 during the feed at N (ms)', run, value: eld, limit: '≤ 50', verdict: verdict(eld, (v) => v <= 50) }, unreliable(g1?.result));
  const s = report.storm;
  const stormS = s?.allBackMs === null || s === null ? null : s.allBackMs / 1000;
  push({ target: `reconnect storm: all N back and subscribed (s; ${s ? `${s.back}/${s.clients}` : 'n/a'} back)`, run, value: stormS, limit: '≤ 30', verdict: report.stormError || (s && s.allBackMs === null) ? 'FAIL' : verdict(stormS, (v) => v <= 30) });
  const memBack = s ? s.memoryAfterKB / s.memorySteadyKB : null;
  push({ target: `reconnect storm: memory per connection after vs steady (${fmt(s?.memoryAfterKB, 1)} vs ${fmt(s?.memorySteadyKB, 1)} KB)`, run, value: memBack, limit: '≤ 1.1×', verdict: verdict(memBack, (v) => v <= 1.1) });
  const startup = s?.startupMs ?? null;
  push({ target: 'restarted gateway: process start → accepting connections (s)', run, value: startup === null ? null : startup / 1000, limit: 'reported', verdict: startup === null ? 'n/a' : 'PASS' });

  const cpuVs = (g: VariantResult | undefined, r: VariantResult | undefined, name: string): void => {
    const ratio = g?.cpuUsPerMsg && r?.cpuUsPerMsg ? g.cpuUsPerMsg / r.cpuUsPerMsg : null;
    push({ target: `CPU per delivered message vs R0 (G1 ${fmt(g?.cpuUsPerMsg, 1)}, R0 ${fmt(r?.cpuUsPerMsg, 1)} µs)`, run: name, value: ratio, limit: '≤ 1.0×', verdict: verdict(ratio, (v) => v <= 1.0) }, unreliable(g) ?? unreliable(r));
  };
  for (const name of ['mixed-1k', 'hot-5k']) {
    const g = others.find((o) => o.run === name && o.variant === 'G1');
    if (g) cpuVs(g, others.find((o) => o.run === name && o.variant === 'R0'), name);
  }
  cpuVs(g1?.result, r0?.result, run);
  const ingest = report.ingestUsPerFrame.G1 ?? null;
  push({ target: `ingestion per upstream frame (µs; R0 ${fmt(report.ingestUsPerFrame.R0, 1)})`, run: 'ingest-only baseline', value: ingest, limit: '≤ 20', verdict: verdict(ingest, (v) => v <= 20) });
  return targets;
}
