import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { IncomingNotification } from '../../src/domain/notification.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { useTmpStores } from '../helpers/tmp-store.js';

const tmp = useTmpStores();
const open = tmp.open;

function event(id: string, type = 'user.update', payload?: string): IncomingNotification {
  return {
    id,
    type,
    payload: payload ?? JSON.stringify({ action: 'verification', success: true, user_id: `user-of-${id}` }),
    created_at: '2024-02-20T08:14:20+00:00',
  };
}

describe('openSqliteStore: schema', () => {
  it('creates parent directories and applies each migration exactly once across reopens', async () => {
    const path = join(tmp.dir, 'a', 'b', 'gateway.sqlite');
    const first = open({ path });
    await first.events.append([event('e1')], 'c1');
    await first.close();
    const second = open({ path });
    expect(await second.events.lastSeq()).toBe(1);
    await second.close();

    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      const rows = raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('works in memory', async () => {
    const store = open({ path: ':memory:' });
    expect(await store.events.append([event('e1')], 'c1')).toHaveLength(1);
    expect(await store.events.pollCursor()).toBe('c1');
  });

  it('rejects a non-positive flush interval with a clear message', () => {
    expect(() => openSqliteStore({ path: ':memory:', flushIntervalMs: 0 })).toThrow(/flushIntervalMs.*got 0/);
  });
});

describe('openSqliteStore: event log', () => {
  it('starts empty', async () => {
    const store = open();
    expect(await store.events.lastSeq()).toBe(0);
    expect(await store.events.pollCursor()).toBeNull();
    expect(await store.events.get('nope')).toBeNull();
    expect(await store.events.list({ limit: 10, direction: 'forward' })).toEqual([]);
  });

  it('stores records with derived type, user id and receive time', async () => {
    const store = open({ now: () => 42 });
    const payload = '{"id":"x","asset_id":397,"user_id":"u-1","asset_amount":"0.18876873"}';
    const [record] = await store.events.append(
      [event('e1', 'user.corporate-action', payload), event('e2', 'user.brand-new-type', 'not json')],
      'c',
    );
    expect(record).toEqual({
      seq: 1,
      id: 'e1',
      rawType: 'user.corporate-action',
      type: 'USER_CORPORATE_ACTION',
      createdAt: '2024-02-20T08:14:20+00:00',
      userId: 'u-1',
      payloadText: payload,
      receivedAt: 42,
    });
    expect(await store.events.get('e1')).toEqual(record);
    expect(await store.events.get('e2')).toMatchObject({ seq: 2, type: 'UNKNOWN', userId: null, payloadText: 'not json' });
  });

  it('dedups by id within a batch and across batches, returning only new records in log order', async () => {
    const store = open();
    const first = await store.events.append([event('a'), event('b'), event('a')], 'c1');
    expect(first.map((r) => [r.id, r.seq])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    const second = await store.events.append([event('b'), event('c'), event('a'), event('d')], 'c2');
    expect(second.map((r) => [r.id, r.seq])).toEqual([
      ['c', 3],
      ['d', 4],
    ]);
    const replay = await store.events.append([event('a'), event('d')], 'c3');
    expect(replay).toEqual([]);
    expect(await store.events.pollCursor()).toBe('c3');
    expect(await store.events.lastSeq()).toBe(4);
  });

  it('keeps the first payload when a duplicate id arrives with different content', async () => {
    const store = open();
    await store.events.append([event('a', 'user.update', '{"v":1}')], null);
    await store.events.append([event('a', 'user.update', '{"v":2}')], null);
    expect((await store.events.get('a'))?.payloadText).toBe('{"v":1}');
  });

  it('sets the cursor even for an empty batch, and null clears it', async () => {
    const store = open();
    expect(await store.events.append([], 'c1')).toEqual([]);
    expect(await store.events.pollCursor()).toBe('c1');
    await store.events.append([], null);
    expect(await store.events.pollCursor()).toBeNull();
  });

  it('rolls back events and cursor together when a row violates a constraint mid-batch', async () => {
    const store = open();
    await store.events.append([event('a')], 'c1');
    const broken = { ...event('bad'), created_at: null } as unknown as IncomingNotification;
    await expect(store.events.append([event('b'), broken, event('c')], 'c2')).rejects.toThrow(/NOT NULL/);
    expect(await store.events.pollCursor()).toBe('c1');
    expect(await store.events.lastSeq()).toBe(1);
    expect(await store.events.get('b')).toBeNull();
    // the log continues without a gap after the failed attempt
    const next = await store.events.append([event('b')], 'c2');
    expect(next.map((r) => r.seq)).toEqual([2]);
  });

  it('rolls back events and cursor together when an error is thrown inside the transaction', async () => {
    const store = open();
    await store.events.append([event('a')], 'c1');
    const exploding = {
      ...event('boom'),
      get payload(): string {
        throw new Error('payload unavailable');
      },
    } as IncomingNotification;
    await expect(store.events.append([event('b'), event('c'), exploding], 'c2')).rejects.toThrow('payload unavailable');
    expect(await store.events.pollCursor()).toBe('c1');
    expect(await store.events.list({ limit: 10, direction: 'forward' })).toHaveLength(1);
  });

  it('assigns monotonic, gap-free seq numbers across batches and duplicates', async () => {
    const store = open();
    const seqs: number[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const ids = [`e${batch}`, `e${batch + 1}`, `e${batch}`, `x${batch}`];
      seqs.push(...(await store.events.append(ids.map((id) => event(id)), `c${batch}`)).map((r) => r.seq));
    }
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(await store.events.lastSeq()).toBe(seqs.length);
  });

  describe('list', () => {
    let store: Store;
    beforeEach(async () => {
      store = open();
      // seq: 1 a(update,u1) 2 b(corp,u2) 3 c(update,u2) 4 d(corp,u1) 5 e(unknown,u1) 6 f(update,none)
      const rows: Array<[string, string, string | null]> = [
        ['a', 'user.update', 'u1'],
        ['b', 'user.corporate-action', 'u2'],
        ['c', 'user.update', 'u2'],
        ['d', 'user.corporate-action', 'u1'],
        ['e', 'user.something-new', 'u1'],
        ['f', 'user.update', null],
      ];
      await store.events.append(
        rows.map(([id, type, user]) => event(id, type, user ? JSON.stringify({ user_id: user }) : '{}')),
        'c',
      );
    });
    const ids = async (query: Parameters<Store['events']['list']>[0]) => (await store.events.list(query)).map((r) => r.id);

    it('goes forward oldest first and backward newest first, with a limit', async () => {
      expect(await ids({ limit: 10, direction: 'forward' })).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
      expect(await ids({ limit: 2, direction: 'forward' })).toEqual(['a', 'b']);
      expect(await ids({ limit: 2, direction: 'backward' })).toEqual(['f', 'e']);
      expect(await ids({ limit: 0, direction: 'forward' })).toEqual([]);
    });

    it('treats afterSeq and beforeSeq as exclusive bounds', async () => {
      expect(await ids({ limit: 10, direction: 'forward', afterSeq: 2 })).toEqual(['c', 'd', 'e', 'f']);
      expect(await ids({ limit: 10, direction: 'backward', beforeSeq: 3 })).toEqual(['b', 'a']);
      expect(await ids({ limit: 10, direction: 'forward', afterSeq: 1, beforeSeq: 5 })).toEqual(['b', 'c', 'd']);
      expect(await ids({ limit: 2, direction: 'backward', afterSeq: 1, beforeSeq: 5 })).toEqual(['d', 'c']);
      expect(await ids({ limit: 10, direction: 'forward', afterSeq: 6 })).toEqual([]);
      expect(await ids({ limit: 10, direction: 'forward', afterSeq: 0 })).toHaveLength(6);
    });

    it('filters by types and user id, alone and combined with bounds', async () => {
      expect(await ids({ limit: 10, direction: 'forward', types: ['USER_UPDATE'] })).toEqual(['a', 'c', 'f']);
      expect(await ids({ limit: 10, direction: 'forward', types: ['USER_CORPORATE_ACTION', 'UNKNOWN'] })).toEqual([
        'b',
        'd',
        'e',
      ]);
      expect(await ids({ limit: 10, direction: 'forward', userId: 'u1' })).toEqual(['a', 'd', 'e']);
      expect(await ids({ limit: 10, direction: 'backward', userId: 'u2', types: ['USER_UPDATE'] })).toEqual(['c']);
      expect(await ids({ limit: 1, direction: 'backward', userId: 'u1', beforeSeq: 5 })).toEqual(['d']);
      expect(await ids({ limit: 10, direction: 'forward', types: [], userId: null, afterSeq: null })).toHaveLength(6);
      expect(await ids({ limit: 10, direction: 'forward', types: ['USER_UPDATE', 'USER_UPDATE'] })).toEqual([
        'a',
        'c',
        'f',
      ]);
    });
  });
});
