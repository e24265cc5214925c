/**
 * `npm run startup-time`: how long `npm start` takes to serve the first live price on the
 * built-in simulator. Each run spawns `npm start` on PORT=0 with a fresh database, waits for the
 * "listening" log line, subscribes over graphql-ws and stops the clock at the first
 * `priceUpdated`; then it sends SIGTERM to the npm process and waits for it to exit.
 *
 *   npm run build && npm run startup-time            # 5 runs
 *   STARTUP_RUNS=10 npm run startup-time
 *   STARTUP_COMMAND="node dist/main.js" npm run startup-time
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  await client.dispose();

  const stopping = performance.now();
  child.kill('SIGTERM');
  const exitCode = await exited;
  clearTimeout(timer);
  return { listeningMs, firstPriceMs, stopMs: performance.now() - stopping, exitCode };
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
    console.log(`run ${n + 1}: listening ${ms(run.listeningMs)}, first live price ${ms(run.firstPriceMs)}, stopped in ${ms(run.stopMs)} (exit ${run.exitCode})`);
  }
  const firsts = results.map((r) => r.firstPriceMs);
  console.log(
    `\`${command.join(' ')}\` → first live price: median ${ms(median(firsts))}, min ${ms(Math.min(...firsts))}, max ${ms(Math.max(...firsts))} over ${runs} runs`,
  );
  if (results.some((r) => r.exitCode !== 0)) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
