import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The kernel's accounting of another process, read from /proc by the orchestrator: it needs
 * nothing from the process itself, so a server whose event loop is starved is still measured
 * at the exact edges of the window.
 */
const CLOCK_TICKS = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU of `pid` so far, in µs (resolution 1 / CLK_TCK); null without /proc. */
export function procCpuUs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Resident set size of `pid` in bytes; null without /proc. */
export function procRss(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples the RSS of `pid` every `everyMs` until stopped; returns the samples. */
export function sampleRss(pid: number, everyMs = 250): { stop(): number[] } {
  const samples: number[] = [];
  const take = (): void => {
    const rss = procRss(pid);
    if (rss !== null) samples.push(rss);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** CPU time all cores of the machine spent busy so far (everything but idle and iowait), in µs. */
export function machineBusyUs(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return ((total - fields[3]! - fields[4]!) * 1e6) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
