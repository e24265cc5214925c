/** What Yoga's parse and validation caches need of a cache. */
export interface KeyedCache<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
}

export interface BoundedCacheOptions {
  /** entries kept at most @default 1000 */
  maxEntries?: number;
  /** characters of all keys together; a parsed document is a multiple of its text @default 1048576 */
  maxTotalChars?: number;
  /** a key longer than this is never kept @default 16384 */
  maxKeyChars?: number;
}

/**
 * A least-recently-used cache bounded by its number of entries and by the total length of its
 * keys. The keys are document texts: what a document holds once parsed grows with its text, so
 * bounding the texts bounds the cache. Yoga's own caches hold 1,024 entries whatever their size.
 */
export function createBoundedCache<T>(options: BoundedCacheOptions = {}): KeyedCache<T> & { readonly size: number; readonly totalChars: number } {
  const { maxEntries = 1000, maxTotalChars = 1_048_576, maxKeyChars = 16_384 } = options;
  const entries = new Map<string, T>();
  let totalChars = 0;
  return {
    get size() {
      return entries.size;
    },
    get totalChars() {
      return totalChars;
    },
    get(key) {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      // most recently used last
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set(key, value) {
      if (key.length > maxKeyChars) return;
      if (entries.delete(key)) totalChars -= key.length;
      entries.set(key, value);
      totalChars += key.length;
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries && totalChars <= maxTotalChars) break;
        entries.delete(oldest);
        totalChars -= oldest.length;
      }
    },
  };
}
