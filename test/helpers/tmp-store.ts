import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';

export interface TmpStores {
  /** the current test's temporary directory (a new one for each test) */
  readonly dir: string;
  /** opens a SQLite store (by default at `<dir>/nested/gateway.sqlite`), closed after the test */
  open(options?: { path?: string; now?: () => number; flushIntervalMs?: number }): Store;
}

/**
 * Registers, where it is called, hooks that give each test a fresh temporary directory, and after it
 * close every store `open` opened and delete the directory.
 */
export function useTmpStores(): TmpStores {
  let dir: string;
  const opened: Store[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-store-'));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  return {
    get dir() {
      return dir;
    },
    open(options = {}) {
      const store = openSqliteStore({ path: options.path ?? join(dir, 'nested', 'gateway.sqlite'), ...options });
      opened.push(store);
      return store;
    },
  };
}
