import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { PriceChangeFrame, PriceFrame } from '../../src/domain/price.js';
import { createLogger } from '../../src/logger.js';
import { createGatewayMetrics } from '../../src/metrics/gateway-metrics.js';
import { metricTotal, metricValue } from '../../src/metrics/series.js';
import { DEFAULT_CATALOGUE, type Catalogue } from '../../src/simulator/catalogue.js';
import { createPriceSimulator, type PriceSimulator, type PriceSimulatorOptions } from '../../src/simulator/price-server.js';
import { abortableSleep, backoffDelay } from '../../src/upstream/backoff.js';
import { parseUpstreamFrame } from '../../src/upstream/price-frames.js';
import { createPriceSocket, type PriceSocket, type PriceSocketOptions } from '../../src/upstream/price-socket.js';
import { subscribeMessage } from '../../src/upstream/subscribe-plan.js';
import { serveOnLoopback } from '../helpers/servers.js';

const SMALL: Catalogue = {
  fiats: DEFAULT_CATALOGUE.fiats,
  assets: [
    { type: 'cr', asset: 'BTC', eur: '60311.42' },
    { type: 'cr', asset: 'ETH', eur: '3194.87' },
    { type: 'co', asset: 'XAU', eur: '68.5123' },
  ],
};
const DOC_PRICE = '{"AP":"65544.85350","BP":"65217.84675","U":1706521791,"T":"cr","A":"BTC","F":"EUR","CH":"prices-v1"}';
const DOC_CHANGE =
  '{"T":"cr","A":"BTC","F":"EUR","CH":"price-changes-v1","D":"-1.5133276010318143","I":"1.273209549071618",' +
  '"W":"-1.8677176148046607","M":"0.297723292469352","6M":"-7.9408455232277769","Y":"-24.3261099365750529",' +
  '"5Y":"-26.7534660050135571","DV":"-0.88","IV":"0.72","WV":"-1.09","MV":"0.17","6MV":"-4.94","YV":"-18.41",' +
  '"5YV":"-20.918","MVOL":"0.1185439986130654"}';
const WAIT = { timeoutMs: 5000 };

const disposers: Array<() => unknown> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

async function startSim(options: PriceSimulatorOptions = {}): Promise<{ sim: PriceSimulator; url: string }> {
  const sim = createPriceSimulator({ catalogue: SMALL, intervalMs: 20, ...options });
  const served = await serveOnLoopback(undefined, (server) => sim.attach(server));
  disposers.push(async () => {
    await sim.close();
    await served.close();
  });
  return { sim, url: served.wsUrl };
}

/** Frames delivered to the callbacks; `next` waits for one matching a predicate. */
function recorder() {
  const prices: PriceFrame[] = [];
  const changes: PriceChangeFrame[] = [];
  const waiters = new Set<() => boolean>();
  const wake = (): void => waiters.forEach((check) => check() && waiters.delete(check));
  return {
    prices,
    changes,
    onPrice: (frame: PriceFrame) => (prices.push(frame), wake()),
    onChange: (frame: PriceChangeFrame) => (changes.push(frame), wake()),
    until(condition: () => boolean, what: string): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => (waiters.delete(check), reject(new Error(`timed out waiting for ${what}`))), 5000);
        const check = (): boolean => (condition() ? (clearTimeout(timer), resolve(), true) : false);
        if (!check()) waiters.add(check);
      });
    },
  };
}

/** A logger whose lines a test can wait for. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => boolean>();
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      waiters.forEach((check) => check() && waiters.delete(check));
      done();
    },
  });
  return {
    logger: createLogger({ level: 'debug', destination }),
    lines,
    waitForMsg(msg: string, count = 1): Promise<void> {
      return new Promise((resolve) => {
        const check = (): boolean => (lines.filter((l) => l.msg === msg).length >= count ? (resolve(), true) : false);
        if (!check()) waiters.add(check);
      });
    },
  };
}

function socketFor(url: string, options: Partial<PriceSocketOptions> = {}): PriceSocket {
  const socket = createPriceSocket({ url, backoff: { initialMs: 5, maxMs: 20 }, ...options });
  disposers.push(() => socket.stop());
  socket.start();
  return socket;
}

describe('price socket against the simulator', () => {
  it('connects and subscribes both channels with one action each', async () => {
    const { sim, url } = await startSim();
    const socket = socketFor(url);
    await socket.ready(WAIT);
    const status = socket.status();
    expect(status).toMatchObject({ state: 'subscribed', url, reconnects: 0, attempt: 0, lastError: null });
    expect(status.channels.map((c) => [c.channel, c.subscribed, c.lastError])).toEqual([
      ['prices-v1', true, null],
      ['price-changes-v1', true, null],
    ]);
    expect(sim.controls.subscribeActions().map(({ action, channel, payload }) => ({ action, channel, payload }))).toEqual([
      { action: 'subscribe', channel: 'prices-v1', payload: undefined },
      { action: 'subscribe', channel: 'price-changes-v1', payload: undefined },
    ]);
  });

  it('delivers frames through onPrice and onChange with decimal strings kept byte for byte', async () => {
    const { sim, url } = await startSim({ intervalMs: 60_000 });
    const rec = recorder();
    const socket = socketFor(url, { onPrice: rec.onPrice, onChange: rec.onChange, scope: { mode: 'fiats', fiats: ['EUR'] } });
    await socket.ready(WAIT);
    sim.controls.emitPrice('ETH', 'EUR', { ask: '3200.10000', bid: '3190.00500' });
    sim.controls.sendRaw(DOC_PRICE);
    sim.controls.sendRaw(DOC_CHANGE);
    await rec.until(() => rec.prices.length === 2 && rec.changes.length === 1, 'two prices and one change');
    expect(rec.prices[0]).toMatchObject({ AP: '3200.10000', BP: '3190.00500', A: 'ETH', F: 'EUR', T: 'cr', CH: 'prices-v1' });
    expect(rec.prices[1]).toEqual(JSON.parse(DOC_PRICE));
    expect(rec.changes[0]).toEqual(JSON.parse(DOC_CHANGE));
    expect(JSON.stringify(rec.changes[0])).toBe(DOC_CHANGE);
    expect(socket.status().channels.map((c) => c.frames)).toEqual([2, 1]);
    expect(sim.controls.subscribeActions().map((a) => a.payload)).toEqual([[{ fiat: 'EUR' }], [{ fiat: 'EUR' }]]);
  });

  it('reconnects after dropAll and resubscribes exactly once per channel', async () => {
    const { sim, url } = await startSim();
    const rec = recorder();
    const socket = socketFor(url, { onPrice: rec.onPrice, scope: { mode: 'pairs', pairs: [{ type: 'cr', asset: 'BTC', fiat: 'EUR' }] } });
    await socket.ready(WAIT);
    for (let round = 1; round <= 2; round++) {
      const again = socket.waitFor('subscribed', WAIT);
      sim.controls.dropAll();
      await again;
    }
    const seen = rec.prices.length;
    await rec.until(() => rec.prices.length > seen, 'a price after the reconnects');
    const actions = sim.controls.subscribeActions();
    expect(actions.map((a) => [a.connection, a.action, a.channel])).toEqual([
      [1, 'subscribe', 'prices-v1'],
      [1, 'subscribe', 'price-changes-v1'],
      [2, 'subscribe', 'prices-v1'],
      [2, 'subscribe', 'price-changes-v1'],
      [3, 'subscribe', 'prices-v1'],
      [3, 'subscribe', 'price-changes-v1'],
    ]);
    for (const a of actions) expect(a.payload).toEqual([{ type: 'cr', asset: 'BTC', fiat: 'EUR' }]);
    expect(socket.status()).toMatchObject({ state: 'subscribed', reconnects: 2, attempt: 0 });
    expect(sim.connections()).toBe(1);
  });

  it('backs off with capped exponential delays and full jitter while refused, then recovers', async () => {
    const { sim, url } = await startSim();
    const delays: number[] = [];
    const metrics = createGatewayMetrics({ processMetrics: false });
    const socket = socketFor(url, {
      metrics: metrics.priceSocket,
      backoff: { initialMs: 10, maxMs: 40, factor: 2 },
      random: () => 0.5,
      sleep: (ms, signal) => {
        delays.push(ms);
        if (delays.length === 4) sim.controls.refuseConnections(0);
        return abortableSleep(ms, signal);
      },
    });
    await socket.ready(WAIT);
    sim.controls.refuseConnections(60_000);
    const recovered = socket.waitFor('subscribed', WAIT);
    sim.controls.dropAll();
    await recovered;
    // attempt 0..3: 0.5 * min(40, 10 * 2^n)
    expect(delays).toEqual([5, 10, 20, 20]);
    expect(socket.status()).toMatchObject({ state: 'subscribed', attempt: 0, reconnects: 4 });
    expect(socket.status().lastError).toMatch(/503/);
    expect(await metricValue(metrics.registry, 'upstream_reconnects_total')).toBe(4);

    // The attempt count starts over after a successful subscription.
    const again = socket.waitFor('subscribed', WAIT);
    sim.controls.dropAll();
    await again;
    expect(delays).toEqual([5, 10, 20, 20, 5]);
  });

  it('treats a silent feed as dead and reconnects', async () => {
    const { sim, url } = await startSim();
    const rec = recorder();
    const socket = socketFor(url, { onPrice: rec.onPrice, silenceTimeoutMs: 150 });
    await socket.ready(WAIT);
    await rec.until(() => rec.prices.length > 0, 'a first price');
    sim.controls.stallAll(true);
    await socket.waitFor('reconnecting', WAIT);
    expect(socket.status().lastError).toBe('no data frame for 150 ms');
    sim.controls.stallAll(false);
    await socket.waitFor('subscribed', WAIT);
    const seen = rec.prices.length;
    await rec.until(() => rec.prices.length > seen, 'prices after the reconnect');
    expect(sim.connections()).toBe(1);
  });

  it('treats a missing pong as a dead connection and reconnects', async () => {
    const { sim, url } = await startSim();
    const socket = socketFor(url, { pingIntervalMs: 40 });
    await socket.ready(WAIT);
    sim.controls.suppressPongs(true);
    await socket.waitFor('reconnecting', WAIT);
    expect(socket.status().lastError).toBe('no pong within 40 ms');
    sim.controls.suppressPongs(false);
    await socket.waitFor('subscribed', WAIT);
  });

  it('counts and skips malformed and unknown frames, and keeps delivering', async () => {
    const { sim, url } = await startSim({ intervalMs: 60_000 });
    const rec = recorder();
    const metrics = createGatewayMetrics({ processMetrics: false });
    const log = capturedLogger();
    const socket = socketFor(url, { onPrice: rec.onPrice, metrics: metrics.priceSocket, logger: log.logger });
    await socket.ready(WAIT);
    sim.controls.sendRaw('{"AP":"1.0","BP":');
    sim.controls.sendRaw('{"AP":1,"BP":"1","U":1,"T":"cr","A":"BTC","F":"EUR","CH":"prices-v1"}');
    sim.controls.sendRaw('{"CH":"trades-v1","X":1}');
    sim.controls.emitPrice('BTC', 'EUR', { ask: '61000.00000', bid: '60000.00000' });
    await rec.until(() => rec.prices.length === 1, 'the price after the garbage');
    expect(rec.prices[0]).toMatchObject({ AP: '61000.00000', BP: '60000.00000' });
    expect(socket.status()).toMatchObject({ state: 'subscribed', malformedFrames: 2, unknownFrames: 1, reconnects: 0 });
    expect(await metricValue(metrics.registry, 'upstream_frames_malformed_total', { kind: 'malformed' })).toBe(2);
    expect(await metricValue(metrics.registry, 'upstream_frames_malformed_total', { kind: 'unknown' })).toBe(1);
    const warned = log.lines.filter((l) => l.msg === 'malformed frame skipped');
    expect(warned.map((l) => l.reason)).toEqual(['not valid JSON', 'prices-v1 frame: AP: expected a decimal string, got 1']);
    expect(warned[0]!.excerpt).toBe('{"AP":"1.0","BP":');
  });

  it('records an error frame for a bad scope in status without crashing', async () => {
    const { sim, url } = await startSim();
    const log = capturedLogger();
    const metrics = createGatewayMetrics({ processMetrics: false });
    const socket = socketFor(url, {
      logger: log.logger,
      metrics: metrics.priceSocket,
      scope: { mode: 'pairs', pairs: [{ type: 'cr', asset: 'BTC', fiat: 'EUR' }, { type: 'cr', asset: 'ABC', fiat: 'EUR' }] },
    });
    await log.waitForMsg('price server refused the subscription', 2);
    const status = socket.status();
    expect(status.state).toBe('subscribing');
    expect(status.channels.map((c) => [c.channel, c.subscribed, c.lastError])).toEqual([
      ['prices-v1', false, 'asset not found for domain: ABC'],
      ['price-changes-v1', false, 'asset not found for domain: ABC'],
    ]);
    expect(status.lastError).toBe('price-changes-v1: asset not found for domain: ABC');
    expect(await metricTotal(metrics.registry, 'upstream_subscribe_errors_total')).toBe(2);
    expect(sim.connections()).toBe(1);
    expect(status.reconnects).toBe(0);
  });

  it('sends the bearer token on the upgrade when getToken returns one', async () => {
    const seen: Array<string | undefined> = [];
    const { url } = await startSim({ authorize: (token) => (seen.push(token), token === 'access-1') });
    const good = socketFor(url, { getToken: async () => 'access-1' });
    await good.ready(WAIT);
    const bad = socketFor(url, { getToken: async () => 'stale' });
    await bad.waitFor('reconnecting', WAIT);
    expect(bad.status().lastError).toBe('Unexpected server response: 401');
    const none = socketFor(url);
    await none.waitFor('reconnecting', WAIT);
    expect(seen[0]).toBe('access-1');
    expect(new Set(seen)).toEqual(new Set(['access-1', 'stale', undefined]));
    expect(good.status().state).toBe('subscribed');
  });

  it('stops with a clean close and no reconnect', async () => {
    const { sim, url } = await startSim();
    const socket = socketFor(url);
    await socket.ready(WAIT);
    await socket.stop();
    expect(socket.status()).toMatchObject({ state: 'stopped', reconnects: 0, connectedSince: null });
    expect(sim.connections()).toBe(0);
    expect(sim.controls.subscribeActions()).toHaveLength(2);
  });
});

describe('subscribe plan, frame validation and backoff', () => {
  it('builds one action per channel with the payload of the scope mode', () => {
    expect(subscribeMessage('prices-v1', { mode: 'all' })).toBe('{"action":"subscribe","channel":"prices-v1"}');
    expect(subscribeMessage('price-changes-v1', { mode: 'fiats', fiats: ['EUR', 'USD'] })).toBe(
      '{"action":"subscribe","channel":"price-changes-v1","payload":[{"fiat":"EUR"},{"fiat":"USD"}]}',
    );
    expect(() => createPriceSocket({ url: 'ws://x', scope: { mode: 'fiats', fiats: [] } })).toThrow(/expected a non-empty list of fiat symbols, got \[\]/);
    expect(() => createPriceSocket({ url: 'ws://x', channels: ['trades-v1' as 'prices-v1'] })).toThrow(/got \["trades-v1"\]/);
  });

  it('classifies frames, accepting extra fields', () => {
    expect(parseUpstreamFrame(DOC_PRICE)).toEqual({ kind: 'price', frame: JSON.parse(DOC_PRICE) });
    expect(parseUpstreamFrame(DOC_CHANGE).kind).toBe('change');
    const extra = parseUpstreamFrame(DOC_PRICE.replace('{', '{"NEW":"x",'));
    expect(extra.kind === 'price' && (extra.frame as unknown as Record<string, unknown>).NEW).toBe('x');
    expect(parseUpstreamFrame('{"action":"subscribe","channel":"prices-v1","status":"success"}')).toEqual({
      kind: 'control', action: 'subscribe', channel: 'prices-v1', status: 'success',
    });
    expect(parseUpstreamFrame('{"action":"subscribe","channel":"non-existent-channel","error":"channel not supported"}')).toEqual({
      kind: 'control', action: 'subscribe', channel: 'non-existent-channel', error: 'channel not supported',
    });
    expect(parseUpstreamFrame(DOC_PRICE.replace('"U":1706521791', '"U":"1706521791"'))).toMatchObject({ kind: 'malformed', reason: /U: expected Unix seconds/ });
    expect(parseUpstreamFrame(DOC_PRICE.replace('"65544.85350"', '"6.5e4"'))).toMatchObject({ kind: 'malformed', reason: /AP: expected a decimal string, got "6.5e4"/ });
    expect(parseUpstreamFrame(DOC_PRICE.replace('"cr"', '"xx"'))).toMatchObject({ kind: 'malformed', reason: /T: expected an asset type code/ });
    expect(parseUpstreamFrame(DOC_CHANGE.replace('"MVOL":"0.1185439986130654"', '"MVOL":null'))).toMatchObject({ kind: 'malformed', reason: /MVOL/ });
    expect(parseUpstreamFrame('x'.repeat(5000))).toMatchObject({ kind: 'malformed', excerpt: expect.stringMatching(/…\(5000 chars\)$/) });
    expect(parseUpstreamFrame('[1]').kind).toBe('unknown');
    expect(parseUpstreamFrame('{"hello":"world"}').kind).toBe('unknown');
  });

  it('computes full-jitter delays under the cap', () => {
    expect([0, 1, 2, 3, 10, 100].map((n) => backoffDelay(n, {}, () => 1))).toEqual([500, 1000, 2000, 4000, 30_000, 30_000]);
    expect(backoffDelay(5, {}, () => 0)).toBe(0);
  });
});
