import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../logger.js';
import { redisScript } from './redis-scripts.js';

/**
 * Takes the lease when it is free (a new fencing token from INCR) or returns it when this
 * replica already holds it. KEYS: lease, token counter. ARGV: replica id, ttl ms.
 * Returns { token, holder }: token 0 when another replica holds it.
 */
const ACQUIRE = redisScript(`
local holder = redis.call('GET', KEYS[1])
if holder then
  local sep = string.find(holder, '|', 1, true)
  if sep and string.sub(holder, 1, sep - 1) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return { tonumber(string.sub(holder, sep + 1)), holder }
  end
  return { 0, holder }
end
local token = redis.call('INCR', KEYS[2])
local value = ARGV[1] .. '|' .. token
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return { token, value }
`);

/** Compare-and-pexpire. KEYS: lease. ARGV: held value, ttl ms. */
const RENEW = redisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/** Compare-and-delete. KEYS: lease. ARGV: held value. */
const RELEASE = redisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

export interface HeldLease {
  /** monotonically increasing across the cluster's history */
  token: number;
  /** the lease value, `<replicaId>|<token>`: what fenced writes present */
  fence: string;
}

export interface LeaseOptions {
  redis: Redis;
  /** the lease key */
  key: string;
  /** the fencing token counter */
  tokenKey: string;
  replicaId: string;
  /** @default 5000 */
  ttlMs?: number;
  /** renewal, and acquisition attempts while not holding it. @default ttlMs / 5 */
  renewIntervalMs?: number;
  /** called on every change: the new lease, or null with why it was lost */
  onChange?: (held: HeldLease | null, reason: string) => void;
  logger?: Logger;
  now?: () => number;
}

export interface Lease {
  start(): void;
  /** Stops renewing; with `release` (the default) frees the lease so another replica takes over at once. */
  stop(options?: { release?: boolean }): Promise<void>;
  held(): HeldLease | null;
  /** the holder's replica id as last seen, null when nobody holds it */
  holderId(): string | null;
  /** one acquisition or renewal attempt now */
  tick(): Promise<void>;
}

/**
 * The upstream leader lease: SET NX PX with a fencing token from INCR, renewed with a
 * compare-and-pexpire. The holder gives it up locally one renew interval before it could have
 * expired in Redis, so a deposed leader stops before another one can start; writes that matter
 * are fenced in Redis besides. When the holder dies, another replica holds it at most
 * `ttlMs + renewIntervalMs` later.
 */
export function createLease(options: LeaseOptions): Lease {
  const { redis, key, tokenKey, replicaId, ttlMs = 5000, onChange, logger = silentLogger, now = Date.now } = options;
  const renewIntervalMs = options.renewIntervalMs ?? Math.max(50, Math.floor(ttlMs / 5));
  if (!(ttlMs > renewIntervalMs * 2)) {
    throw new Error(`createLease: expected ttlMs above twice renewIntervalMs, got ttlMs=${ttlMs} renewIntervalMs=${renewIntervalMs}`);
  }
  if (replicaId.includes('|')) throw new Error(`createLease: expected a replica id without '|', got ${JSON.stringify(replicaId)}`);
  let held: HeldLease | null = null;
  let holder: string | null = null;
  let loop: NodeJS.Timeout | null = null;
  let expiry: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;
  let failures = 0;

  function setHeld(next: HeldLease | null, reason: string): void {
    if (next?.fence === held?.fence) return;
    held = next;
    if (!next && expiry) clearTimeout(expiry);
    onChange?.(next, reason);
  }

  /** The lease is surely ours until one renew interval before it can expire in Redis. */
  function extend(sentAt: number): void {
    if (expiry) clearTimeout(expiry);
    const remaining = sentAt + ttlMs - renewIntervalMs - now();
    expiry = setTimeout(() => setHeld(null, `not renewed within ${ttlMs - renewIntervalMs} ms`), Math.max(0, remaining));
    expiry.unref();
  }

  async function attempt(): Promise<void> {
    const sentAt = now();
    try {
      if (held) {
        const current = held;
        const renewed = Number(await RENEW(redis, [key], [current.fence, ttlMs]));
        if (held !== current) return;
        if (renewed === 1) extend(sentAt);
        else setHeld(null, 'the lease expired or another replica took it');
      } else {
        const [token, value] = (await ACQUIRE(redis, [key, tokenKey], [replicaId, ttlMs])) as [number, string];
        holder = value.slice(0, value.lastIndexOf('|'));
        if (token > 0 && stopped) await RELEASE(redis, [key], [value]);
        else if (token > 0) {
          extend(sentAt);
          setHeld({ token, fence: value }, 'acquired');
        }
      }
      failures = 0;
    } catch (error) {
      failures += 1;
      if (failures === 1 || failures % 50 === 0) logger.warn({ err: error, failures }, 'leader lease request failed');
    }
  }

  const tick = (): Promise<void> => (running ??= attempt().finally(() => (running = null)));

  function schedule(): void {
    if (stopped) return;
    loop = setTimeout(() => void tick().then(schedule), renewIntervalMs);
    loop.unref();
  }

  return {
    start() {
      if (loop || stopped) return;
      void tick().then(schedule);
    },
    async stop({ release = true } = {}) {
      stopped = true;
      if (loop) clearTimeout(loop);
      await running;
      const last = held;
      setHeld(null, 'stopping');
      if (release && last) {
        await RELEASE(redis, [key], [last.fence]).catch((error: unknown) => logger.warn({ err: error }, 'could not release the leader lease; it expires by itself'));
      }
    },
    held: () => held,
    holderId: () => (held ? replicaId : holder),
    tick,
  };
}
