import { afterEach, describe, expect, it } from 'vitest';
import { createBus } from '../../src/bus/bus.js';
import { throttleLatest } from '../../src/bus/throttle.js';
import { startTestGateway, stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import { wsClient, type TestSubscription } from '../helpers/clients.js';
import { within } from '../helpers/queue.js';
import { listenerCount } from '../helpers/bus-watch.js';
import { manualClock } from '../helpers/clock.js';
import type { Timers } from '../../src/timers.js';

/** Timers fired by hand: the interval ends when the test says so. */
function manualTimers(): { setTimer: (run: () => void) => number; clearTimer: (t: unknown) => void; fireAll(): void; pending(): number } {
  const timers = new Map<number, () => void>();
  let next = 0;
  return {
    setTimer: (run) => {
      timers.set(++next, run);
      return next;
    },
    clearTimer: (t) => void timers.delete(t as number),
    fireAll() {
      const due = [...timers.values()];
      timers.clear();
      for (const run of due) run();
    },
    pending: () => timers.size,
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('throttleLatest', () => {
  it('gives the first value at once, then only the latest of each interval, per key', async () => {
    const bus = createBus();
    const timers = manualTimers();
    const out = throttleLatest(bus.subscribe('price:updated'), { intervalMs: 1000, keyOf: (p) => p.id, ...timers });
    const got: string[] = [];
    void (async () => {
      for await (const p of out) got.push(`${p.id}=${p.ask}`);
    })();
    const emit = (id: string, ask: string): void => bus.publish('price:updated', { id, ask } as never);
    emit('A', '1');
    for (let i = 2; i <= 10; i++) emit('A', String(i));
    emit('B', '1');
    emit('B', '2');
    await tick();
    expect(got).toEqual(['A=1', 'B=1']);
    timers.fireAll();
    await tick();
    expect(got).toEqual(['A=1', 'B=1', 'A=10', 'B=2']);
    // an interval with nothing new ends the key's window: the next value goes out at once
    timers.fireAll();
    expect(timers.pending()).toBe(0);
    emit('A', '11');
    await tick();
    expect(got.at(-1)).toBe('A=11');
    await out.return!();
    expect(timers.pending()).toBe(0);
    expect(bus.listenerCount('price:updated')).toBe(0);
  });

  it('releases the source at once on return, even while a next() is pending', async () => {
    const bus = createBus();
    const out = throttleLatest(bus.subscribe('price:changed'), { intervalMs: 50, keyOf: (c) => c.id });
    const pending = out.next();
    await out.return!();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(bus.listenerCount('price:changed')).toBe(0);
  });
});

describe('priceUpdated(throttleMs) end to end', () => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw.stop();
    expect(await stopLeftovers()).toBe(0);
  });

  it('a burst of one pair within the interval gives the first at once and the latest at its end, never a stale one', async () => {
    // the throttle's intervals run on a clock the test moves: an update held for an interval
    // cannot go out before the test moves the clock past its end
    const clock = manualClock();
    const intervals: number[] = [];
    const timers: Timers = {
      setTimeout: (callback, ms) => (intervals.push(ms), clock.timers.setTimeout(callback, ms)),
      clearTimeout: (handle) => clock.timers.clearTimeout(handle),
    };
    gw = await startTestGateway({}, { timers });
    await gw.gateway.priceSocket!.ready({ timeoutMs: 10_000 });
    // only the prices the test emits: a tick of the simulator's own would be a newer BTC price
    gw.simulator.prices.controls.stallAll(true);
    const INTERVAL = 400;
    const ws = wsClient(gw.server.wsUrl);
    const sub = ws.subscribe(
      `subscription($t: Int) { priceUpdated(filter: { pairs: [{ asset: "BTC", fiat: "EUR" }, { asset: "ETH", fiat: "EUR" }] }, throttleMs: $t) { id ask } }`,
      { t: INTERVAL },
    );
    await listenerCount(gw.services.bus, 'price:updated', 1);
    const emit = (asset: string, ask: string): void => void gw.simulator.prices.controls.emitPrice(asset, 'EUR', { ask, bid: '1.00000' });
    const next = async (what: string): Promise<{ id: string; ask: string }> =>
      (await within(sub.nextData(), 5000, what)).priceUpdated as { id: string; ask: string };

    emit('BTC', '1.00000');
    expect(await next('the leading update')).toEqual({ id: 'BTC:EUR', ask: '1.00000' });
    for (let i = 2; i <= 20; i++) emit('BTC', `${i}.00000`);
    emit('ETH', '7.00000');
    // another pair has its own interval: it is not held back by BTC's; and as updates reach
    // the throttle in order, BTC's burst came before it and is held
    expect(await next('ETH at once')).toEqual({ id: 'ETH:EUR', ask: '7.00000' });
    expect(intervals).toEqual([INTERVAL, INTERVAL]);
    clock.advance(INTERVAL - 1);
    expect([clock.pending, sub.messages.pending]).toEqual([2, 0]);
    clock.advance(1);
    expect(await next('the trailing update')).toEqual({ id: 'BTC:EUR', ask: '20.00000' });

    // the interval reopened with the trailing update: the next one waits for its end, while
    // ETH's ended with nothing new, so ETH goes out at once (and shows BTC's was held)
    emit('BTC', '21.00000');
    emit('ETH', '8.00000');
    expect(await next('ETH at once after its interval')).toEqual({ id: 'ETH:EUR', ask: '8.00000' });
    expect(intervals).toEqual([INTERVAL, INTERVAL, INTERVAL, INTERVAL]);
    clock.advance(INTERVAL - 1);
    expect(sub.messages.pending).toBe(0);
    clock.advance(1);
    expect(await next('the update after the burst')).toEqual({ id: 'BTC:EUR', ask: '21.00000' });
    expect(sub.messages.pending).toBe(0);
    sub.dispose();
    await listenerCount(gw.services.bus, 'price:updated', 0);
    expect(clock.pending).toBe(0);
    await ws.dispose();
  });

  it('rejects throttleMs outside 0..60000 with BAD_USER_INPUT and keeps the connection', async () => {
    gw = await startTestGateway();
    const ws = wsClient(gw.server.wsUrl);
    const codeOf = async (sub: TestSubscription): Promise<unknown> => {
      const message = await within(sub.messages.shift(), 5000, 'an error');
      sub.dispose();
      if (message.kind === 'next') return message.result.errors?.[0]?.extensions?.['code'];
      if (message.kind === 'error') return (message.error as Array<{ extensions?: { code?: string } }>)[0]?.extensions?.code;
      return 'complete';
    };
    for (const field of ['priceUpdated', 'priceChanged']) {
      const query = `subscription($t: Int) { ${field}(throttleMs: $t) { id } }`;
      expect(await codeOf(ws.subscribe(query, { t: -1 }))).toBe('BAD_USER_INPUT');
      expect(await codeOf(ws.subscribe(query, { t: 60_001 }))).toBe('BAD_USER_INPUT');
      expect(await codeOf(ws.subscribe(query, { t: 'soon' }))).toBe('BAD_USER_INPUT');
    }
    const ok = ws.subscribe(`subscription { priceUpdated(throttleMs: 60000) { id } }`);
    await listenerCount(gw.services.bus, 'price:updated', 1);
    ok.dispose();
    await listenerCount(gw.services.bus, 'price:updated', 0);
    await ws.dispose();
  });
});
