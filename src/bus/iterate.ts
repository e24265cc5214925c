/**
 * Keeps the values of `source` that pass `keep`. Written by hand rather than as an async
 * generator so that `return()` reaches the source at once, even while a `next()` is pending:
 * a quiet filtered subscription must release its listener when the client completes.
 */
export function filterIterator<T>(source: AsyncIterator<T>, keep: (value: T) => boolean): AsyncIterableIterator<T> {
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      for (;;) {
        const result = await source.next();
        if (result.done || keep(result.value)) return result;
      }
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
