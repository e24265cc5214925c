import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { watchBusSubscriptions, type BusWatch } from '../helpers/bus-watch.js';
import { describeBrowser, launchBrowser, serveDirectory, type TestBrowser } from '../helpers/browser.js';
import { stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import type { Served } from '../helpers/servers.js';
import { within } from '../helpers/queue.js';
import { addEvents, LIVE_PRICES, sendPrices, startQuietGateway, STORED_PRICES, storedEvents, TOP_UP } from './fixtures.js';

const root = resolve(import.meta.dirname, '../..');
/** a bound on each wait in the page, for a busy machine; what is awaited is an event */
const WAIT_MS = 45_000;
const TEST_MS = 120_000;

/** Resolves once the text of `selector` in the page is exactly `text`. */
async function textIs(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForFunction(([s, t]) => document.querySelector(s!)?.textContent === t, [selector, text], { timeout: WAIT_MS });
}

const describeInBrowser = describeBrowser();

describeInBrowser('in a browser (headless Chromium)', () => {
  let browser: TestBrowser;
  let gw: TestGateway;
  let watch: BusWatch;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    gw = await startQuietGateway();
    watch = watchBusSubscriptions(gw.services.bus);
    page = await browser.context.newPage();
    pageErrors.length = 0;
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterEach(async () => {
    await page.close();
    watch.restore();
    await gw.stop();
    expect(await stopLeftovers()).toBe(0);
  });

  it('GraphiQL at /graphql runs its default price subscription and shows each new value', async () => {
    await page.goto(gw.server.graphqlUrl);
    await page.getByText('priceUpdated').first().waitFor({ timeout: WAIT_MS });
    await page.locator('.graphiql-execute-button').click();
    await within(watch.listening('price:updated'), WAIT_MS, 'the GraphiQL subscription');

    const [first, second] = [
      { asset: 'BTC', fiat: 'EUR', ask: '65544.85350', bid: '65217.84675' },
      { asset: 'BTC', fiat: 'EUR', ask: '65601.00001', bid: '65300.00000' },
    ];
    const resultHas = (text: string) =>
      page.waitForFunction((t) => document.querySelector('.result-window')?.textContent?.includes(t) ?? false, text, { timeout: WAIT_MS });
    await sendPrices(gw, [first!]);
    await resultHas('"65544.85350"');
    await sendPrices(gw, [second!]);
    await resultHas('"65601.00001"');
    // the editor renders spaces as no-break spaces
    const shown = JSON.parse(((await page.locator('.result-window').textContent()) ?? '').replace(/\u00a0/g, ' ')) as {
      data: { priceUpdated: Record<string, string> };
    };
    expect(shown.data.priceUpdated).toMatchObject({ id: 'BTC:EUR', ask: '65601.00001', bid: '65300.00000', mid: '65450.500005', spread: '301.00001' });
    expect(pageErrors).toEqual([]);
  }, TEST_MS);

  it('the example page (built by Vite) shows cached and live prices and a notification arriving', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gateway-page-'));
    let served: Served | undefined;
    try {
      await build({
        configFile: resolve(root, 'examples/browser/vite.config.ts'),
        build: { outDir: out, emptyOutDir: true },
        logLevel: 'silent',
      });
      served = await serveDirectory(out);

      await sendPrices(gw, STORED_PRICES);
      const rest = gw.simulator.rest.controls;
      await addEvents(gw, 2, () => rest.addEvents(2));
      const stored = await storedEvents(gw);

      const query = new URLSearchParams({ gateway: gw.server.graphqlUrl, pairs: 'BTC/EUR,ETH/EUR' });
      await page.goto(`${served.base}/?${query.toString()}`);
      for (const p of STORED_PRICES) await textIs(page, `#prices tr[data-id="${p.id}"] td.ask`, p.ask);
      for (const e of stored) await page.locator(`#feed li[data-id="${e.id}"]`).waitFor({ timeout: WAIT_MS });

      await within(Promise.all([watch.listening('price:updated'), watch.listening('notification:received')]), WAIT_MS, 'the page to subscribe');
      await sendPrices(gw, LIVE_PRICES);
      for (const p of LIVE_PRICES) {
        for (const field of ['ask', 'bid', 'mid', 'spread'] as const) await textIs(page, `#prices tr[data-id="${p.id}"] td.${field}`, p[field]);
      }

      await addEvents(gw, 1, () => rest.addEvent('account.top-up-success', TOP_UP('12.34000000')));
      const arrived = (await storedEvents(gw)).at(-1)!;
      const item = page.locator(`#feed li[data-id="${arrived.id}"]`);
      await item.waitFor({ timeout: WAIT_MS });
      expect(await item.getAttribute('data-type')).toBe('ACCOUNT_TOP_UP_SUCCESS');
      expect(await item.textContent()).toContain('12.34000000 EUR');
      // newest first, each event once: the stream resumed right after the history, no duplicate
      const ids = await page.locator('#feed li').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.id));
      expect(ids).toEqual([arrived.id, ...stored.map((e) => e.id).reverse()]);
      expect(await page.locator('#status').getAttribute('data-state')).toBe('live');
      expect(pageErrors).toEqual([]);
    } finally {
      await served?.close();
      rmSync(out, { recursive: true, force: true });
    }
  }, TEST_MS);
});
