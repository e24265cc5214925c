/** An unbounded queue whose `shift()` waits for the next value: tests wait on events, never on time. */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters: Array<(value: T) => void> = [];
  private readonly watchers = new Set<(value: T) => void>();
  readonly all: T[] = [];

  push(value: T): void {
    this.all.push(value);
    for (const watcher of [...this.watchers]) watcher(value);
    const waiter = this.waiters.shift();
    if (waiter) waiter(value);
    else this.items.push(value);
  }

  shift(): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Values taken until `predicate` holds for one (that one included). */
  async until(predicate: (value: T) => boolean): Promise<T[]> {
    const taken: T[] = [];
    for (;;) {
      const value = await this.shift();
      taken.push(value);
      if (predicate(value)) return taken;
    }
  }

  /**
   * The first value from index `from` on, already pushed or still to come, for which
   * `predicate` holds. Takes nothing from the queue, so several can wait at once.
   */
  find(predicate: (value: T) => boolean, from = 0): Promise<T> {
    for (let i = from; i < this.all.length; i++) if (predicate(this.all[i]!)) return Promise.resolve(this.all[i]!);
    return new Promise((resolve) => {
      const watcher = (value: T): void => {
        if (this.all.length - 1 < from || !predicate(value)) return;
        this.watchers.delete(watcher);
        resolve(value);
      };
      this.watchers.add(watcher);
    });
  }

  /** Calls `listener` after each value pushed; returns what stops it. */
  readonly watch = (listener: () => void): (() => void) => {
    const watcher = (): void => listener();
    this.watchers.add(watcher);
    return () => void this.watchers.delete(watcher);
  };

  get pending(): number {
    return this.items.length;
  }
}

/** Rejects with a message naming what was awaited when `promise` takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
