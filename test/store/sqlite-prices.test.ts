import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Price, PriceChange } from '../../src/domain/price.js';
import { NOTIFICATION_FIXTURES, incomingNotification } from '../fixtures/notifications.js';
import { useTmpStores } from '../helpers/tmp-store.js';

const tmp = useTmpStores();
const open = tmp.open;

const price: Price = {
  id: 'BTC:EUR',
  type: 'CRYPTO',
  asset: 'BTC',
  fiat: 'EUR',
  ask: '65544.85350',
  bid: '65500.10000000000000000001',
  time: 1_700_000_000,
  receivedAt: 1_700_000_000_123,
};

const change: PriceChange = {
  id: 'BTC:EUR',
  type: 'CRYPTO',
  asset: 'BTC',
  fiat: 'EUR',
  intraday: { percent: '0.10', value: '65.50' },
  day: { percent: '-1.2000', value: '-786.00' },
  week: { percent: '3.0', value: '1900.000000000000000001' },
  month: { percent: '0', value: '0.00' },
  sixMonths: { percent: '12.5', value: '7000' },
  year: { percent: '100.00', value: '32000.00' },
  fiveYears: { percent: '900', value: '58000.0' },
  monthlyVolatility: '0.0420',
  receivedAt: 1_700_000_000_456,
};

describe('openSqliteStore: price cache', () => {
  it('serves writes from memory at once and persists them on flush', async () => {
    const path = join(tmp.dir, 'p.sqlite');
    const store = open({ path, flushIntervalMs: 60_000 });
    store.prices.putPrice(price);
    store.prices.putChange(change);
    expect(store.prices.getPrice('BTC:EUR')).toEqual(price);
    expect(store.prices.getChange('BTC:EUR')).toEqual(change);
    expect(store.prices.listPrices()).toEqual([price]);
    expect(store.prices.listChanges()).toEqual([change]);
    expect(store.prices.getPrice('ETH:EUR')).toBeUndefined();

    const persisted = () => {
      const raw = new BetterSqlite3(path, { readonly: true });
      try {
        return raw.prepare('SELECT json FROM latest_prices').all() as Array<{ json: string }>;
      } finally {
        raw.close();
      }
    };
    expect(persisted()).toEqual([]);
    await store.prices.flush();
    expect(persisted()).toEqual([{ json: JSON.stringify(price) }]);
  });

  it('flushes on its timer', async () => {
    const path = join(tmp.dir, 't.sqlite');
    const store = open({ path, flushIntervalMs: 20 });
    store.prices.putPrice(price);
    await expect
      .poll(() => {
        const raw = new BetterSqlite3(path, { readonly: true });
        try {
          return raw.prepare('SELECT COUNT(*) AS n FROM latest_prices').get();
        } finally {
          raw.close();
        }
      })
      .toEqual({ n: 1 });
  });

  it('keeps events, cursor and latest prices across a reopen (warm start), decimals byte-exact', async () => {
    const path = join(tmp.dir, 'warm.sqlite');
    const payload = NOTIFICATION_FIXTURES.nonUserInitiatedTxV2.payload;
    const first = open({ path, flushIntervalMs: 60_000 });
    await first.events.append(
      [incomingNotification('nonUserInitiatedTxV2', { id: 'e1' }), incomingNotification('userUpdate', { id: 'e2' })],
      'after-e2',
    );
    first.prices.putPrice(price);
    first.prices.putChange(change);
    first.prices.putPrice({ ...price, id: 'ETH:EUR', asset: 'ETH', ask: '0.000000000000000001', bid: '0' });
    await first.close(); // close flushes what is pending

    const second = open({ path });
    expect(await second.events.pollCursor()).toBe('after-e2');
    expect(await second.events.lastSeq()).toBe(2);
    expect(await second.events.get('e1')).toMatchObject({ seq: 1, payloadText: payload, type: 'USER_NON_USER_INITIATED_TX_V2' });
    expect(second.prices.getPrice('BTC:EUR')).toEqual(price);
    expect(second.prices.getPrice('BTC:EUR')?.bid).toBe('65500.10000000000000000001');
    expect(second.prices.getPrice('ETH:EUR')?.ask).toBe('0.000000000000000001');
    expect(second.prices.getChange('BTC:EUR')).toEqual(change);
    expect(second.prices.getChange('BTC:EUR')?.week.value).toBe('1900.000000000000000001');
    expect(second.prices.listPrices().map((p) => p.id).sort()).toEqual(['BTC:EUR', 'ETH:EUR']);
    // new events continue the same log
    expect((await second.events.append([incomingNotification('topUp', { id: 'e3' })], 'after-e3')).map((r) => r.seq)).toEqual([3]);
  });

  it('overwrites the latest value per pair', async () => {
    const path = join(tmp.dir, 'o.sqlite');
    const first = open({ path, flushIntervalMs: 60_000 });
    first.prices.putPrice(price);
    await first.prices.flush();
    first.prices.putPrice({ ...price, ask: '70000.00' });
    await first.close();
    const second = open({ path });
    expect(second.prices.listPrices()).toEqual([{ ...price, ask: '70000.00' }]);
  });

  it('close is idempotent and later calls fail loudly', async () => {
    const store = open({ path: join(tmp.dir, 'c.sqlite') });
    await store.close();
    await store.close();
    await expect(store.events.lastSeq()).rejects.toThrow(/not open/);
  });
});
