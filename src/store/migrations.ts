import type { Database } from 'better-sqlite3';
import type { Logger } from '../logger.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
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
];

/**
 * Applies every migration not applied yet, each in its own IMMEDIATE transaction together with
 * its `schema_migrations` row, so two processes opening the same file cannot both apply one.
 * Returns the versions applied by this call.
 */
export function migrate(db: Database, options: { logger?: Logger; now?: () => number } = {}): number[] {
  const { logger, now = Date.now } = options;
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
  for (const migration of MIGRATIONS) {
    const apply = db.transaction(() => {
      if (isApplied.get(migration.version)) return false;
      db.exec(migration.sql);
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
