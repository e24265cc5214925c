import type { Database } from 'better-sqlite3';
import { notificationContentKey } from '../domain/notification-identity.js';
import type { Logger } from '../logger.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** runs after `sql`, in the same transaction: fills what SQL alone cannot compute */
  backfill?: (db: Database) => void;
}

const BACKFILL_PAGE = 1000;

/** Content keys of the events stored before they existed, page by page (a statement cannot write while another reads). */
function backfillContentKeys(db: Database): void {
  const page = db.prepare<[number, number], { seq: number; raw_type: string; payload_text: string }>(
    'SELECT seq, raw_type, payload_text FROM events WHERE seq > ? ORDER BY seq LIMIT ?',
  );
  const update = db.prepare<[string, number]>('UPDATE events SET content_key = ? WHERE seq = ?');
  for (let after = 0; ; ) {
    const rows = page.all(after, BACKFILL_PAGE);
    for (const row of rows) update.run(notificationContentKey(row.raw_type, row.payload_text), row.seq);
    if (rows.length < BACKFILL_PAGE) return;
    after = rows[rows.length - 1]!.seq;
  }
}

/**
 * The embedded store's schema, versioned. Append new migrations at the end with the next
 * version; never edit one that has shipped.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'event log, poll cursor, latest prices',
    sql: `
      CREATE TABLE events (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        id           TEXT    NOT NULL UNIQUE,
        raw_type     TEXT    NOT NULL,
        type         TEXT    NOT NULL,
        created_at   TEXT    NOT NULL,
        user_id      TEXT,
        payload_text TEXT    NOT NULL,
        received_at  INTEGER NOT NULL
      );
      CREATE INDEX events_type_seq ON events (type, seq);
      CREATE INDEX events_user_seq ON events (user_id, seq);

      CREATE TABLE state (
        key   TEXT PRIMARY KEY,
        value TEXT
      );

      CREATE TABLE latest_prices (
        id         TEXT    PRIMARY KEY,
        json       TEXT    NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE latest_price_changes (
        id         TEXT    PRIMARY KEY,
        json       TEXT    NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'upstream ids and content keys of events, to store a notification pushed and polled once',
    sql: `
      ALTER TABLE events ADD COLUMN upstream_id TEXT;
      ALTER TABLE events ADD COLUMN content_key TEXT NOT NULL DEFAULT '';
      UPDATE events SET upstream_id = id;
      CREATE UNIQUE INDEX events_upstream_id ON events (upstream_id);
      CREATE INDEX events_content_key ON events (content_key);
    `,
    backfill: backfillContentKeys,
  },
];

/**
 * Applies every migration not applied yet, each in its own IMMEDIATE transaction together with
 * its `schema_migrations` row, so two processes opening the same file cannot both apply one.
 * Returns the versions applied by this call.
 */
export function migrate(
  db: Database,
  options: { logger?: Logger; now?: () => number; migrations?: readonly Migration[] } = {},
): number[] {
  const { logger, now = Date.now, migrations = MIGRATIONS } = options;
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const isApplied = db.prepare<[number], { version: number }>('SELECT version FROM schema_migrations WHERE version = ?');
  const record = db.prepare<[number, string, number]>(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  const applied: number[] = [];
  for (const migration of migrations) {
    const apply = db.transaction(() => {
      if (isApplied.get(migration.version)) return false;
      db.exec(migration.sql);
      migration.backfill?.(db);
      record.run(migration.version, migration.name, now());
      return true;
    });
    if (apply.immediate()) {
      applied.push(migration.version);
      logger?.info({ version: migration.version, name: migration.name }, 'store migration applied');
    }
  }
  return applied;
}
