/**
 * What client authentication costs the fan-out, measured in one run: the same gateway (on the
 * built-in simulator's prices, notifications added for each user in turn) with the same clients
 * receiving the same messages, first with auth off (anonymous, AUTH_ANONYMOUS=all, each client
 * filtering its own events with `userId`: one group per userId), then with a user token per
 * client and no `userId` (one notification group per user scope, price groups shared by
 * everyone), then with four times the users. Reported: gateway CPU per delivered message, and
 * executions per upstream frame for prices (must not grow with the number of users) and per
 * event for notifications.
 *
 *   npx tsx bench/auth-cost.ts               (or BENCH_SCENARIOS=auth-cost npm run bench)
 *   BENCH_QUICK=1 npx tsx bench/auth-cost.ts   (shorter windows, fewer users)
 *
 * The gateway runs in this process (its CPU includes the simulator's price generation and the
 * event poller, the same in every phase); the clients run in a child process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { loadConfig, type Config } from '../src/config.js';
import { createGateway } from '../src/gateway.js';
import { silentLogger } from '../src/logger.js';
import { FANOUT_METRICS } from '../src/metrics/fanout-metrics.js';
import { metricValue } from '../src/metrics/series.js';

const quick = process.env.BENCH_QUICK === '1';
const USERS = quick ? 50 : 200;
const WARMUP_MS = quick ? 2_000 : 4_000;
const WINDOW_MS = quick ? 6_000 : 15_000;
/** one notification for a random user this often */
const EVENT_EVERY_MS = 20;
const FILTERS = [
  { pairs: [{ asset: 'BTC', fiat: 'EUR' }] },
  { pairs: [{ asset: 'ETH', fiat: 'EUR' }] },
  { pairs: [{ asset: 'BTC', fiat: 'USD' }] },
  { assets: ['BTC'] },
  { fiats: ['CHF'], types: ['CRYPTO'] },
];

interface Phase {
  name: string;
  users: number;
  auth: boolean;
}

interface PhaseResult extends Phase {
  cpuUsPerSec: number;
  deliveredPerSec: number;
  cpuUsPerMsg: number;
  priceExecutionsPerFrame: number;
  notificationExecutionsPerEvent: number;
  notificationGroups: number;
  clientErrors: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ask<T>(child: ChildProcess, message: object, answer: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (reply: { type: string }) => {
      if (reply.type !== answer) return;
      child.off('message', on);
      resolve(reply as T);
    };
    child.on('message', on);
    child.send(message);
  });
}

async function keys(dir: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwksPath = join(dir, 'jwks.json');
  writeFileSync(jwksPath, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] }));
  const mint = (sub: string) =>
    new SignJWT({ sub }).setProtectedHeader({ alg: 'ES256', kid: 'bench' }).setIssuedAt().setExpirationTime('1h').sign(privateKey);
  return { jwksUrl: `file:${jwksPath}`, mint };
}

async function runPhase(phase: Phase, jwksUrl: string, mint: (sub: string) => Promise<string>): Promise<PhaseResult> {
  const config: Config = {
    ...loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    databasePath: ':memory:',
    logLevel: 'silent',
    simulatorIntervalMs: 200,
    eventsPollIntervalMs: 20,
    eventsPageSize: 1000,
    authJwksUrl: phase.auth ? jwksUrl : null,
    authAnonymous: phase.auth ? 'prices' : 'all',
  };
  const gateway = createGateway({ config, logger: silentLogger, simulator: { rest: { eventIntervalMs: 0 } } });
  const server = await gateway.start();
  const registry = gateway.services!.metrics.registry;
  const users = Array.from({ length: phase.users }, (_, i) => `user-${i}`);
  const eventUsers = phase.users > 0 ? users : Array.from({ length: USERS }, (_, i) => `user-${i}`);
  const tokens = phase.auth ? await Promise.all(users.map(mint)) : users.map(() => null);
  const child = fork(fileURLToPath(new URL('./auth-clients.ts', import.meta.url)), { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  let eventTimer: NodeJS.Timeout | null = null;
  try {
    const userIds = phase.auth ? users.map(() => null) : users;
    if (phase.users > 0) await ask(child, { type: 'start', start: { url: server.wsUrl, tokens, userIds, filters: FILTERS } }, 'started');
    const bus = gateway.services!.bus;
    const wantListeners = phase.users;
    for (let waited = 0; bus.listenerCount('notification:received') < wantListeners; waited += 50) {
      if (waited > 60_000) throw new Error(`expected ${wantListeners} notification groups, got ${bus.listenerCount('notification:received')}`);
      await sleep(50);
    }
    let n = 0;
    eventTimer = setInterval(() => {
      const user = eventUsers[n++ % eventUsers.length]!;
      gateway.simulator!.rest.controls.addEvent('user.update', { action: 'verification', success: true, timestamp: n, user_id: user });
    }, EVENT_EVERY_MS);
    await sleep(WARMUP_MS);

    const read = async () => ({
      cpu: process.cpuUsage(),
      at: performance.now(),
      count: await ask<{ received: number; errors: number }>(child, { type: 'count' }, 'count'),
      frames: await metricValue(registry, 'upstream_frames_total', { channel: 'prices-v1' }),
      priceExec: await metricValue(registry, FANOUT_METRICS.executions, { field: 'priceUpdated' }),
      eventExec: await metricValue(registry, FANOUT_METRICS.executions, { field: 'notificationReceived' }),
      events: n,
    });
    const start = await read();
    await sleep(WINDOW_MS);
    const end = await read();
    const cpuUs = end.cpu.user + end.cpu.system - (start.cpu.user + start.cpu.system);
    const seconds = (end.at - start.at) / 1000;
    const delivered = end.count.received - start.count.received;
    return {
      ...phase,
      cpuUsPerSec: cpuUs / seconds,
      deliveredPerSec: delivered / seconds,
      cpuUsPerMsg: cpuUs / delivered,
      priceExecutionsPerFrame: (end.priceExec - start.priceExec) / (end.frames - start.frames),
      notificationExecutionsPerEvent: (end.eventExec - start.eventExec) / (end.events - start.events),
      notificationGroups: bus.listenerCount('notification:received'),
      clientErrors: end.count.errors,
    };
  } finally {
    if (eventTimer) clearInterval(eventTimer);
    const exited = new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    if (child.connected) child.send({ type: 'stop' });
    await Promise.race([exited, sleep(5_000)]);
    child.kill();
    await gateway.stop();
  }
}

export async function runAuthCost(): Promise<PhaseResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'auth-cost-'));
  try {
    const { jwksUrl, mint } = await keys(dir);
    const phases: Phase[] = [
      { name: 'no clients (ingest)', users: 0, auth: false },
      { name: 'auth off', users: USERS, auth: false },
      { name: 'auth on', users: USERS, auth: true },
      { name: 'auth on, 4× users', users: USERS * 4, auth: true },
    ];
    const results: PhaseResult[] = [];
    for (const phase of phases) {
      process.stderr.write(`auth-cost: ${phase.name}, ${phase.users} users...\n`);
      results.push(await runPhase(phase, jwksUrl, mint));
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(results: PhaseResult[]): string {
  const [ingest, ...runs] = results;
  const fanout = (r: PhaseResult) => (r.cpuUsPerSec - ingest!.cpuUsPerSec) / r.deliveredPerSec;
  const rows = runs.map((r) =>
    [
      r.name,
      r.users,
      r.deliveredPerSec.toFixed(0),
      r.cpuUsPerMsg.toFixed(1),
      fanout(r).toFixed(1),
      r.priceExecutionsPerFrame.toFixed(3),
      r.notificationExecutionsPerEvent.toFixed(2),
      r.notificationGroups,
      r.clientErrors,
    ].join(' | '),
  );
  const [off, on] = runs;
  return [
    `ingest with no clients: ${(ingest!.cpuUsPerSec / 1e4).toFixed(1)} % of a core`,
    '',
    '| phase | users | delivered msg/s | gateway CPU µs/msg | fan-out µs/msg (minus ingest) | price executions per upstream frame | notification executions per event | notification groups | client errors |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
    '',
    `auth on / auth off, fan-out CPU per delivered message: ${(fanout(on!) / fanout(off!)).toFixed(2)}× (gateway CPU per message: ${(on!.cpuUsPerMsg / off!.cpuUsPerMsg).toFixed(2)}×)`,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const results = await runAuthCost();
  process.stdout.write(`${report(results)}\n`);
}

export { report as formatAuthCost };
