/** An unbounded queue whose `shift()` waits for the next value: tests wait on events, never on time. */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters: Array<(value: T) => void> = [];
  readonly all: T[] = [];

  push(value: T): void {
    this.all.push(value);
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
