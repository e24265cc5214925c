/** Subscribes `listener` to the changes of some live state; returns what unsubscribes it. */
export type Watch = (listener: () => void) => () => void;

/**
 * Listeners told after a change of a live count (subscription groups, open streams, a status),
 * so that tests and tools wait on the change itself instead of polling. Telling nobody costs a
 * size check: no allocation, no call.
 */
export interface ChangeListeners {
  watch: Watch;
  changed(): void;
}

export function createChangeListeners(): ChangeListeners {
  const listeners = new Set<() => void>();
  return {
    watch(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    changed() {
      if (listeners.size === 0) return;
      // a Set survives deletions while it is iterated: a listener may unsubscribe itself
      for (const listener of listeners) listener();
    },
  };
}
