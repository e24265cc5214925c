import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Counters } from './server-harness.js';
import { serveVariant } from './server-harness.js';

/**
 * G1, this gateway: `createGateway` exactly as main.ts builds it, from the built dist/ on plain
 * node as `npm start` runs it (the bench forks this file as JavaScript, see plainBenchChild, and
 * builds dist/ first when src/ is newer), with prices from the bench upstream and events from the
 * built-in simulator polled once an hour (no webhooks pushed). Executions per event come from its
 * own `/metrics`; a metric it does not expose is reported as null (n/a).
 */
const DIST = process.env.BENCH_G1_DIST ?? fileURLToPath(new URL('../dist/', import.meta.url));
const fromDist = (file: string): Promise<unknown> => import(pathToFileURL(join(DIST, file)).href);
const EXECUTIONS = 'graphql_subscription_executions_total';
const FRAMES = 'upstream_frames_total';

/** Sums every series of a metric in Prometheus text; null when the metric is absent. */
function sumMetric(text: string, name: string): number | null {
  let sum: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/ready`);
      last = await res.text();
      if (res.ok) return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gateway: expected /ready to answer 200 within ${timeoutMs} ms, last answer: ${last.slice(0, 300)}`);
}

serveVariant(async (upstreamUrl, port) => {
  const { loadConfig } = (await fromDist('config.js')) as typeof import('../src/config.js');
  const { createLogger } = (await fromDist('logger.js')) as typeof import('../src/logger.js');
  // as main.ts: the port is bound before the gateway loads, connections wait for it
  const { holdPort } = (await fromDist('held-port.js')) as typeof import('../src/held-port.js');
  const heldPort = await holdPort(port, '127.0.0.1');
  const { createGateway } = (await fromDist('gateway.js')) as typeof import('../src/gateway.js');
  const config = loadConfig({
    ...process.env,
    BITPANDA_WS_URL: upstreamUrl,
    DATABASE_PATH: ':memory:',
    LOG_LEVEL: process.env.BENCH_G1_LOG_LEVEL ?? 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    SIMULATOR_INTERVAL_MS: '600000',
    // events only polled, hourly: the simulator's signed webhooks (every 2 s) are not price work
    EVENTS_SOURCE: 'poll',
    EVENTS_POLL_INTERVAL_MS: '3600000',
  });
  const gateway = createGateway({ config, logger: createLogger({ level: config.logLevel }), heldPort });
  const server = await gateway.start();
  const listeningAfterMs = process.uptime() * 1000;
  const base = `http://127.0.0.1:${server.port}`;
  await waitReady(base, 15_000);
  return {
    wsUrl: `ws://127.0.0.1:${server.port}/graphql`,
    listeningAfterMs,
    async counters(): Promise<Counters> {
      const text = await (await fetch(`${base}/metrics`)).text();
      return { executions: sumMetric(text, EXECUTIONS), frames: sumMetric(text, FRAMES) };
    },
    stop: () => gateway.stop(),
  };
});
