import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, it } from 'vitest';
import { deleteKeysWithPrefix } from '../../src/cluster/redis-scripts.js';
import { killStillRunning } from './process.js';
import { within } from './queue.js';

/** The shared test Redis; tests keep to key prefixes of their own on it. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** true when a Redis server answers PING at `url` within `timeoutMs`. */
export async function redisAvailable(url = TEST_REDIS_URL, timeoutMs = 1000): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await within(client.ping(), timeoutMs, 'PING')) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** true when the `redis-server` binary can be run (for the tests that restart their own server). */
export function redisServerInstalled(): boolean {
  const result = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return result.status === 0;
}

export type SuiteFn = (name: string, fn: () => void) => void;

/**
 * `describe` when what the suite needs is there. Otherwise, under `CI=true`, a suite with one
 * failing test saying what is missing; elsewhere `describe.skip`, with a warning on the console.
 */
export async function describeRedis(options: { redisServer?: boolean } = {}): Promise<SuiteFn> {
  const missing: string[] = [];
  if (!(await redisAvailable())) missing.push(`a Redis server at ${TEST_REDIS_URL} (set TEST_REDIS_URL to use another)`);
  if (options.redisServer && !redisServerInstalled()) missing.push('the redis-server binary on PATH');
  if (missing.length === 0) return describe;
  const message = `these tests need ${missing.join(' and ')}`;
  if (process.env.CI === 'true') {
    return (name) =>
      describe(name, () => {
        it('has what it needs', () => {
          throw new Error(`CI=true: ${message}`);
        });
      });
  }
  console.warn(`\n⚠ SKIPPED Redis tests: ${message}.\n`);
  return (name, fn) => describe.skip(name, fn);
}

/** A key prefix no other test uses. */
export function uniquePrefix(name: string): string {
  return `test:${name}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix` on the shared test Redis. */
export async function cleanupPrefix(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await deleteKeysWithPrefix(client, prefix);
  } finally {
    client.disconnect();
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ThrowawayRedis {
  url: string;
  port: number;
  /** kills the server (SIGKILL by default: a crash) and waits for it to exit */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** starts it again on the same port and data directory */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const servers = new Set<ChildProcess>();

/** Kills Redis servers a test left running; returns how many there were. */
export function killLeftoverRedisServers(): number {
  return killStillRunning(servers);
}

/**
 * A Redis server of the test's own, on a free port, persisting to `dir` with AOF and
 * `appendfsync always` (what the event log needs), so it can be killed and restarted.
 */
export async function startThrowawayRedis(options: { dir: string }): Promise<ThrowawayRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.dir];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    servers.add(proc);
    child = proc;
    let output = '';
    await within(
      new Promise<void>((resolve, reject) => {
        proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
          output += chunk;
          if (output.includes('Ready to accept connections')) resolve();
        });
        proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`)));
      }),
      10_000,
      `redis-server on port ${port}`,
    );
  }

  async function kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
    servers.delete(proc);
  }

  await start();
  return { url: `redis://127.0.0.1:${port}`, port, kill, restart: start, stop: () => kill('SIGTERM') };
}

/**
 * Registers, where it is called, an `afterEach` that disconnects every client the returned
 * function connected during the test. A client resolves once ready: a subscriber must not
 * enter subscriber mode before its ready check.
 */
export function useRedisClients(url = TEST_REDIS_URL): () => Promise<Redis> {
  const clients: Redis[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });
  return async () => {
    const c = new Redis(url, { maxRetriesPerRequest: 1 });
    clients.push(c);
    await new Promise((resolve) => c.once('ready', resolve));
    return c;
  };
}

/**
 * Resolves with the value of `field` in the hash `key` once `accept` holds for it: read at once,
 * then again each time Redis reports a write to the key. The reports come from server-assisted
 * client tracking (`CLIENT TRACKING ... BCAST PREFIX key`) on two connections of its own, closed
 * when it settles: nothing is polled and no server setting changes. Rejects after `ms`.
 */
export async function hashField(
  key: string,
  field: string,
  accept: (value: string) => boolean,
  options: { url?: string; ms?: number; what?: string } = {},
): Promise<string> {
  const { url = TEST_REDIS_URL, ms = 10_000, what = `${key} ${field}` } = options;
  const invalidations = new Redis(url, { maxRetriesPerRequest: 1 });
  const reader = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const id = await invalidations.client('ID');
    await invalidations.subscribe('__redis__:invalidate');
    await reader.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(id), 'BCAST', 'PREFIX', key);
    const found = new Promise<string>((resolve, reject) => {
      let reading = false;
      let again = false;
      // one read at a time; a write reported during a read asks for one more
      const read = async (): Promise<void> => {
        if (reading) {
          again = true;
          return;
        }
        reading = true;
        try {
          do {
            again = false;
            const value = await reader.hget(key, field);
            if (value !== null && accept(value)) return resolve(value);
          } while (again);
        } catch (error) {
          reject(error as Error);
        } finally {
          reading = false;
        }
      };
      invalidations.on('message', () => void read());
      void read();
    });
    return await within(found, ms, what);
  } finally {
    invalidations.disconnect();
    reader.disconnect();
  }
}
