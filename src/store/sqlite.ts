import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { Price, PriceChange } from '../domain/price.js';
import { silentLogger, type Logger } from '../logger.js';
import { migrate } from './migrations.js';
import { createSqliteEventLog } from './sqlite-event-log.js';
import type { PriceCache, Store } from './types.js';
import { createMemoryPrices, type PendingPrices } from './memory-prices.js';

export interface SqliteStoreOptions {
  /** file path (parent directories are created) or `:memory:` */
  path: string;
  logger?: Logger;
  now?: () => number;
  /**
   * How often pending price writes are persisted.
   * @default 1000
   */
  flushIntervalMs?: number;
  /**
   * How long a statement waits for a lock held by another connection.
   * @default 5000
   */
  busyTimeoutMs?: number;
}

function isFilePath(path: string): boolean {
  return path !== ':memory:' && path !== '' && !path.startsWith('file:');
}

/**
 * The embedded store: event log, poll cursor and latest prices in one SQLite file.
 *
 * Durability: the file runs in WAL mode with `synchronous=FULL`, so every committed transaction
 * (an event batch, with its poll cursor when it is a polled page) is fsynced before `append` resolves and
 * survives a power loss, not only a process crash. Price writes are batched by the
 * write-behind timer into one transaction per interval, so FULL costs them one fsync per
 * interval, not one per tick.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  const { path, logger = silentLogger, now = Date.now, flushIntervalMs = 1000, busyTimeoutMs = 5000 } = options;
  if (!Number.isFinite(flushIntervalMs) || flushIntervalMs <= 0) {
    throw new Error(`openSqliteStore: flushIntervalMs must be a positive number of milliseconds, got ${flushIntervalMs}`);
  }
  if (isFilePath(path)) mkdirSync(dirname(path), { recursive: true });

  const db = new BetterSqlite3(path);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    if (isFilePath(path)) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') logger.warn({ path, mode }, 'store could not switch to WAL; continuing in this journal mode');
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db, { logger, now });
  } catch (error) {
    db.close();
    throw error;
  }

  const events = createSqliteEventLog(db, now);
  const prices = createPriceCache(db, { logger, now });
  const timer = setInterval(() => {
    try {
      prices.flushNow();
    } catch (error) {
      logger.error({ err: error }, 'price cache flush failed');
    }
  }, flushIntervalMs);
  timer.unref();

  let closed = false;
  return {
    prices,
    events,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      try {
        prices.flushNow();
      } finally {
        db.close();
      }
    },
  };
}

interface SqlitePriceCache extends PriceCache {
  /** Persists pending writes synchronously; on failure keeps them pending and logs. */
  flushNow(): void;
}

function createPriceCache(db: Database, deps: { logger: Logger; now: () => number }): SqlitePriceCache {
  const { logger, now } = deps;
  const memory = createMemoryPrices();

  const upsertPrice = db.prepare<[string, string, number]>(
    `INSERT INTO latest_prices (id, json, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
  );
  const upsertChange = db.prepare<[string, string, number]>(
    `INSERT INTO latest_price_changes (id, json, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
  );
  const writeTx = db.transaction((batch: PendingPrices, at: number) => {
    for (const p of batch.prices.values()) upsertPrice.run(p.id, JSON.stringify(p), at);
    for (const c of batch.changes.values()) upsertChange.run(c.id, JSON.stringify(c), at);
  });

  // Warm start: whatever was persisted last is served until fresh frames arrive.
  function load<T extends { id: string }>(table: string, into: Map<string, T>): void {
    const rows = db.prepare<[], { id: string; json: string }>(`SELECT id, json FROM ${table}`).all();
    for (const row of rows) {
      try {
        into.set(row.id, JSON.parse(row.json) as T);
      } catch {
        logger.warn({ table, id: row.id }, 'skipping an unreadable cached price row');
      }
    }
  }
  load('latest_prices', memory.prices);
  load('latest_price_changes', memory.changes);
  logger.debug({ prices: memory.prices.size, changes: memory.changes.size }, 'price cache loaded');

  function flushNow(): void {
    const batch = memory.takePending();
    if (batch.prices.size === 0 && batch.changes.size === 0) return;
    try {
      writeTx.immediate(batch, now());
    } catch (error) {
      memory.restorePending(batch);
      if (!db.open) throw error;
      logger.error({ err: error, pending: batch.prices.size + batch.changes.size }, 'price cache flush failed; will retry');
    }
  }

  return {
    putPrice: memory.putPrice,
    putChange: memory.putChange,
    getPrice: memory.getPrice,
    getChange: memory.getChange,
    listPrices: memory.listPrices,
    listChanges: memory.listChanges,
    async flush() {
      flushNow();
    },
    flushNow,
  };
}
