export interface ThrottleOptions<T> {
  /** the shortest time between two values of one key, in ms */
  intervalMs: number;
  /** the key values are throttled by (a pair id) */
  keyOf: (value: T) => string;
  /** @default setTimeout */
  setTimer?: (run: () => void, ms: number) => unknown;
  /** @default clearTimeout */
  clearTimer?: (timer: unknown) => void;
}

interface KeyState<T> {
  timer: unknown;
  /** the latest value that arrived during the interval, delivered when it ends */
  pending: T | undefined;
}

/**
 * At most one value per key per interval, and always the latest: the first value of a key
 * goes out at once and opens an interval; what arrives during it is held (each newer value
 * replacing the older), and the latest goes out when the interval ends, opening the next.
 * So a burst ends with its last value, never a stale one. `return()` releases the source
 * and every timer at once, even while a `next()` is pending.
 */
export function throttleLatest<T>(source: AsyncIterator<T>, options: ThrottleOptions<T>): AsyncIterableIterator<T> {
  const { intervalMs, keyOf, setTimer = setTimeout, clearTimer = (t) => clearTimeout(t as NodeJS.Timeout) } = options;
  const keys = new Map<string, KeyState<T>>();
  const ready: T[] = [];
  type Waiter = { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void };
  let waiting: Waiter | null = null;
  const takeWaiter = (): Waiter | null => {
    const w = waiting;
    waiting = null;
    return w;
  };
  let failure: { error: unknown } | null = null;
  let done = false;

  function emit(value: T): void {
    const w = takeWaiter();
    if (w) w.resolve({ value, done: false });
    else ready.push(value);
  }

  function open(key: string, state: KeyState<T>): void {
    state.timer = setTimer(() => {
      if (done) return;
      if (state.pending === undefined) {
        keys.delete(key);
        return;
      }
      const value = state.pending;
      state.pending = undefined;
      emit(value);
      open(key, state);
    }, intervalMs);
  }

  /** `drain`: the source ended, so what is held goes out now; otherwise it is dropped */
  function finish(drain = false): void {
    if (done) return;
    for (const state of keys.values()) {
      clearTimer(state.timer);
      if (drain && state.pending !== undefined) emit(state.pending);
    }
    done = true;
    keys.clear();
    if (!drain) ready.length = 0;
    takeWaiter()?.resolve({ value: undefined, done: true });
  }

  void (async () => {
    try {
      for (;;) {
        const result = await source.next();
        if (done) return;
        if (result.done) return finish(true);
        const key = keyOf(result.value);
        const state = keys.get(key);
        if (state) state.pending = result.value;
        else {
          const fresh: KeyState<T> = { timer: null, pending: undefined };
          keys.set(key, fresh);
          emit(result.value);
          open(key, fresh);
        }
      }
    } catch (error) {
      if (done) return;
      const w = takeWaiter();
      if (w) w.reject(error);
      else failure = { error };
      finish();
    }
  })();

  const iterator: AsyncIterableIterator<T> = {
    next() {
      if (ready.length > 0) return Promise.resolve({ value: ready.shift() as T, done: false });
      if (failure) {
        const { error } = failure;
        failure = null;
        return Promise.reject(error);
      }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    async return() {
      finish();
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      finish();
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
