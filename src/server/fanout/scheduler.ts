import type { Subscriber } from './subscriber.js';

export interface FanoutSchedulerOptions {
  /** the most socket writes in one turn of the event loop (about 5-7 ms of work) @default 500 */
  chunkSize?: number;
  /** deliveries made to active subscribers, reported once per chunk */
  onDelivered?: (count: number) => void;
  /** waits for the next turn of the event loop @default setImmediate */
  nextTurn?: (run: () => void) => void;
  /**
   * A frame given a `receivedAt` was handed to the last of its targets: called once per such
   * job, never per target, so measuring the fan-out's latency costs nothing per subscriber.
   */
  onWritten?: (field: string | null, receivedAt: number) => void;
}

interface Job {
  targets: readonly Subscriber[];
  index: number;
  /** a shared `next` frame: handed to every target as it is (no closure per job) */
  payload: Buffer | null;
  key: string | null;
  /** anything else per target, when `payload` is null */
  deliver: ((subscriber: Subscriber) => void) | null;
  /** the subscription field and the upstream receipt time (epoch ms) of a frame, for `onWritten` */
  field: string | null;
  receivedAt: number | null;
}

export interface FanoutScheduler {
  /**
   * The same serialized `next` payload (UTF-8) to every target; with `receivedAt` (epoch ms,
   * when the event arrived upstream) `onWritten` reports once it reached the last target.
   */
  next(targets: readonly Subscriber[], payload: Buffer, key: string | null, field?: string | null, receivedAt?: number | null): void;
  /** Anything else per target (a group's end), in order with the frames before it. */
  each(targets: readonly Subscriber[], deliver: (subscriber: Subscriber) => void): void;
  /** deliveries not yet made */
  readonly backlog: number;
}

/**
 * Hands shared frames to their recipients in bounded chunks. Jobs run strictly in arrival
 * order, so a socket sees the events of a subscription in order however the chunks fall; at
 * most `chunkSize` writes happen per turn of the event loop, then the rest waits for the next
 * turn (setImmediate), so timers, I/O and the upstream keep being served during a large
 * fan-out.
 */
export function createFanoutScheduler(options: FanoutSchedulerOptions = {}): FanoutScheduler {
  const { chunkSize = 500, onDelivered = () => {}, nextTurn = setImmediate, onWritten = () => {} } = options;
  const jobs: Job[] = [];
  let head = 0;
  let usedThisTurn = 0;
  let armed = false;
  let backlog = 0;

  function arm(): void {
    if (armed) return;
    armed = true;
    nextTurn(() => {
      armed = false;
      usedThisTurn = 0;
      drain();
    });
  }

  let draining = false;

  function drain(): void {
    draining = true;
    let done = 0;
    let delivered = 0;
    while (head < jobs.length && usedThisTurn < chunkSize) {
      const job = jobs[head]!;
      const end = Math.min(job.targets.length, job.index + (chunkSize - usedThisTurn));
      const { targets, payload, key, deliver } = job;
      if (payload !== null) {
        for (let i = job.index; i < end; i++) {
          const target = targets[i]!;
          if (target.active) {
            target.nextShared(payload, key);
            delivered++;
          }
        }
      } else {
        for (let i = job.index; i < end; i++) {
          const target = targets[i]!;
          if (target.active) {
            deliver!(target);
            delivered++;
          }
        }
      }
      const count = end - job.index;
      usedThisTurn += count;
      done += count;
      job.index = end;
      if (end === targets.length) {
        jobs[head++] = undefined as unknown as Job;
        if (job.receivedAt !== null) onWritten(job.field, job.receivedAt);
      }
    }
    backlog -= done;
    if (head === jobs.length) {
      jobs.length = 0;
      head = 0;
    } else if (head > 1024) {
      jobs.splice(0, head);
      head = 0;
    }
    draining = false;
    if (delivered > 0) onDelivered(delivered);
    // the budget of this turn is reset on the next one; pending jobs continue there
    if (usedThisTurn > 0 || head < jobs.length) arm();
  }

  function push(job: Job): void {
    if (job.targets.length === 0) return;
    backlog += job.targets.length;
    jobs.push(job);
    if (!draining && jobs.length - head === 1 && usedThisTurn < chunkSize) drain();
    else arm();
  }

  return {
    next(targets, payload, key, field = null, receivedAt = null) {
      push({ targets, index: 0, payload, key, deliver: null, field, receivedAt });
    },
    each(targets, deliver) {
      push({ targets, index: 0, payload: null, key: null, deliver, field: null, receivedAt: null });
    },
    get backlog() {
      return backlog;
    },
  };
}
