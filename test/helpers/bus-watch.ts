import type { Bus, SubscribeOptions } from '../../src/bus/bus.js';
import type { Watch } from '../../src/change-listeners.js';
import type { Topic, Topics } from '../../src/bus/topics.js';
import { AsyncQueue, within } from './queue.js';

export interface BusWatch {
  /** every topic a subscription started listening to, in order */
  subscribed: AsyncQueue<Topic>;
  /** resolves once `count` subscriptions listen to `topic` (counting those already started) */
  listening(topic: Topic, count?: number): Promise<void>;
  restore(): void;
}

/**
 * Records each `bus.subscribe` (what every subscription resolver calls once it listens), so a
 * test can publish only after a client's subscription is live, without polling.
 */
export function watchBusSubscriptions(bus: Bus): BusWatch {
  const subscribed = new AsyncQueue<Topic>();
  const original = bus.subscribe;
  const subscribe = original.bind(bus);
  bus.subscribe = <K extends Topic>(topic: K, keep?: (payload: Topics[K]) => boolean, options?: SubscribeOptions) => {
    const iterator = subscribe(topic, keep, options);
    subscribed.push(topic);
    return iterator;
  };
  return {
    subscribed,
    async listening(topic, count = 1) {
      let seen = 0;
      await subscribed.find((t) => t === topic && ++seen >= count);
    },
    restore() {
      bus.subscribe = original;
    },
  };
}

/**
 * Resolves when `count` listeners listen to `topic` on `bus`: checked at once, then on each
 * change the bus reports. Rejects naming the wait after `ms` (a guard, not a measurement).
 */
export function listenerCount(bus: Bus, topic: Topic, count: number, ms = 10_000): Promise<void> {
  let stop = (): void => {};
  const reached = new Promise<void>((resolve) => {
    if (bus.listenerCount(topic) === count) return resolve();
    stop = bus.watchListeners((t, n) => {
      if (t === topic && n === count) resolve();
    });
  });
  return within(reached, ms, `${count} listeners on ${topic} (${bus.listenerCount(topic)} now)`).finally(() => stop());
}

/**
 * Resolves with the next payload published on `topic` for which `predicate` holds (the gateway
 * stores a price before it publishes it). Call it before causing the event.
 */
export function published<K extends Topic>(bus: Bus, topic: K, predicate: (payload: Topics[K]) => boolean = () => true, ms = 10_000): Promise<Topics[K]> {
  let off = (): void => {};
  const seen = new Promise<Topics[K]>((resolve) => {
    off = bus.on(topic, (payload) => {
      if (predicate(payload)) resolve(payload);
    });
  });
  return within(seen, ms, `a ${topic} event`).finally(() => off());
}

/** The changes of `bus`'s listener counts, as a source for `whenTrue`. */
export function busListeners(bus: Bus): Watch {
  return (listener) => bus.watchListeners(() => listener());
}

/** Each publication on `topic`, as a source for `whenTrue` (the store holds a notification before it is published). */
export function publications(bus: Bus, topic: Topic): Watch {
  return (listener) => bus.on(topic, () => listener());
}
