import { afterEach, expect } from 'vitest';
import { encodeCursor } from '../../src/domain/notification.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { httpQuery, wsClient, type TestSubscription, type TestWsClient } from './clients.js';
import { killLeftoverProcesses, simulatorEnv, spawnGateway, type GatewayProcess } from './process.js';
import { within } from './queue.js';
import { TEST_REDIS_URL, cleanupPrefix, uniquePrefix } from './redis.js';

/** Lease of the test clusters: renewed every 400 ms, so a dead leader is replaced within 2.4 s. */
export const TEST_LEASE_TTL_MS = 2000;
export const FAILOVER_BOUND_MS = TEST_LEASE_TTL_MS + TEST_LEASE_TTL_MS / 5;

export const NOTIFICATIONS = `subscription($after: String) {
  notificationReceived(after: $after) { ... on Notification { id cursor } }
}`;
export const BTC_EUR = `subscription { priceUpdated(filter: { pairs: [{ asset: "BTC", fiat: "EUR" }] }) { id ask } }`;
/** `after` for a subscription that replays the whole log, then goes on live. */
export const FROM_START = encodeCursor(0);

export interface TestCluster {
  sim: Simulator;
  prefix: string;
  redisUrl: string;
  replicas: GatewayProcess[];
  /** starts one more gateway process of the cluster */
  spawn(): Promise<GatewayProcess>;
  /** what the replicas wrote to stderr (nothing, when all is well) */
  stderr(): string;
  /** stops every replica and the simulator, and deletes the cluster's keys */
  stop(): Promise<void>;
}

/**
 * A simulator in this process and gateway processes pointed at it, on Redis under a key
 * prefix of their own.
 */
export async function startTestCluster(options: {
  name: string;
  redisUrl?: string;
  simulator?: SimulatorOptions;
  /** more environment for every replica */
  env?: Record<string, string>;
}): Promise<TestCluster> {
  const { name, redisUrl = TEST_REDIS_URL, simulator, env = {} } = options;
  const prefix = uniquePrefix(name);
  const sim = await startSimulator({ ...simulator, prices: { intervalMs: 600_000, ...simulator?.prices } });
  // only the prices a test emits: nothing arrives between them by chance
  sim.prices.controls.stallAll(true);
  const replicas: GatewayProcess[] = [];
  return {
    sim,
    prefix,
    redisUrl,
    replicas,
    async spawn() {
      const gw = await spawnGateway({
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: prefix,
        CLUSTER_LEASE_TTL_MS: String(TEST_LEASE_TTL_MS),
        ...simulatorEnv(sim),
        EVENTS_POLL_INTERVAL_MS: '50',
        EVENTS_PAGE_SIZE: '20',
        ...env,
      }, 60_000);
      replicas.push(gw);
      return gw;
    },
    stderr: () => replicas.map((gw) => gw.stderr.join('')).join(''),
    async stop() {
      await Promise.all(replicas.map((gw) => gw.kill('SIGTERM')));
      await sim.stop();
      await cleanupPrefix(prefix, redisUrl).catch(() => undefined);
    },
  };
}

export interface ClusterTest {
  /** starts the test's cluster (see `startTestCluster`); it is stopped after the test */
  startCluster(options: Parameters<typeof startTestCluster>[0]): Promise<TestCluster>;
  /** a WebSocket client to `url`, disposed after the test */
  ws(url: string): TestWsClient;
}

/**
 * Registers, in the suite it is called in, the teardown of a cluster test: after each test, disposes
 * its clients, stops its cluster, runs `options.stopAlso`, checks that no gateway process was left
 * running and that the replicas wrote nothing to stderr, then runs `options.checkAlso`.
 */
export function useTestCluster(options: { stopAlso?: () => Promise<void>; checkAlso?: () => void } = {}): ClusterTest {
  let cluster: TestCluster | null = null;
  const clients: TestWsClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    const stopped = cluster;
    cluster = null;
    await stopped?.stop();
    await options.stopAlso?.();
    expect(killLeftoverProcesses()).toBe(0);
    expect(stopped?.stderr() ?? '').toBe('');
    options.checkAlso?.();
  });
  return {
    async startCluster(clusterOptions) {
      cluster = await startTestCluster(clusterOptions);
      return cluster;
    },
    ws(url) {
      const client = wsClient(url);
      clients.push(client);
      return client;
    },
  };
}

/** The first log line with this message, from index `from` on (waits for it). */
export function logLine(gw: GatewayProcess, msg: string, from = 0): Promise<Record<string, unknown>> {
  return gw.logs.find((line) => line.msg === msg, from);
}

export function replicaIdOf(gw: GatewayProcess): string {
  const joined = gw.logs.all.find((line) => line.msg === 'cluster mode: replica joined');
  if (!joined) throw new Error('expected the gateway to have logged "cluster mode: replica joined"');
  return String(joined.replicaId);
}

export interface Received {
  id: string;
  cursor: string;
}

/** The notifications a subscription delivered so far. */
export function received(sub: TestSubscription): Received[] {
  return sub.messages.all.flatMap((m) => (m.kind === 'next' && m.result.data ? [m.result.data.notificationReceived as Received] : []));
}

/** Resolves once `sub` has delivered `count` messages (of any kind). */
export function delivered(sub: TestSubscription, count: number, timeoutMs = 20_000): Promise<unknown> {
  return within(sub.messages.find(() => true, count - 1), timeoutMs, `${count} messages on the subscription (got ${sub.messages.all.length})`);
}

/** Resolves once the subscription ended (error or complete), as when its replica dies. */
export function ended(sub: TestSubscription, timeoutMs = 10_000): Promise<unknown> {
  return within(sub.messages.find((m) => m.kind !== 'next'), timeoutMs, 'the subscription to end');
}

/** Emits BTC/EUR prices until every subscription got one: then the price path is live end to end. */
export async function pricesFlowing(sim: Simulator, subs: TestSubscription[], tag: string, gw: GatewayProcess): Promise<void> {
  let givenUp = false;
  await within(
    (async () => {
      for (let i = 1; !givenUp; i++) {
        const ask = `${tag}.${i}`;
        sim.prices.controls.emitPrice('BTC', 'EUR', { ask, bid: ask });
        const all = Promise.all(subs.map((s) => s.messages.find((m) => m.kind === 'next' && askOf(m.result.data) === ask)));
        // one round trip to a replica paces the attempts
        if (await Promise.race([all.then(() => true), httpQuery(gw.graphqlUrl, '{ __typename }').then(() => false)])) return;
      }
    })(),
    15_000,
    'prices to reach every subscriber',
  ).finally(() => {
    // no more prices once the wait is over, whichever way it ended
    givenUp = true;
  });
}

export function askOf(data: Record<string, unknown> | null | undefined): string | undefined {
  return (data?.priceUpdated as { ask?: string } | undefined)?.ask;
}

/** The asks a price subscription delivered so far. */
export function asks(sub: TestSubscription): string[] {
  return sub.messages.all.flatMap((m) => (m.kind === 'next' ? [askOf(m.result.data) ?? '?'] : []));
}

export async function readiness(gw: GatewayProcess): Promise<{ status: number; body: { status: string; reasons: string[] } }> {
  const res = await fetch(gw.graphqlUrl.replace(/\/graphql$/, '/ready'));
  return { status: res.status, body: (await res.json()) as { status: string; reasons: string[] } };
}

export function subscribeAll(clients: TestWsClient[], query: string, variables?: Record<string, unknown>): TestSubscription[] {
  return clients.map((c) => c.subscribe(query, variables));
}
