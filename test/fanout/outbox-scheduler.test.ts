import { describe, expect, it } from 'vitest';
import { Outbox, type Transport } from '../../src/server/fanout/outbox.js';
import { createFanoutScheduler } from '../../src/server/fanout/scheduler.js';
import type { Subscriber } from '../../src/server/fanout/subscriber.js';

/** A socket whose kernel side the test drains by hand. */
function fakeSocket(): Transport & { written: string[]; drain(bytes?: number): void; waiting(): boolean } {
  let buffered = 0;
  let onDrain: (() => void) | null = null;
  const written: string[] = [];
  return {
    protocol: 'graphql-transport-ws',
    written,
    get bufferedAmount() {
      return buffered;
    },
    write(data) {
      written.push(String(data));
      buffered += data.length;
    },
    close() {},
    onceDrained(callback) {
      onDrain = callback;
      return () => {
        onDrain = null;
      };
    },
    drain(bytes = Infinity) {
      buffered = Math.max(0, buffered - bytes);
      const run = onDrain;
      onDrain = null;
      run?.();
    },
    waiting: () => onDrain !== null,
  };
}

const owner = (id: string) => ({ id });
const frame = (label: string): string => label.padEnd(100, '.');

describe('Outbox', () => {
  it('writes straight through until the high-water mark, then keeps only the latest per key, in queue order', () => {
    const socket = fakeSocket();
    let conflated = 0;
    const outbox = new Outbox(socket, { highWaterBytes: 250, limitBytes: 1000, onConflated: () => conflated++ });
    const a = owner('a');
    outbox.next(a, frame('BTC1'), 'BTC');
    outbox.next(a, frame('ETH1'), 'ETH');
    outbox.next(a, frame('BTC2'), 'BTC'); // 300 bytes buffered after this one
    expect(socket.written.map((t) => t.slice(0, 4))).toEqual(['BTC1', 'ETH1', 'BTC2']);
    outbox.next(a, frame('BTC3'), 'BTC');
    outbox.next(a, frame('ETH2'), 'ETH');
    outbox.next(a, frame('BTC4'), 'BTC');
    outbox.next(a, frame('BTC5'), 'BTC');
    outbox.send('{"id":"x","type":"complete"}');
    expect(conflated).toBe(2);
    expect(outbox.queuedBytes).toBe(200 + 28);
    socket.drain(150); // 150 left: room for one frame
    expect(socket.written.slice(3).map((t) => t.slice(0, 4))).toEqual(['BTC5']);
    expect(socket.waiting()).toBe(true);
    socket.drain();
    expect(socket.written.slice(3).map((t) => t.slice(0, 4))).toEqual(['BTC5', 'ETH2', '{"id']);
    expect(outbox.queuedBytes).toBe(0);
  });

  it('never drops lossless frames: past the limit it reports an overflow instead', () => {
    const socket = fakeSocket();
    let overflows = 0;
    const outbox = new Outbox(socket, { highWaterBytes: 100, limitBytes: 450, onOverflow: () => overflows++ });
    const n = owner('n');
    for (let i = 0; i < 4; i++) outbox.next(n, frame(`E${i}`), null);
    expect(overflows).toBe(0);
    expect(socket.written).toHaveLength(1);
    outbox.next(n, frame('E4'), null);
    expect(overflows).toBe(1);
    socket.drain();
    expect(socket.written.map((t) => t.slice(0, 2))).toEqual(['E0', 'E1']);
    socket.drain();
    socket.drain();
    expect(socket.written.map((t) => t.slice(0, 2))).toEqual(['E0', 'E1', 'E2', 'E3']);
  });

  it('drops the waiting frames of a discarded subscription and wakes writers when it catches up', async () => {
    const socket = fakeSocket();
    const outbox = new Outbox(socket, { highWaterBytes: 100, limitBytes: 10_000 });
    const [a, b] = [owner('a'), owner('b')];
    outbox.next(a, frame('A0'), null);
    outbox.next(a, frame('A1'), null);
    outbox.next(b, frame('B1'), null);
    outbox.next(a, frame('A2'), 'k');
    let writable = false;
    const ready = outbox.writable().then(() => (writable = true));
    outbox.discard(a);
    expect(outbox.queuedBytes).toBe(100);
    socket.drain();
    socket.drain();
    await ready;
    expect(writable).toBe(true);
    expect(socket.written.map((t) => t.slice(0, 2))).toEqual(['A0', 'B1']);
    outbox.close();
    outbox.next(b, frame('B2'), null);
    expect(socket.written).toHaveLength(2);
  });
});

describe('fan-out scheduler', () => {
  it('sends in chunks, one turn at a time, keeping each target in event order and skipping inactive ones', () => {
    const turns: Array<() => void> = [];
    const delivered: number[] = [];
    const scheduler = createFanoutScheduler({ chunkSize: 3, nextTurn: (run) => turns.push(run), onDelivered: (n) => delivered.push(n) });
    const log: string[] = [];
    const targets = Array.from({ length: 5 }, (_, i) => ({ active: i !== 3, nextShared: (p: Buffer) => log.push(`${i}:${p}`) }) as unknown as Subscriber);
    scheduler.next(targets, Buffer.from('e1'), null);
    scheduler.next(targets, Buffer.from('e2'), null);
    expect(log).toEqual(['0:e1', '1:e1', '2:e1']);
    expect(scheduler.backlog).toBe(7);
    while (turns.length > 0) turns.shift()!();
    expect(log).toEqual(['0:e1', '1:e1', '2:e1', '4:e1', '0:e2', '1:e2', '2:e2', '4:e2']);
    expect(delivered.reduce((x, y) => x + y, 0)).toBe(8);
    expect(scheduler.backlog).toBe(0);
    for (const t of targets) expect(log.filter((l) => l.startsWith(`${targets.indexOf(t)}:`))).toEqual(t.active ? [`${targets.indexOf(t)}:e1`, `${targets.indexOf(t)}:e2`] : []);
  });

  it('reports a frame written once, when its last target got it, never per target', () => {
    const turns: Array<() => void> = [];
    const written: Array<[string | null, number, number]> = [];
    const log: string[] = [];
    const scheduler = createFanoutScheduler({
      chunkSize: 2,
      nextTurn: (run) => turns.push(run),
      onWritten: (field, receivedAt) => written.push([field, receivedAt, log.length]),
    });
    const targets = Array.from({ length: 3 }, (_, i) => ({ active: true, nextShared: (p: Buffer) => log.push(`${i}:${p}`) }) as unknown as Subscriber);
    scheduler.next(targets, Buffer.from('e1'), null, 'priceUpdated', 1000);
    scheduler.next(targets, Buffer.from('e2'), null);
    expect(written).toEqual([]);
    while (turns.length > 0) turns.shift()!();
    expect(log).toHaveLength(6);
    // once, for the frame that carried a receipt time, right after its third target
    expect(written).toEqual([['priceUpdated', 1000, 3]]);
  });
});
