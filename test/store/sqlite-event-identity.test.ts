import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { notificationContentKey } from '../../src/domain/notification-identity.js';
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { useTmpStores } from '../helpers/tmp-store.js';
import { describeEventLogIdentity, polled, pushed } from './event-log-identity.js';

const tmp = useTmpStores();

describeEventLogIdentity('the SQLite event log', describe, async () => tmp.open({ path: ':memory:' }).events);

describe('the SQLite event log: migration 2 on a database of the previous version', () => {
  it('adds upstream ids and backfills the content keys of the events stored before, so their pushes are duplicates', async () => {
    const path = join(tmp.dir, 'v1.sqlite');
    const old = new BetterSqlite3(path);
    expect(migrate(old, { migrations: MIGRATIONS.filter((m) => m.version === 1) })).toEqual([1]);
    const insert = old.prepare(
      `INSERT INTO events (id, raw_type, type, created_at, user_id, payload_text, received_at) VALUES (?, ?, 'USER_UPDATE', 't', NULL, ?, 1)`,
    );
    const payloads = Array.from({ length: 2500 }, (_, i) => `{"n":${i},"user_id":"u-${i % 7}"}`);
    old.transaction(() => payloads.forEach((payload, i) => insert.run(`old-${i}`, 'user.update', payload)))();
    insert.run('old-text', 'user.mystery', 'not json');
    old.prepare("INSERT INTO state (key, value) VALUES ('events.poll_cursor', 'old-text')").run();
    old.close();

    const store = tmp.open({ path });
    expect(await store.events.appendPushed([pushed('{ "user_id": "u-0", "n": 0 }'), pushed('{"user_id":"u-6","n":2498}')])).toEqual([]);
    expect(await store.events.appendPushed([pushed('not json', 'user.mystery')])).toEqual([]);
    expect(await store.events.append([polled('old-7', payloads[7]!)], 'old-7')).toEqual([]);
    expect(await store.events.appendPushed([pushed('{"n":2500}')])).toMatchObject([{ seq: 2502 }]);
    await store.close();

    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual([1, 2]);
      const rows = raw.prepare<[], { id: string; upstream_id: string | null; content_key: string; raw_type: string; payload_text: string }>(
        'SELECT id, upstream_id, content_key, raw_type, payload_text FROM events ORDER BY seq',
      ).all();
      const before = rows.slice(0, -1);
      expect(before.every((r) => r.upstream_id === r.id && r.content_key === notificationContentKey(r.raw_type, r.payload_text))).toBe(true);
      expect(rows.at(-1)).toMatchObject({ upstream_id: null, content_key: pushed('{"n":2500}').contentKey });
    } finally {
      raw.close();
    }
  });
});
