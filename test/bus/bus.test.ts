import { describe, expect, it } from 'vitest';
import { createBus, SubscriberOverflowError } from '../../src/bus/bus.js';
import type { Price } from '../../src/domain/price.js';

const price = (ask: string): Price => ({ id: 'BTC:EUR', type: 'CRYPTO', asset: 'BTC', fiat: 'EUR', ask, bid: '1', time: 1, receivedAt: 1 });

describe('bus', () => {
  it('reports each change of a listener count to its watchers until they stop', async () => {
    const bus = createBus();
    const seen: Array<[string, number]> = [];
    const stop = bus.watchListeners((topic, count) => seen.push([topic, count]));
    const off = bus.on('price:updated', () => {});
    const it = bus.subscribe('price:updated');
    off();
    off();
    await it.return?.();
    stop();
    bus.on('price:changed', () => {});
    expect(seen).toEqual([['price:updated', 1], ['price:updated', 2], ['price:updated', 1], ['price:updated', 0]]);
  });

  it('filters in the listener: unwanted events are never queued', async () => {
    const bus = createBus();
    const it = bus.subscribe('price:updated', (p) => p.ask !== 'skip');
    bus.publish('price:updated', price('skip'));
    bus.publish('price:updated', price('2'));
    expect((await it.next()).value?.ask).toBe('2');
    await it.return?.();
    expect(bus.listenerCount('price:updated')).toBe(0);
  });

  it('ends a subscriber that falls maxQueued events behind, releasing its listener', async () => {
    const bus = createBus();
    const it = bus.subscribe('price:updated', undefined, { maxQueued: 3 });
    for (let i = 0; i < 5; i++) bus.publish('price:updated', price(String(i)));
    expect(bus.listenerCount('price:updated')).toBe(0);
    await expect(it.next()).rejects.toBeInstanceOf(SubscriberOverflowError);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('return() settles a pending next() at once', async () => {
    const bus = createBus();
    const it = bus.subscribe('notification:received');
    const pending = it.next();
    await it.return?.();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('a second call of an unsubscriber does not cut off newer listeners of the topic', () => {
    const bus = createBus();
    const seen: string[] = [];
    const off = bus.on('price:updated', () => seen.push('old'));
    off();
    bus.on('price:updated', (p) => seen.push(p.ask));
    off();
    bus.publish('price:updated', price('new'));
    expect(seen).toEqual(['new']);
  });
});
