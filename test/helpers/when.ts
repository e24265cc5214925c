import type { Watch } from '../../src/change-listeners.js';

/**
 * Resolves once `check` holds: checked at once, then again after each change that one of
 * `sources` reports (a change during an async check runs it once more when it is done). After
 * `ms` (a guard, not a measurement) it rejects naming the wait; `what` may be a function, read
 * then, to say where things stood. Stops watching either way.
 */
export function whenTrue(
  sources: Watch | readonly Watch[],
  check: () => boolean | Promise<boolean>,
  what: string | (() => string),
  ms = 10_000,
): Promise<void> {
  const watches = typeof sources === 'function' ? [sources] : sources;
  let stops: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  let running = false;
  let again = false;
  return new Promise<void>((resolve, reject) => {
    const settle = (error: unknown): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const stop of stops) stop();
      if (error === null) resolve();
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const evaluate = async (): Promise<void> => {
      if (done) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          if (await check()) return settle(null);
        } while (again && !done);
      } catch (error) {
        settle(error);
      } finally {
        running = false;
      }
    };
    timer = setTimeout(() => settle(new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`)), ms);
    // watching before the first check: no change can fall between the two
    stops = watches.map((watch) => watch(() => void evaluate()));
    void evaluate();
  });
}
