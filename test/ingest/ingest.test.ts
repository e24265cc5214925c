import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createBus } from '../../src/bus/bus.js';
import type { NotificationRecord } from '../../src/domain/notification.js';
import { createIngest, StoreUnavailableError, type Ingest } from '../../src/ingest/ingest.js';
import type { IngestMetrics, IngestSource } from '../../src/ingest/ingest-metrics.js';
import type { EventLog } from '../../src/store/types.js';
import { useTmpStores } from '../helpers/tmp-store.js';
import { polled, pushed } from '../store/event-log-identity.js';

const tmp = useTmpStores();

interface Write {
  source: IngestSource;
  received: number;
  stored: number;
}

/** An ingest on a real SQLite store and the in-memory bus, recording what it published and wrote. */
function setup(options: { log?: (log: EventLog) => EventLog } = {}) {
  const store = tmp.open({ now: () => 1_700_000_000_000 });
  const log = options.log ? options.log(store.events) : store.events;
  const bus = createBus();
  const published: NotificationRecord[] = [];
  bus.on('notification:received', (record) => published.push(record));
  const writes: Write[] = [];
  const failures: Write[] = [];
  const metrics: IngestMetrics = {
    written: (source, received, stored) => writes.push({ source, received, stored }),
    failed: (source, received) => failures.push({ source, received, stored: 0 }),
  };
  const ingest: Ingest = createIngest({ log, bus, metrics, now: () => Date.UTC(2025, 5, 1) });
  return { store, ingest, published, writes, failures };
}

const A = '{"user_id":"u-1","amount":"1.50"}';
const A_AGAIN = '{\n  "amount": "1.50",\n  "user_id": "u-1"\n}';
const B = '{"user_id":"u-2","amount":"2.00"}';
const C = '{"user_id":"u-3","amount":"3.00"}';

describe('ingest on the embedded store', () => {
  it('stores and publishes a notification pushed, then polled, once; its upstream id finds it', async () => {
    const { store, ingest, published } = setup();
    expect(await ingest.ingestPushed('user.update', A)).toBe('stored');
    expect((await ingest.ingestPolled([polled('evt-a', A_AGAIN), polled('evt-b', B)], 'evt-b')).map((r) => r.id)).toEqual(['evt-b']);
    expect(published.map((r) => [r.seq, r.id])).toEqual([
      [1, pushed(A).id],
      [2, 'evt-b'],
    ]);
    expect(published[0]).toMatchObject({ rawType: 'user.update', userId: 'u-1', payloadText: A, createdAt: '2025-06-01T00:00:00.000Z' });
    expect(await store.events.get('evt-a')).toEqual(published[0]);
    expect(await store.events.pollCursor()).toBe('evt-b');
  });

  it('stores and publishes a notification polled, then pushed, once', async () => {
    const { store, ingest, published } = setup();
    await ingest.ingestPolled([polled('evt-a', A)], 'evt-a');
    expect(await ingest.ingestPushed('user.update', A_AGAIN)).toBe('duplicate');
    expect(await ingest.ingestPushed('user.update', B)).toBe('stored');
    expect(published.map((r) => r.id)).toEqual(['evt-a', pushed(B).id]);
    expect(await store.events.pollCursor()).toBe('evt-a');
  });

  it('stores 200 concurrent pushes, and their 200 retries, in one write: each stored and published once, in log order', async () => {
    const { ingest, published, writes } = setup();
    const payloads = Array.from({ length: 200 }, (_, i) => `{"user_id":"u-${i % 9}","n":${i}}`);
    const outcomes = await Promise.all([
      ...payloads.map((p) => ingest.ingestPushed('user.update', p)),
      ...payloads.map((p) => ingest.ingestPushed('user.update', ` ${p} `)),
    ]);
    expect(outcomes.slice(0, 200).every((o) => o === 'stored')).toBe(true);
    expect(outcomes.slice(200).every((o) => o === 'duplicate')).toBe(true);
    expect(published.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(published.map((r) => r.payloadText)).toEqual(payloads);
    expect(writes).toEqual([{ source: 'push', received: 400, stored: 200 }]);
  });

  it('writes one at a time and publishes in log order; a push joins the push write already waiting', async () => {
    const { ingest, published, writes } = setup();
    const results = await Promise.all([
      ingest.ingestPushed('user.update', A),
      ingest.ingestPolled([polled('evt-b', B)], 'evt-b'),
      ingest.ingestPushed('user.update', C),
      ingest.ingestPushed('user.update', A_AGAIN),
      ingest.ingestPolled([polled('evt-a', A), polled('evt-c', C)], 'evt-c'),
    ]);
    expect(results.map((r) => (Array.isArray(r) ? r.map((x) => x.id) : r))).toEqual(['stored', ['evt-b'], 'stored', 'duplicate', []]);
    expect(published.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(published.map((r) => r.id)).toEqual([pushed(A).id, pushed(C).id, 'evt-b']);
    expect(writes).toEqual([
      { source: 'push', received: 3, stored: 2 },
      { source: 'poll', received: 1, stored: 1 },
      { source: 'poll', received: 2, stored: 0 },
    ]);
  });

  it('publishes a record only once another connection to the database can read it', async () => {
    const path = join(tmp.dir, 'durable.sqlite');
    const store = tmp.open({ path });
    const reader = new BetterSqlite3(path, { readonly: true });
    const committed: boolean[] = [];
    const bus = createBus();
    bus.on('notification:received', (record) => {
      committed.push(reader.prepare('SELECT 1 FROM events WHERE seq = ?').get(record.seq) !== undefined);
    });
    const ingest = createIngest({ log: store.events, bus });
    try {
      await Promise.all([
        ingest.ingestPushed('user.update', A),
        ingest.ingestPolled([polled('evt-b', B)], 'evt-b'),
        ingest.ingestPushed('user.update', C),
      ]);
    } finally {
      reader.close();
    }
    expect(committed).toEqual([true, true, true]);
  });

  it('rejects with StoreUnavailableError when the store cannot write, publishing nothing, and goes on once it can', async () => {
    let broken = true;
    const { store, ingest, published, failures } = setup({
      log: (log) => ({
        ...log,
        appendPushed: (events) => (broken ? Promise.reject(new Error('disk I/O error')) : log.appendPushed(events)),
        append: (events, cursor) => (broken ? Promise.reject(new Error('disk I/O error')) : log.append(events, cursor)),
      }),
    });
    const pushes = [ingest.ingestPushed('user.update', A), ingest.ingestPushed('user.update', B)];
    for (const push of pushes) {
      await expect(push).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(push).rejects.toThrow(/storing pushed events: the event log could not write: disk I\/O error/);
    }
    await expect(ingest.ingestPolled([polled('evt-c', C)], 'evt-c')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(failures).toEqual([
      { source: 'push', received: 2, stored: 0 },
      { source: 'poll', received: 1, stored: 0 },
    ]);
    expect(published).toEqual([]);
    expect(await store.events.lastSeq()).toBe(0);
    expect(await store.events.pollCursor()).toBeNull();

    broken = false;
    expect(await ingest.ingestPushed('user.update', A)).toBe('stored');
    expect(published.map((r) => r.seq)).toEqual([1]);
  });

  it('maps a store that is gone to StoreUnavailableError too', async () => {
    const { store, ingest } = setup();
    await store.close();
    await expect(ingest.ingestPushed('user.update', A)).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('keeps publishing to the other listeners when one throws', async () => {
    const store = tmp.open();
    const bus = createBus();
    const seen: number[] = [];
    bus.on('notification:received', () => {
      throw new Error('a broken listener');
    });
    const recording = {
      publish(topic: 'notification:received', record: NotificationRecord) {
        seen.push(record.seq);
        bus.publish(topic, record);
      },
    } as Pick<typeof bus, 'publish'>;
    const ingest = createIngest({ log: store.events, bus: recording });
    expect(await ingest.ingestPolled([polled('evt-a', A), polled('evt-b', B)], 'evt-b')).toHaveLength(2);
    expect(seen).toEqual([1, 2]);
  });

  it('refuses a batch size that is not a positive integer, naming what it got', () => {
    const store = tmp.open();
    expect(() => createIngest({ log: store.events, bus: createBus(), maxPushBatch: 0 })).toThrow(/maxPushBatch must be a positive integer, got 0/);
  });

  it('splits a burst larger than the batch size into several writes', async () => {
    const store = tmp.open();
    const writes: number[] = [];
    const ingest = createIngest({
      log: store.events,
      bus: createBus(),
      maxPushBatch: 64,
      metrics: { written: (_s, received) => writes.push(received), failed: () => undefined },
    });
    const outcomes = await Promise.all(Array.from({ length: 150 }, (_, i) => ingest.ingestPushed('user.update', `{"n":${i}}`)));
    expect(outcomes.filter((o) => o === 'stored')).toHaveLength(150);
    expect(writes).toEqual([64, 64, 22]);
    await ingest.idle();
  });
});
