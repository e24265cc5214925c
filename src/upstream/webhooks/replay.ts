/**
 * Replay protection: each accepted signed message is remembered until it would be refused as
 * stale anyway (its `created` + max age, or its `expires`), so an exact replay gets 401.
 *
 * A message is claimed when its request passes verification and released again when the
 * request is not accepted (bad body, store unavailable): a sender that retries the very same
 * bytes after a 503 is then not refused as a replay. While a claim is held, a concurrent copy
 * of the same message is refused. The interface may answer asynchronously, so a shared store
 * (Redis `SET NX PX`) can stand in for the in-memory one in cluster mode.
 */
export interface ReplayCache {
  /** Reserves `id` until `untilMs` (epoch ms); false when it is already held (a replay). */
  claim(id: string, untilMs: number): boolean | Promise<boolean>;
  /** Drops the reservation of a request that was not accepted. */
  release(id: string): void | Promise<void>;
}

export interface MemoryReplayCache extends ReplayCache {
  readonly size: number;
  /** entries dropped before their time because the cache was full */
  readonly evicted: number;
}

export interface ReplayCacheOptions {
  /** the most messages remembered; beyond it the oldest is forgotten. @default 100000 */
  maxEntries?: number;
  now?: () => number;
}

export function createReplayCache(options: ReplayCacheOptions = {}): MemoryReplayCache {
  const { maxEntries = 100_000, now = Date.now } = options;
  if (!(Number.isInteger(maxEntries) && maxEntries >= 1)) {
    throw new Error(`replay cache: expected maxEntries to be a positive integer, got ${maxEntries}`);
  }
  // Insertion order is close to expiry order (expiry = created + a fixed max age), so expired
  // entries are pruned from the front and the oldest is the one evicted when full.
  const entries = new Map<string, number>();
  let evicted = 0;

  function pruneFront(at: number): void {
    for (const [id, until] of entries) {
      if (until > at) return;
      entries.delete(id);
    }
  }

  return {
    claim(id, untilMs) {
      const at = now();
      pruneFront(at);
      const held = entries.get(id);
      if (held !== undefined && held > at) return false;
      entries.delete(id);
      while (entries.size >= maxEntries) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
        evicted += 1;
      }
      entries.set(id, untilMs);
      return true;
    },
    release(id) {
      entries.delete(id);
    },
    get size() {
      return entries.size;
    },
    get evicted() {
      return evicted;
    },
  };
}
