import type { Topic, Topics } from './topics.js';

/** The minimal EventTarget surface shared by the in-memory target and the Redis one. */
export interface BusEventTarget {
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener(type: string, listener: (event: Event) => void): void;
  dispatchEvent(event: Event): boolean;
}

export interface SubscribeOptions {
  /**
   * Events buffered for a consumer that does not keep up; past it the iterator fails with
   * `SubscriberOverflowError` and stops listening, so memory stays bounded.
   * @default 10000
   */
  maxQueued?: number;
}

/** A consumer fell `maxQueued` events behind; it should resubscribe (with its cursor). */
export class SubscriberOverflowError extends Error {
  constructor(readonly topic: string, readonly maxQueued: number) {
    super(`${topic}: the subscriber fell ${maxQueued} events behind and was ended; resubscribe with your last cursor`);
    this.name = 'SubscriberOverflowError';
  }
}

export interface Bus {
  publish<K extends Topic>(topic: K, payload: Topics[K]): void;
  /** Listens from this moment on; returns the function that stops listening. */
  on<K extends Topic>(topic: K, listener: (payload: Topics[K]) => void): () => void;
  /**
   * The topic as an async iterator that buffers from the moment of the call. `keep` runs in the
   * listener, so events a subscription does not want cost no queueing and no promise.
   */
  subscribe<K extends Topic>(
    topic: K,
    keep?: (payload: Topics[K]) => boolean,
    options?: SubscribeOptions,
  ): AsyncIterableIterator<Topics[K]>;
  listenerCount(topic: Topic): number;
  /** Calls `watcher` after each change of a topic's listener count; returns what stops it. */
  watchListeners(watcher: (topic: Topic, count: number) => void): () => void;
}

/**
 * A typed pub/sub over an EventTarget (in memory, or Redis in cluster mode). Each topic holds
 * one listener on the target however many subscribers there are; delivery to them is local.
 */
export function createBus(options: { eventTarget?: BusEventTarget } = {}): Bus {
  // without a shared target, publishing calls the listeners directly: no event object per frame
  const { eventTarget = null } = options;
  const listeners = new Map<Topic, Set<(payload: never) => void>>();
  const bridges = new Map<Topic, (event: Event) => void>();
  const watchers = new Set<(topic: Topic, count: number) => void>();

  function changed(topic: Topic, count: number): void {
    for (const watcher of watchers) watcher(topic, count);
  }

  function deliver(topic: Topic, payload: never): void {
    const set = listeners.get(topic);
    if (!set) return;
    // a Set survives deletions while it is iterated: no copy per event
    for (const listener of set) listener(payload);
  }

  function listenersOf(topic: Topic): Set<(payload: never) => void> {
    let set = listeners.get(topic);
    if (!set) {
      set = new Set();
      listeners.set(topic, set);
      if (eventTarget) {
        const bridge = (event: Event): void => deliver(topic, (event as CustomEvent).detail as never);
        bridges.set(topic, bridge);
        eventTarget.addEventListener(topic, bridge);
      }
    }
    return set;
  }

  function on<K extends Topic>(topic: K, listener: (payload: Topics[K]) => void): () => void {
    const set = listenersOf(topic);
    set.add(listener as (payload: never) => void);
    changed(topic, set.size);
    return () => {
      if (!set.delete(listener as (payload: never) => void)) return;
      if (set.size === 0 && listeners.get(topic) === set) {
        const bridge = bridges.get(topic);
        if (bridge) eventTarget?.removeEventListener(topic, bridge);
        bridges.delete(topic);
        listeners.delete(topic);
      }
      changed(topic, set.size);
    };
  }

  function subscribe<K extends Topic>(
    topic: K,
    keep?: (payload: Topics[K]) => boolean,
    options: SubscribeOptions = {},
  ): AsyncIterableIterator<Topics[K]> {
    const { maxQueued = 10_000 } = options;
    const queue: Topics[K][] = [];
    let waiting: ((result: IteratorResult<Topics[K]>) => void) | null = null;
    let done = false;
    let overflow: SubscriberOverflowError | null = null;
    const off = on(topic, (payload) => {
      if (keep && !keep(payload)) return;
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        resolve({ value: payload, done: false });
      } else if (queue.length < maxQueued) queue.push(payload);
      else {
        overflow = new SubscriberOverflowError(topic, maxQueued);
        off();
        queue.length = 0;
      }
    });
    const finish = (): Promise<IteratorResult<Topics[K]>> => {
      if (!done) {
        done = true;
        off();
        queue.length = 0;
        waiting?.({ value: undefined, done: true });
        waiting = null;
      }
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      next() {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift() as Topics[K], done: false });
        if (overflow && !done) {
          done = true;
          return Promise.reject(overflow);
        }
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          waiting = resolve;
        });
      },
      return: finish,
      throw: (error?: unknown) => finish().then(() => Promise.reject(error)),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  return {
    publish(topic, payload) {
      if (eventTarget) eventTarget.dispatchEvent(new CustomEvent(topic, { detail: payload }));
      else deliver(topic, payload as never);
    },
    on,
    subscribe,
    listenerCount: (topic) => listeners.get(topic)?.size ?? 0,
    watchListeners(watcher) {
      watchers.add(watcher);
      return () => void watchers.delete(watcher);
    },
  };
}
