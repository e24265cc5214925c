/** Capped exponential backoff with full jitter. */
export interface BackoffOptions {
  /** @default 500 */
  initialMs?: number;
  /** @default 30000 */
  maxMs?: number;
  /** @default 2 */
  factor?: number;
}

export interface Backoff {
  /** The delay before the next attempt; each call counts one attempt. */
  next(): number;
  /** Back to the first attempt (after a success). */
  reset(): void;
  /** Attempts counted since the last reset. */
  readonly attempt: number;
}

/** delay = random() * min(maxMs, initialMs * factor^attempt), attempt counting from 0. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { initialMs = 500, maxMs = 30_000, factor = 2 } = options;
  const ceiling = Math.min(maxMs, initialMs * factor ** attempt);
  return Math.round(random() * ceiling);
}

export function createBackoff(options: BackoffOptions = {}, random: () => number = Math.random): Backoff {
  const { initialMs = 500, maxMs = 30_000, factor = 2 } = options;
  if (!(initialMs >= 0) || !(maxMs >= initialMs) || !(factor >= 1)) {
    throw new Error(
      `backoff: expected 0 <= initialMs <= maxMs and factor >= 1, got initialMs=${initialMs} maxMs=${maxMs} factor=${factor}`,
    );
  }
  let attempt = 0;
  return {
    next() {
      return backoffDelay(attempt++, { initialMs, maxMs, factor }, random);
    },
    reset() {
      attempt = 0;
    },
    get attempt() {
      return attempt;
    },
  };
}

/** A sleep that ends early, without error, when the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
