import { createChangeListeners, type Watch } from './change-listeners.js';
import type { Logger } from './logger.js';
import type { Readiness } from './server/http.js';

/** What `/ready` last answered, and what tells of a change. */
export interface ReadinessChanges {
  /** evaluates readiness again (after a change of something it reads): logs and tells watchers when `ready` flipped */
  check(): void;
  /** told after each flip of `ready` */
  watch: Watch;
  /** the last evaluation; null before the first */
  last(): Readiness | null;
  /** no check after this one runs */
  stop(): void;
}

/**
 * Logs each flip of the gateway's readiness, for operators (`gateway ready`, `gateway not
 * ready: <reasons>`, a warning unless it is the first state at start), when something `/ready` reads changed: the price socket's state, the
 * events poller's status. Readiness stays computed on request for `/ready`; this only
 * re-evaluates it on those changes, one evaluation at a time (a change during one runs it
 * once more when it is done).
 */
export function createReadinessChanges(readiness: () => Promise<Readiness> | Readiness, logger: Logger): ReadinessChanges {
  const changes = createChangeListeners();
  let last: Readiness | null = null;
  let running = false;
  let again = false;
  let stopped = false;

  async function evaluate(): Promise<void> {
    if (running) {
      again = true;
      return;
    }
    running = true;
    do {
      again = false;
      let now: Readiness;
      try {
        now = await readiness();
      } catch (error) {
        if (!stopped) logger.warn({ err: error }, 'readiness could not be evaluated');
        continue;
      }
      if (stopped) break;
      const before = last;
      last = now;
      if (before !== null && before.ready === now.ready) continue;
      if (now.ready) logger.info({ ready: true, checks: now.checks }, 'gateway ready');
      else {
        // not ready yet at start is expected (the upstream connects): only a loss of readiness warns
        const level = before === null ? 'info' : 'warn';
        logger[level]({ ready: false, reasons: now.reasons, checks: now.checks }, `gateway not ready: ${now.reasons.join('; ')}`);
      }
      changes.changed();
    } while (again && !stopped);
    running = false;
  }

  return {
    check: () => void (stopped || evaluate()),
    watch: changes.watch,
    last: () => last,
    stop: () => void (stopped = true),
  };
}
