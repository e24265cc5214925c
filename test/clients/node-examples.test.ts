import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import { watchBusSubscriptions, type BusWatch } from '../helpers/bus-watch.js';
import { killLeftoverExamples, runExample, type ExampleLine } from '../helpers/examples.js';
import { within } from '../helpers/queue.js';
import { addEvents, interfaceFields, LIVE_PRICES, sendPrices, startQuietGateway, STORED_PRICES, storedEvents, TOP_UP } from './fixtures.js';

const PRICE_FIELDS = (p: Record<string, unknown>) => ({ id: p.id, asset: p.asset, fiat: p.fiat, ask: p.ask, bid: p.bid, mid: p.mid, spread: p.spread });

const EXAMPLES = [
  { name: 'Apollo Client (HTTP + graphql-ws)', script: 'apollo/main.ts', args: [] as string[], viaEnv: false },
  { name: 'urql with graphcache (fetch + graphql-ws)', script: 'urql/main.ts', args: ['--transport', 'ws'], viaEnv: false },
  { name: 'urql with graphcache (fetch + GraphQL over SSE), URL from GATEWAY_URL', script: 'urql/main.ts', args: ['--transport', 'sse'], viaEnv: true },
];

describe('the Node client examples against a live gateway', () => {
  let gw: TestGateway;
  let watch: BusWatch;
  beforeEach(async () => {
    gw = await startQuietGateway();
    watch = watchBusSubscriptions(gw.services.bus);
  });
  afterEach(async () => {
    watch.restore();
    await gw.stop();
    expect(killLeftoverExamples()).toBe(0);
    expect(await stopLeftovers()).toBe(0);
  });

  for (const example of EXAMPLES) {
    it(`${example.name}: cached and live prices to the digit, stored, replayed and live notifications with their interface fields`, async () => {
      await sendPrices(gw, STORED_PRICES);
      const rest = gw.simulator.rest.controls;
      await addEvents(gw, 4, () => {
        rest.addEvents(3);
        rest.addEvent('account.top-up-success', TOP_UP('25.00000000'));
      });
      const before = await storedEvents(gw);
      expect(before).toHaveLength(4);
      const resumeFrom = before[1]!.cursor;

      const url = gw.server.graphqlUrl;
      const options = ['--after', resumeFrom, '--prices', '2', '--notifications', '3', '--history', '2', '--seconds', '60', ...example.args];
      const run = example.viaEnv ? runExample(example.script, options, { GATEWAY_URL: url }) : runExample(example.script, [url, ...options]);

      // publish only once the example's subscriptions listen: then nothing can be missed
      await within(run.whileRunning(Promise.all([watch.listening('price:updated'), watch.listening('notification:received')])), 60_000, 'the example to subscribe');
      await sendPrices(gw, LIVE_PRICES);
      await addEvents(gw, 1, () => rest.addEvent('account.top-up-success', TOP_UP('0.10000000')));

      const last = await within(run.whileRunning(run.lines.find((l) => l.kind === 'done' || l.kind === 'error')), 60_000, 'the example to finish');
      const exit = await within(run.exited, 10_000, 'the example to exit');
      const lines = run.lines.all;
      const of = (kind: string): ExampleLine[] => lines.filter((l) => l.kind === kind);

      expect(last).toEqual({ kind: 'done', reason: 'counts', prices: 2, notifications: 3 });
      expect(exit).toEqual({ code: 0, signal: null });
      // no cache warnings, no errors
      expect(run.stderr.join('')).toBe('');
      expect(of('unparsed')).toEqual([]);

      expect(of('latest').map((l) => PRICE_FIELDS(l.price)).sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual(STORED_PRICES);
      expect(of('price').map((l) => PRICE_FIELDS(l.price))).toEqual(LIVE_PRICES);

      const all = await storedEvents(gw);
      expect(all).toHaveLength(5);
      // the newest two stored when it started, read with a query
      expect(of('history').map((l) => interfaceFields(l.event))).toEqual(all.slice(2, 4));
      // resumed after the second event: the two stored after it, then the live one; nothing else
      const notifications = of('notification').map((l) => l.event);
      expect(notifications.map(interfaceFields)).toEqual(all.slice(2));
      for (const event of notifications) {
        for (const field of ['id', 'type', 'createdAt', 'cursor']) expect(typeof event[field], `${field} of ${JSON.stringify(event)}`).toBe('string');
      }
      expect([notifications[1]!.fiatAmount, notifications[2]!.fiatAmount]).toEqual(['25.00000000', '0.10000000']);
    }, 120_000);
  }
});
