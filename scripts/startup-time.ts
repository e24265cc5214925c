/**
 * `npm run startup-time`: how long `npm start` takes to serve the first live price on the
 * built-in simulator. Each run spawns `npm start` on PORT=0 with a fresh database, waits for the
 * "listening" log line, subscribes over graphql-ws and stops the clock at the first
 * `priceUpdated`; then it sends SIGTERM to the npm process and waits for it to exit.
 *
 * On a busy machine the wall time mostly measures the wait for a core; the CPU time spent by
 * the started processes until the first price (Linux: from /proc) is what an idle machine
 * would take, give or take the few milliseconds of network round trips.
 *
 *   npm run build && npm run startup-time            # 5 runs
 *   STARTUP_RUNS=10 npm run startup-time
 *   STARTUP_COMMAND="node dist/main.js" npm run startup-time
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const root = resolve(import.meta.dirname, '..');
const runs = Number(process.env.STARTUP_RUNS ?? 5);
const command = (process.env.STARTUP_COMMAND ?? 'npm start').split(' ');
const timeoutMs = 30_000;

interface Run {
  listeningMs: number;
  firstPriceMs: number;
  /** user + system CPU time of the started process tree until the first price; null off Linux */
  cpuMs: number | null;
  stopMs: number;
  exitCode: number | null;
}

async function once(dir: string, n: number): Promise<Run> {
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATABASE_PATH: join(dir, `startup-${n}.sqlite`) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const timer = setTimeout(() => {
    child.kill('SIGKILL');
    console.error(`no live price within ${timeoutMs} ms`);
    process.exit(1);
  }, timeoutMs);

  const wsUrl = await new Promise<string>((done, fail) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const log = JSON.parse(line) as { msg?: string; ws?: string };
        if (log.ws && String(log.msg).includes('listening')) done(log.ws);
      } catch {
        // not a log line
      }
    });
    void exited.then((code) => fail(new Error(`npm start exited with ${code} before listening`)));
  });
  const listeningMs = performance.now() - started;

  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
  await new Promise<void>((done, fail) => {
    const dispose = client.subscribe(
      { query: 'subscription { priceUpdated { id mid } }' },
      { next: () => (dispose(), done()), error: fail, complete: () => fail(new Error('the subscription completed')) },
    );
  });
  const firstPriceMs = performance.now() - started;
  const cpuMs = cpuTimeOfTree(child.pid!);
  await client.dispose();

  const stopping = performance.now();
  child.kill('SIGTERM');
  const exitCode = await exited;
  clearTimeout(timer);
  return { listeningMs, firstPriceMs, cpuMs, stopMs: performance.now() - stopping, exitCode };
}

const ticksPerSecond = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system, ms) of `pid` and its live descendants, from /proc; null where there is none. */
function cpuTimeOfTree(pid: number): number | null {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // the command name (field 2) may hold spaces: split after its closing parenthesis
        const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
        stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    return null;
  }
  let ticks = 0;
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, { ppid }] of stats) if (tree.has(ppid) && !tree.has(p)) (tree.add(p), (grew = true));
  }
  for (const p of tree) ticks += stats.get(p)?.ticks ?? 0;
  return (ticks * 1000) / ticksPerSecond;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const ms = (x: number): string => `${Math.round(x)} ms`;

const dir = mkdtempSync(join(tmpdir(), 'startup-time-'));
try {
  const results: Run[] = [];
  for (let n = 0; n < runs; n++) {
    const run = await once(dir, n);
    results.push(run);
    console.log(`run ${n + 1}: listening ${ms(run.listeningMs)}, first live price ${ms(run.firstPriceMs)} (CPU ${run.cpuMs === null ? '?' : ms(run.cpuMs)}), stopped in ${ms(run.stopMs)} (exit ${run.exitCode})`);
  }
  const firsts = results.map((r) => r.firstPriceMs);
  const cpus = results.flatMap((r) => (r.cpuMs === null ? [] : [r.cpuMs]));
  console.log(
    `\`${command.join(' ')}\` → first live price: median ${ms(median(firsts))}, min ${ms(Math.min(...firsts))}, max ${ms(Math.max(...firsts))} over ${runs} runs` +
      (cpus.length > 0 ? `; CPU time until then: median ${ms(median(cpus))}` : '') +
      `; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
  );
  if (results.some((r) => r.exitCode !== 0)) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
