import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import {
  extractUserId,
  notificationTypeOf,
  type IncomingNotification,
  type NotificationRecord,
} from '../domain/notification.js';
import type { Price, PriceChange } from '../domain/price.js';
import { silentLogger, type Logger } from '../logger.js';
import { migrate } from './migrations.js';
import type { EventLog, EventQuery, PriceCache, Store } from './types.js';
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

const POLL_CURSOR_KEY = 'events.poll_cursor';

interface EventRow {
  seq: number;
  id: string;
  raw_type: string;
  type: string;
  created_at: string;
  user_id: string | null;
  payload_text: string;
  received_at: number;
}

function toRecord(row: EventRow): NotificationRecord {
  return {
    seq: row.seq,
    id: row.id,
    rawType: row.raw_type,
    type: row.type,
    createdAt: row.created_at,
    userId: row.user_id,
    payloadText: row.payload_text,
    receivedAt: row.received_at,
  };
}

function isFilePath(path: string): boolean {
  return path !== ':memory:' && path !== '' && !path.startsWith('file:');
}

/**
 * The embedded store: event log, poll cursor and latest prices in one SQLite file.
 *
 * Durability: the file runs in WAL mode with `synchronous=FULL`, so every committed transaction
 * (an event batch together with its poll cursor) is fsynced before `append` resolves and
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

  const events = createEventLog(db, now);
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

function createEventLog(db: Database, now: () => number): EventLog {
  // Duplicates are skipped before the INSERT: a conflicting INSERT would still consume a value
  // of the AUTOINCREMENT sequence and leave a gap in the log.
  const exists = db.prepare<[string], { found: number }>('SELECT 1 AS found FROM events WHERE id = ?');
  const insert = db.prepare<[string, string, string, string, string | null, string, number]>(
    `INSERT INTO events (id, raw_type, type, created_at, user_id, payload_text, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const setCursor = db.prepare<[string, string | null]>(
    'INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const getCursor = db.prepare<[string], { value: string | null }>('SELECT value FROM state WHERE key = ?');
  const getById = db.prepare<[string], EventRow>('SELECT * FROM events WHERE id = ?');
  const maxSeq = db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM events');

  const appendTx = db.transaction((batch: readonly IncomingNotification[], pollCursor: string | null) => {
    const receivedAt = now();
    const stored: NotificationRecord[] = [];
    for (const event of batch) {
      const { id, type: rawType, payload, created_at: createdAt } = event;
      if (exists.get(id)) continue;
      const userId = extractUserId(payload);
      const type = notificationTypeOf(rawType);
      const seq = Number(insert.run(id, rawType, type, createdAt, userId, payload, receivedAt).lastInsertRowid);
      stored.push({ seq, id, rawType, type, createdAt, userId, payloadText: payload, receivedAt });
    }
    setCursor.run(POLL_CURSOR_KEY, pollCursor);
    return stored;
  });

  /** One prepared statement per query shape, built on first use. */
  const listStatements = new Map<string, Statement<unknown[], EventRow>>();
  function listStatement(query: EventQuery, typeCount: number): Statement<unknown[], EventRow> {
    const hasUser = query.userId != null;
    const hasAfter = query.afterSeq != null;
    const hasBefore = query.beforeSeq != null;
    const key = `${query.direction}:${typeCount}:${+hasUser}${+hasAfter}${+hasBefore}`;
    let statement = listStatements.get(key);
    if (!statement) {
      const where: string[] = [];
      if (typeCount > 0) where.push(`type IN (${Array.from({ length: typeCount }, () => '?').join(', ')})`);
      if (hasUser) where.push('user_id = ?');
      if (hasAfter) where.push('seq > ?');
      if (hasBefore) where.push('seq < ?');
      const sql =
        'SELECT * FROM events' +
        (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
        ` ORDER BY seq ${query.direction === 'backward' ? 'DESC' : 'ASC'} LIMIT ?`;
      statement = db.prepare<unknown[], EventRow>(sql);
      listStatements.set(key, statement);
    }
    return statement;
  }

  return {
    async append(batch, pollCursor) {
      return appendTx.immediate(batch, pollCursor);
    },
    async pollCursor() {
      return getCursor.get(POLL_CURSOR_KEY)?.value ?? null;
    },
    async get(id) {
      const row = getById.get(id);
      return row ? toRecord(row) : null;
    },
    async list(query) {
      const limit = Number.isFinite(query.limit) ? Math.max(0, Math.floor(query.limit)) : 0;
      if (limit === 0) return [];
      const types = query.types && query.types.length > 0 ? [...new Set(query.types)] : [];
      const params: unknown[] = [...types];
      if (query.userId != null) params.push(query.userId);
      if (query.afterSeq != null) params.push(query.afterSeq);
      if (query.beforeSeq != null) params.push(query.beforeSeq);
      params.push(limit);
      return listStatement(query, types.length).all(...params).map(toRecord);
    },
    async lastSeq() {
      return maxSeq.get()?.seq ?? 0;
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
