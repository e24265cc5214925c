import type { Database, Statement } from 'better-sqlite3';
import type { NotificationRecord } from '../domain/notification.js';
import { storablePolled, storablePushed, storedRecord, type StorableNotification } from '../domain/notification-identity.js';
import type { EventLog, EventQuery } from './types.js';

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

/**
 * The event log in the embedded store (migrations 1 and 2). Every append is one IMMEDIATE
 * transaction, so deduplication and the cursor move are atomic with the insert, and with
 * `synchronous=FULL` durable once it resolves.
 */
export function createSqliteEventLog(db: Database, now: () => number): EventLog {
  // Duplicates are skipped before the INSERT: a conflicting INSERT would still consume a value
  // of the AUTOINCREMENT sequence and leave a gap in the log.
  const knownId = db.prepare<[string, string], { found: number }>('SELECT 1 AS found FROM events WHERE id = ? OR upstream_id = ?');
  const anyWithKey = db.prepare<[string], { found: number }>('SELECT 1 AS found FROM events WHERE content_key = ? LIMIT 1');
  const awaitingUpstreamId = db.prepare<[string], { seq: number }>(
    'SELECT seq FROM events WHERE content_key = ? AND upstream_id IS NULL ORDER BY seq LIMIT 1',
  );
  const setUpstreamId = db.prepare<[string, number]>('UPDATE events SET upstream_id = ? WHERE seq = ?');
  const insert = db.prepare<[string, string | null, string, string, string, string, string | null, string, number]>(
    `INSERT INTO events (id, upstream_id, content_key, raw_type, type, created_at, user_id, payload_text, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const setCursor = db.prepare<[string, string | null]>(
    'INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const getCursor = db.prepare<[string], { value: string | null }>('SELECT value FROM state WHERE key = ?');
  const getById = db.prepare<[string], EventRow>('SELECT * FROM events WHERE id = ?');
  const getByUpstreamId = db.prepare<[string], EventRow>('SELECT * FROM events WHERE upstream_id = ?');
  const maxSeq = db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM events');

  function store(event: StorableNotification): NotificationRecord {
    const { id, upstreamId, contentKey, rawType, type, createdAt, userId, payloadText, receivedAt } = event;
    const seq = Number(insert.run(id, upstreamId, contentKey, rawType, type, createdAt, userId, payloadText, receivedAt).lastInsertRowid);
    return storedRecord(event, seq);
  }

  /** A polled event: new unless its id is known or it is the polled copy of a pushed one. */
  function storePolled(event: StorableNotification & { upstreamId: string }): NotificationRecord | null {
    if (knownId.get(event.upstreamId, event.upstreamId)) return null;
    const pushed = awaitingUpstreamId.get(event.contentKey);
    if (pushed) {
      setUpstreamId.run(event.upstreamId, pushed.seq);
      return null;
    }
    return store(event);
  }

  /** A pushed event: new unless some stored event has its content. */
  function storePushed(event: StorableNotification): NotificationRecord | null {
    if (anyWithKey.get(event.contentKey) || knownId.get(event.id, event.id)) return null;
    return store(event);
  }

  const appendPolled = db.transaction((batch: Parameters<EventLog['append']>[0], pollCursor: string | null) => {
    const receivedAt = now();
    const stored: NotificationRecord[] = [];
    for (const event of batch) {
      const record = storePolled(storablePolled(event, receivedAt));
      if (record) stored.push(record);
    }
    setCursor.run(POLL_CURSOR_KEY, pollCursor);
    return stored;
  });

  const appendPushed = db.transaction((batch: Parameters<EventLog['appendPushed']>[0]) => {
    const receivedAt = now();
    const stored: NotificationRecord[] = [];
    for (const event of batch) {
      const record = storePushed(storablePushed(event, receivedAt));
      if (record) stored.push(record);
    }
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
      return appendPolled.immediate(batch, pollCursor);
    },
    async appendPushed(batch) {
      return appendPushed.immediate(batch);
    },
    async pollCursor() {
      return getCursor.get(POLL_CURSOR_KEY)?.value ?? null;
    },
    async get(id) {
      const row = getById.get(id) ?? getByUpstreamId.get(id);
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
