import type { Every, Timers } from '../../src/timers.js';

/** A clock the test moves by hand; timers fire when it passes their time (no waits in tests). */
export interface ManualClock {
  now(): number;
  timers: Timers;
  /** a repeating timer on this clock (`Every`): its ticks fall at exact multiples of `ms` */
  every: Every;
  /** moves the clock on and runs, in order, every timer now due, each seeing the time it was due at */
  advance(ms: number): void;
  /** timers waiting */
  readonly pending: number;
}

export function manualClock(start = Date.now()): ManualClock {
  let now = start;
  let nextId = 0;
  const waiting = new Map<number, { at: number; callback: () => void }>();
  const schedule = (at: number, callback: () => void): number => {
    const id = ++nextId;
    waiting.set(id, { at, callback });
    return id;
  };
  return {
    now: () => now,
    timers: {
      setTimeout: (callback, ms) => schedule(now + ms, callback),
      clearTimeout: (id) => void waiting.delete(id as number),
    },
    every(ms, tick) {
      let id = 0;
      const arm = (at: number): void => {
        id = schedule(at, () => {
          arm(at + ms);
          tick();
        });
      };
      arm(now + ms);
      return () => void waiting.delete(id);
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        let due: [number, { at: number; callback: () => void }] | undefined;
        for (const entry of waiting) if (entry[1].at <= target && (!due || entry[1].at < due[1].at)) due = entry;
        if (!due) break;
        waiting.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].callback();
      }
      now = target;
    },
    get pending() {
      return waiting.size;
    },
  };
}
