/**
 * `npm run cluster`: a local cluster on the simulator: one Bitpanda simulator process and
 * CLUSTER_REPLICAS gateway processes (default 3) on consecutive ports from CLUSTER_BASE_PORT
 * (default 4000), all on REDIS_URL (default redis://127.0.0.1:6379). Ctrl-C stops them all.
 * Kill one replica (its pid is printed) to watch another take the upstream over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';

const root = resolve(import.meta.dirname, '..');

function integerEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) {
    console.error(`${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

const replicas = integerEnv('CLUSTER_REPLICAS', 3, 1, 32);
const basePort = integerEnv('CLUSTER_BASE_PORT', 4000, 1, 65535 - replicas);
const simPort = integerEnv('SIM_PORT', 4100, 1, 65535);
const redisUrl = process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
const logLevel = process.env.LOG_LEVEL?.trim() || 'info';

async function checkRedis(): Promise<void> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    console.error(`Redis at ${redisUrl} does not answer (${(error as Error).message}); start one or set REDIS_URL`);
    process.exit(1);
  } finally {
    client.disconnect();
  }
}

const children: Array<{ name: string; child: ChildProcess }> = [];
let stopping = false;

/** Runs a script of the project with its output prefixed; resolves at the first line matching `ready`. */
function run(name: string, script: string, env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: logLevel, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push({ name, child });
  return new Promise((resolveReady, reject) => {
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        process.stdout.write(`[${name}] ${line}\n`);
        if (ready.test(line)) resolveReady(child);
      });
    }
    child.once('exit', (code, signal) => {
      process.stdout.write(`[${name}] exited (${signal ?? `code ${code}`})\n`);
      reject(new Error(`${name} exited before it was ready`));
    });
  });
}

async function stopAll(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping ${children.length} processes`);
  await Promise.all(
    children.reverse().map(
      ({ child }) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
    ),
  );
  process.exit(0);
}
process.on('SIGINT', () => void stopAll('SIGINT'));
process.on('SIGTERM', () => void stopAll('SIGTERM'));

await checkRedis();
const sim = `http://127.0.0.1:${simPort}`;
await run('simulator', 'src/simulator/main.ts', { SIM_PORT: String(simPort) }, /simulator listening/);
const upstream = {
  REDIS_URL: redisUrl,
  BITPANDA_WS_URL: `ws://127.0.0.1:${simPort}/`,
  BITPANDA_API_URL: sim,
  BITPANDA_TOKEN_URL: `${sim}/oauth/token`,
  BITPANDA_CLIENT_ID: 'sim-client',
  BITPANDA_CLIENT_SECRET: 'sim-secret',
};
const started = await Promise.all(
  Array.from({ length: replicas }, (_, i) =>
    run(`replica-${i + 1}`, 'src/main.ts', { ...upstream, PORT: String(basePort + i) }, /GraphQL gateway listening/),
  ),
);
console.log(
  [
    '',
    `Cluster of ${replicas} on ${redisUrl}, simulator at ${sim}:`,
    ...started.map((child, i) => `  replica-${i + 1}  http://localhost:${basePort + i}/graphql  (pid ${child.pid})`),
    'Query `{ upstream { cluster { replicaId leader leaderId fencingToken } } }` on any of them; kill the leader to see a failover.',
    '',
  ].join('\n'),
);
