import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Big from 'big.js';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DECIMAL_PATTERN } from '../../src/domain/decimal.js';
import { ASSET_TYPE_CODES } from '../../src/domain/price.js';
import { createMarket, DEFAULT_CATALOGUE, seededRandom, type Catalogue } from '../../src/simulator/catalogue.js';
import { startSimulator } from '../../src/simulator/index.js';
import { createPriceSimulator, type PriceSimulator, type PriceSimulatorOptions } from '../../src/simulator/price-server.js';
import { manualClock, type ManualClock } from '../helpers/clock.js';
import { serveOnLoopback } from '../helpers/servers.js';

/** A small domain so that "all pairs" stays cheap at short intervals. */
const SMALL: Catalogue = {
  fiats: DEFAULT_CATALOGUE.fiats,
  assets: [
    { type: 'cr', asset: 'BTC', eur: '60311.42' },
    { type: 'cr', asset: 'ETH', eur: '3194.87' },
    { type: 's', asset: 'AAPL', eur: '171.23' },
    { type: 'es', asset: 'VWCE', eur: '112.86' },
    { type: 'co', asset: 'XAU', eur: '68.5123' },
    { type: 'i', asset: 'BCI5', eur: '1834.21' },
    { type: 'f', asset: 'USD', eur: '0.9198' },
  ],
};
const PRICE_KEYS = ['A', 'AP', 'BP', 'CH', 'F', 'T', 'U'];
const CHANGE_DECIMALS = ['D', 'I', 'W', 'M', '6M', 'Y', '5Y', 'DV', 'IV', 'WV', 'MV', '6MV', 'YV', '5YV', 'MVOL'];
const MARKER = '{"marker":true}';
/** the price interval of `startServer`: with SMALL's 27 pairs, 4 ticks of 10 ms, each pair once per interval */
const INTERVAL = 40;
/** where every test clock starts: a whole second, so frame times (`U`, seconds) are exact */
const START = 1_700_000_000_000;

type Frame = Record<string, unknown>;
interface Received {
  text: string;
  json: Frame;
}

const disposers: Array<() => unknown> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

/** A WebSocket client that records every message and lets a test wait for one by predicate. */
class TestClient {
  readonly log: Received[] = [];
  private readonly waiters = new Set<() => void>();
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      let json: Frame = {};
      try {
        json = JSON.parse(text) as Frame;
      } catch {
        /* kept as text */
      }
      this.log.push({ text, json });
      for (const wake of [...this.waiters]) wake();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Index just past the `count`-th message from `from` that matches. */
  waitFor(predicate: (m: Frame, text: string) => boolean, { from = 0, count = 1, timeoutMs = 5000 } = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        let seen = 0;
        for (let i = from; i < this.log.length; i++) {
          if (predicate(this.log[i]!.json, this.log[i]!.text) && ++seen === count) {
            this.waiters.delete(check);
            clearTimeout(timer);
            resolve(i + 1);
            return true;
          }
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${count} matching message(s); last: ${this.log.at(-1)?.text ?? 'none'}`));
      }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  /** The control frame answering `action` on `channel`. */
  reply(action: string, channel: unknown, from = 0): Promise<Frame> {
    return this.waitFor((m) => m.action === action && m.channel === channel, { from }).then((i) => this.log[i - 1]!.json);
  }

  after(index: number): Frame[] {
    return this.log.slice(index).map((m) => m.json);
  }
}

/** The simulator's time options on a manual clock: frames and idle closes happen when the test moves it. */
function onClock(clock: ManualClock): Pick<PriceSimulatorOptions, 'now' | 'timers' | 'every'> {
  return { now: clock.now, timers: clock.timers, every: clock.every };
}

async function startServer(options: PriceSimulatorOptions = {}): Promise<{ sim: PriceSimulator; url: string; clock: ManualClock }> {
  const clock = manualClock(START);
  const sim = createPriceSimulator({ catalogue: SMALL, intervalMs: INTERVAL, ...onClock(clock), ...options });
  const served = await serveOnLoopback(undefined, (server) => sim.attach(server));
  disposers.push(async () => {
    await sim.close();
    await served.close();
  });
  return { sim, url: served.wsUrl, clock };
}

function connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  disposers.push(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(new TestClient(ws)));
    ws.on('error', reject);
  });
}

/** The HTTP status an upgrade is refused with. */
function refusedWith(url: string, headers: Record<string, string> = {}): Promise<number> {
  const ws = new WebSocket(url, { headers });
  ws.on('error', () => {}); // terminating a refused handshake reports an error: expected here
  disposers.push(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('expected the upgrade to be refused, but it was accepted')));
  });
}

const isPrice = (m: Frame): boolean => m.CH === 'prices-v1';
const isChange = (m: Frame): boolean => m.CH === 'price-changes-v1';
const isPair = (asset: string, fiat: string) => (m: Frame) => m.A === asset && m.F === fiat;

describe('catalogue', () => {
  it('is a realistic partner domain with decimal quotes, ask above bid', () => {
    const market = createMarket(DEFAULT_CATALOGUE, seededRandom());
    expect(DEFAULT_CATALOGUE.fiats.map((f) => f.fiat)).toEqual(['EUR', 'USD', 'CHF', 'GBP']);
    for (const code of ASSET_TYPE_CODES) expect(DEFAULT_CATALOGUE.assets.some((a) => a.type === code)).toBe(true);
    expect(DEFAULT_CATALOGUE.assets.filter((a) => a.type === 'cr').length).toBeGreaterThanOrEqual(24);
    for (const symbol of ['XAU', 'XAG', 'XPT', 'XPD', 'BCI5', 'BCI10', 'BCI25', 'BTC', 'ETH', 'SOL']) expect(market.asset(symbol)).toBeDefined();
    expect(market.pair('EUR', 'EUR')).toBeUndefined();
    for (const pair of market.pairs) {
      for (let i = 0; i < 3; i++) market.step(pair);
      const frame = market.priceFrame(pair, 1);
      expect(frame.AP).toMatch(DECIMAL_PATTERN);
      expect(frame.BP).toMatch(DECIMAL_PATTERN);
      expect(new Big(frame.AP).gt(frame.BP), `${pair.key} ${frame.AP} > ${frame.BP}`).toBe(true);
      expect(new Big(frame.BP).gt(0)).toBe(true);
    }
    const btc = market.priceFrame(market.pair('BTC', 'EUR')!, 1);
    expect(btc.AP).toMatch(/^\d+\.\d{5}$/);
  });
});

/**
 * Index just past a marker sent now: every frame the server sent `c` before it has arrived (a
 * socket keeps order), so what lies between is exactly what the clock's ticks produced.
 */
async function flushed(sim: PriceSimulator, c: TestClient): Promise<number> {
  const from = c.log.length;
  sim.controls.sendRaw(MARKER);
  return c.waitFor((_m, text) => text === MARKER, { from });
}

const pairOf = (m: Frame): string => `${String(m.A)}/${String(m.F)}`;

describe('price simulator: subscriptions', () => {
  it('subscribes to a list of pairs and sends frames for those pairs only, each once per interval', async () => {
    const { url, sim, clock } = await startServer();
    const c = await connect(url);
    c.send({ action: 'subscribe', channel: 'prices-v1', payload: [{ type: 'cr', asset: 'BTC', fiat: 'EUR' }, { type: 's', asset: 'AAPL', fiat: 'EUR' }] });
    const ok = await c.waitFor((m) => m.action === 'subscribe');
    expect(c.log[ok - 1]!.text).toBe('{"action":"subscribe","channel":"prices-v1","status":"success"}');
    clock.advance(2 * INTERVAL);
    const end = await flushed(sim, c);
    expect(c.log.slice(ok, end - 1).map((r) => pairOf(r.json)).sort()).toEqual(['AAPL/EUR', 'AAPL/EUR', 'BTC/EUR', 'BTC/EUR']);
  });

  it('subscribes to all assets against one or more fiats', async () => {
    const { url, sim, clock } = await startServer();
    const c = await connect(url);
    c.send({ action: 'subscribe', channel: 'prices-v1', payload: [{ fiat: 'EUR' }, { fiat: 'USD' }] });
    const ok = await c.waitFor((m) => m.status === 'success');
    clock.advance(INTERVAL);
    const frames = c.log.slice(ok, (await flushed(sim, c)) - 1).map((r) => r.json);
    // Every asset against both fiats (USD/USD does not exist): 7 + 6 pairs, each once.
    expect(frames.every(isPrice)).toBe(true);
    expect(frames).toHaveLength(13);
    expect(new Set(frames.map(pairOf)).size).toBe(13);
    expect(new Set(frames.map((m) => m.F))).toEqual(new Set(['EUR', 'USD']));
  });

  it('subscribes to all pairs when there is no payload, staggering pairs across the interval', async () => {
    // 27 pairs over 200 ms: 20 ticks of 10 ms, each sending its slot of pairs
    const { url, sim, clock } = await startServer({ intervalMs: 200 });
    const c = await connect(url);
    c.send({ action: 'subscribe', channel: 'prices-v1' });
    await c.waitFor((m) => m.status === 'success');
    const ticksOf = new Map<string, number[]>();
    for (let tick = 1; tick <= 60; tick++) {
      const from = c.log.length;
      clock.advance(10);
      for (const { json } of c.log.slice(from, (await flushed(sim, c)) - 1)) ticksOf.set(pairOf(json), [...(ticksOf.get(pairOf(json)) ?? []), tick]);
    }
    expect(ticksOf.size).toBe(27);
    expect(new Set([...ticksOf.keys()].map((key) => key.split('/')[1]))).toEqual(new Set(['EUR', 'USD', 'CHF', 'GBP']));
    // Not all at once: the first frames fall on every tick of the first interval; each pair comes once per interval.
    expect(new Set([...ticksOf.values()].map((t) => t[0]))).toEqual(new Set(Array.from({ length: 20 }, (_, i) => i + 1)));
    for (const [pair, ticks] of ticksOf) expect([ticks.length, ticks[1]! - ticks[0]!, ticks[2]! - ticks[1]!], pair).toEqual([3, 20, 20]);
  });

  it('sends prices-v1 frames with every documented key and decimal strings', async () => {
    const { url, sim, clock } = await startServer();
    const c = await connect(url);
    c.send({ action: 'subscribe', channel: 'prices-v1' });
    const ok = await c.waitFor((m) => m.status === 'success');
    clock.advance(2 * INTERVAL);
    const frames = c.log.slice(ok, (await flushed(sim, c)) - 1).map((r) => r.json);
    expect(frames).toHaveLength(2 * 27);
    for (const m of frames) {
      expect(isPrice(m)).toBe(true);
      expect(Object.keys(m).sort()).toEqual(PRICE_KEYS);
      expect(m.AP).toMatch(DECIMAL_PATTERN);
      expect(m.BP).toMatch(DECIMAL_PATTERN);
      expect(new Big(m.AP as string).gt(m.BP as string)).toBe(true);
      // the time of the tick, in whole seconds of the simulator's clock
      expect(m.U).toBe(START / 1000);
      expect(ASSET_TYPE_CODES).toContain(m.T);
    }
  });

  it('sends change frames for EUR only: a USD change subscription stays silent', async () => {
    const { url, sim, clock } = await startServer();
    const c = await connect(url);
    c.send({ action: 'subscribe', channel: 'price-changes-v1', payload: [{ type: 'cr', asset: 'BTC', fiat: 'USD' }, { type: 'cr', asset: 'BTC', fiat: 'EUR' }] });
    const ok = await c.waitFor((m) => m.status === 'success');
    clock.advance(5 * INTERVAL);
    const frames = c.log.slice(ok, (await flushed(sim, c)) - 1).map((r) => r.json);
    expect(frames).toHaveLength(5);
    for (const m of frames) {
      expect(m).toMatchObject({ T: 'cr', A: 'BTC', F: 'EUR', CH: 'price-changes-v1' });
      expect(Object.keys(m).sort()).toEqual(['A', 'CH', 'F', 'T', ...CHANGE_DECIMALS].sort());
      for (const key of CHANGE_DECIMALS) expect(m[key], key).toMatch(DECIMAL_PATTERN);
    }
  });

  it('unsubscribes a whole channel, leaving the other channel running', async () => {
    const { url, sim, clock } = await startServer();
    const c = await connect(url);
    const pair = [{ type: 'cr', asset: 'ETH', fiat: 'EUR' }];
    c.send({ action: 'subscribe', channel: 'prices-v1', payload: pair });
    c.send({ action: 'subscribe', channel: 'price-changes-v1', payload: pair });
    await c.reply('subscribe', 'price-changes-v1');
    clock.advance(INTERVAL);
    const start = await flushed(sim, c);
    expect([c.log.slice(0, start).filter((r) => isPrice(r.json)).length, c.log.slice(0, start).filter((r) => isChange(r.json)).length]).toEqual([1, 1]);
    c.send({ action: 'unsubscribe', channel: 'prices-v1' });
    const ok = await c.waitFor((m) => m.action === 'unsubscribe');
    expect(c.log[ok - 1]!.text).toBe('{"action":"unsubscribe","channel":"prices-v1","status":"success"}');
    clock.advance(4 * INTERVAL);
    const after = c.log.slice(ok, (await flushed(sim, c)) - 1).map((r) => r.json);
    expect(after.filter(isChange)).toHaveLength(4);
    expect(after.filter(isPrice)).toEqual([]);
  });

  it('replaces the channel set when the same channel is subscribed again', async () => {
    const { url, sim, clock } = await startServer();
    const c = await connect(url);
    c.send({ action: 'subscribe', channel: 'prices-v1', payload: [{ type: 'cr', asset: 'BTC', fiat: 'EUR' }] });
    await c.reply('subscribe', 'prices-v1');
    clock.advance(INTERVAL);
    await c.waitFor(isPair('BTC', 'EUR'));
    c.send({ action: 'subscribe', channel: 'prices-v1', payload: [{ type: 'cr', asset: 'ETH', fiat: 'EUR' }] });
    const ok = await c.waitFor((m) => m.status === 'success', { count: 2 });
    clock.advance(3 * INTERVAL);
    const after = c.log.slice(ok, (await flushed(sim, c)) - 1).map((r) => r.json);
    expect(after.map(pairOf)).toEqual(['ETH/EUR', 'ETH/EUR', 'ETH/EUR']);
    expect(sim.controls.subscribeActions().map((a) => [a.action, a.channel, a.connection])).toEqual([
      ['subscribe', 'prices-v1', 1],
      ['subscribe', 'prices-v1', 1],
    ]);
  });
});

describe('price simulator: errors', () => {
  it.each([
    ['channel not supported', { action: 'subscribe', channel: 'non-existent-channel' }, '{"action":"subscribe","channel":"non-existent-channel","error":"channel not supported"}'],
    ['fiat not found', { action: 'subscribe', channel: 'price-changes-v1', payload: [{ fiat: 'XXX' }] }, '{"action":"subscribe","channel":"price-changes-v1","error":"fiat not found: XXX"}'],
    ['fiat not found in a pair', { action: 'subscribe', channel: 'prices-v1', payload: [{ type: 'cr', asset: 'BTC', fiat: 'JPY' }] }, '{"action":"subscribe","channel":"prices-v1","error":"fiat not found: JPY"}'],
    ['asset not found for domain', { action: 'subscribe', channel: 'price-changes-v1', payload: [{ type: 'cr', asset: 'ABC', fiat: 'EUR' }] }, '{"action":"subscribe","channel":"price-changes-v1","error":"asset not found for domain: ABC"}'],
    ['asset of another type', { action: 'subscribe', channel: 'prices-v1', payload: [{ type: 's', asset: 'BTC', fiat: 'EUR' }] }, '{"action":"subscribe","channel":"prices-v1","error":"asset not found for domain: BTC"}'],
    ['mixed subscription types', { action: 'subscribe', channel: 'prices-v1', payload: [{ type: 'cr', asset: 'BTC', fiat: 'EUR' }, { fiat: 'USD' }] }, '{"action":"subscribe","channel":"prices-v1","error":"cannot mix subscription types"}'],
    ['unknown action', { action: 'publish', channel: 'prices-v1' }, '{"action":"publish","channel":"prices-v1","error":"action not supported: publish"}'],
    ['selective unsubscribe', { action: 'unsubscribe', channel: 'prices-v1', payload: [{ fiat: 'EUR' }] }, '{"action":"unsubscribe","channel":"prices-v1","error":"unsubscribe takes no payload: only a whole channel can be unsubscribed"}'],
    ['malformed JSON', '{"action":"subscribe",', '{"error":"invalid message: expected a JSON object"}'],
    ['a JSON array', '[1,2]', '{"error":"invalid message: expected a JSON object"}'],
  ])('answers %s with an error frame and keeps the connection usable', async (_name, message, expected) => {
    const { url, sim, clock } = await startServer();
    const c = await connect(url);
    c.send(message);
    const n = await c.waitFor(() => true);
    expect(c.log[n - 1]!.text).toBe(expected);
    c.send({ action: 'subscribe', channel: 'prices-v1', payload: [{ type: 'cr', asset: 'BTC', fiat: 'EUR' }] });
    await c.waitFor((m) => m.status === 'success', { from: n });
    clock.advance(INTERVAL);
    await flushed(sim, c);
    // A refused action leaves nothing subscribed: only the pair asked afterwards flows.
    expect(c.after(n).filter((m) => m.CH).map((m) => `${m.CH} ${m.A}/${m.F}`)).toEqual(['prices-v1 BTC/EUR']);
  });
});

describe('price simulator: connection rules', () => {
  it('answers pings with pongs', async () => {
    const { url } = await startServer();
    const c = await connect(url);
    const pong = new Promise<string>((resolve) => c.ws.once('pong', (data) => resolve(data.toString())));
    c.ws.ping('hello');
    expect(await pong).toBe('hello');
  });

  it('closes a connection with no inbound traffic after idleTimeoutMs, not before', async () => {
    const { url, sim, clock } = await startServer({ idleTimeoutMs: 150 });
    const c = await connect(url);
    clock.advance(149);
    // the marker is only sent on an open socket: still open 1 ms before the timeout
    await flushed(sim, c);
    expect(sim.connections()).toBe(1);
    clock.advance(1);
    expect(await c.closed).toEqual({ code: 1000, reason: 'idle timeout' });
    expect(sim.connections()).toBe(0);
  });

  it('keeps a pinging connection open past idleTimeoutMs, and closes it once the pings stop', async () => {
    const { url, sim, clock } = await startServer({ idleTimeoutMs: 400 });
    const c = await connect(url);
    const closedEarly = c.closed.then(({ code, reason }) => Promise.reject(new Error(`closed with ${code} (${reason}) while pinging`)));
    closedEarly.catch(() => {});
    const pong = (): Promise<void> => Promise.race([new Promise<void>((resolve) => c.ws.once('pong', () => resolve())), closedEarly]);
    // a ping every 50 ms of the simulator's clock, 600 ms in all: each one is inbound traffic
    for (let i = 0; i < 12; i++) {
      clock.advance(50);
      const answered = pong();
      c.ws.ping();
      await answered;
    }
    await flushed(sim, c);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    clock.advance(399);
    await flushed(sim, c);
    clock.advance(1);
    expect(await c.closed).toEqual({ code: 1000, reason: 'idle timeout' });
  });

  it('refuses an upgrade without a valid bearer token with 401 and accepts a valid one', async () => {
    const tokens: Array<string | undefined> = [];
    const { url, sim } = await startServer({ authorize: (token) => (tokens.push(token), token === 'good-token') });
    expect(await refusedWith(url)).toBe(401);
    expect(await refusedWith(url, { Authorization: 'Bearer bad-token' })).toBe(401);
    const c = await connect(url, { Authorization: 'Bearer good-token' });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    expect(tokens).toEqual([undefined, 'bad-token', 'good-token']);
    expect(sim.connections()).toBe(1);
  });
});

describe('price simulator: controls', () => {
  it('dropAll terminates every connection', async () => {
    const { url, sim } = await startServer();
    const [a, b] = await Promise.all([connect(url), connect(url)]);
    expect(sim.connections()).toBe(2);
    sim.controls.dropAll();
    expect((await a.closed).code).toBe(1006);
    expect((await b.closed).code).toBe(1006);
  });

  it('sendRaw sends the exact text to every connection', async () => {
    const { url, sim } = await startServer();
    const [a, b] = await Promise.all([connect(url), connect(url)]);
    sim.controls.sendRaw('{"AP":12,"garbage');
    for (const c of [a, b]) await c.waitFor((_m, text) => text === '{"AP":12,"garbage');
  });

  it('stallPair stops one pair, stallAll stops every data frame with the socket kept open', async () => {
    const { url, sim, clock } = await startServer({ idleTimeoutMs: 400 });
    const c = await connect(url);
    c.send({ action: 'subscribe', channel: 'prices-v1', payload: [{ type: 'cr', asset: 'BTC', fiat: 'EUR' }, { type: 'cr', asset: 'ETH', fiat: 'EUR' }] });
    await c.reply('subscribe', 'prices-v1');
    clock.advance(INTERVAL);
    await c.waitFor(isPair('BTC', 'EUR'));
    sim.controls.stallPair('BTC', 'EUR', true);
    const mark = await flushed(sim, c);
    clock.advance(4 * INTERVAL);
    const unstalled = await flushed(sim, c);
    expect(c.log.slice(mark, unstalled - 1).map((r) => pairOf(r.json))).toEqual(['ETH/EUR', 'ETH/EUR', 'ETH/EUR', 'ETH/EUR']);

    sim.controls.stallPair('BTC', 'EUR', false);
    clock.advance(INTERVAL);
    const stalled = await flushed(sim, c);
    expect(c.log.slice(unstalled, stalled - 1).map((r) => pairOf(r.json)).sort()).toEqual(['BTC/EUR', 'ETH/EUR']);

    // 240 ms since the client's last message: stalled for the 160 ms left, the socket stays open, then the idle close
    sim.controls.stallAll(true);
    clock.advance(4 * INTERVAL - 1);
    const quiet = await flushed(sim, c);
    expect(c.log.slice(stalled, quiet - 1)).toEqual([]);
    clock.advance(1);
    expect(await c.closed).toEqual({ code: 1000, reason: 'idle timeout' });
    expect(c.after(stalled).filter(isPrice)).toEqual([]);
  });

  it('refuseConnections answers upgrades with 503 until lifted, or until its time is up', async () => {
    const { url, sim, clock } = await startServer();
    sim.controls.refuseConnections(60_000);
    expect(await refusedWith(url)).toBe(503);
    sim.controls.refuseConnections(0);
    const c = await connect(url);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    sim.controls.refuseConnections(1000);
    clock.advance(999);
    expect(await refusedWith(url)).toBe(503);
    clock.advance(1);
    expect((await connect(url)).ws.readyState).toBe(WebSocket.OPEN);
  });

  it('emitPrice sends exactly the given quote to subscribers of the pair', async () => {
    const { url, sim } = await startServer({ intervalMs: 60_000 });
    const [a, b] = await Promise.all([connect(url), connect(url)]);
    a.send({ action: 'subscribe', channel: 'prices-v1', payload: [{ fiat: 'EUR' }] });
    b.send({ action: 'subscribe', channel: 'prices-v1', payload: [{ fiat: 'USD' }] });
    await a.reply('subscribe', 'prices-v1');
    await b.reply('subscribe', 'prices-v1');
    expect(sim.controls.emitPrice('BTC', 'EUR', { ask: '65544.85350', bid: '65217.84675' })).toBe(1);
    const n = await a.waitFor(isPair('BTC', 'EUR'));
    expect(a.log[n - 1]!.text).toMatch(/^\{"AP":"65544\.85350","BP":"65217\.84675","U":\d+,"T":"cr","A":"BTC","F":"EUR","CH":"prices-v1"\}$/);
    expect(() => sim.controls.emitPrice('BTC', 'EUR', { ask: '1e5', bid: '1' })).toThrow(/decimal strings/);
    expect(() => sim.controls.emitPrice('NOPE', 'EUR', { ask: '1', bid: '1' })).toThrow(/NOPE\/EUR/);
  });

  it('suppressPongs leaves pings unanswered; subscribeActions logs every action', async () => {
    const { url, sim } = await startServer();
    const c = await connect(url);
    let pongs = 0;
    c.ws.on('pong', () => pongs++);
    sim.controls.suppressPongs(true);
    c.ws.ping();
    c.send({ action: 'subscribe', channel: 'price-changes-v1', payload: [{ fiat: 'EUR' }] });
    await c.reply('subscribe', 'price-changes-v1');
    expect(pongs).toBe(0);
    c.send({ action: 'unsubscribe', channel: 'price-changes-v1' });
    await c.reply('unsubscribe', 'price-changes-v1');
    expect(sim.controls.subscribeActions()).toEqual([
      { action: 'subscribe', channel: 'price-changes-v1', payload: [{ fiat: 'EUR' }], connection: 1, at: expect.any(Number) },
      { action: 'unsubscribe', channel: 'price-changes-v1', payload: undefined, connection: 1, at: expect.any(Number) },
    ]);
  });
});

describe('startSimulator: one HTTP server for prices, REST and the control API', () => {
  async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('serves the price WebSocket and drives it through POST /__sim/prices/<control>', async () => {
    const sim = await startSimulator({ prices: { catalogue: SMALL, intervalMs: 60_000, ...onClock(manualClock(START)) }, rest: { eventIntervalMs: 0 } });
    disposers.push(() => sim.stop());
    expect(sim.wsUrl).toBe(`${sim.url.replace('http:', 'ws:')}/`);
    expect(sim.tokenUrl).toBe(`${sim.url}/oauth/token`);
    const c = await connect(sim.wsUrl);
    expect(await post(`${sim.url}/__sim/prices/sendRaw`, { text: 'hello' })).toEqual({ status: 200, json: { ok: true, result: null } });
    await c.waitFor((_m, text) => text === 'hello');
    expect((await post(`${sim.url}/__sim/prices/refuseConnections`, { ms: 'soon' })).status).toBe(400);
    expect((await post(`${sim.url}/__sim/prices/explode`, {})).status).toBe(404);
    const missing = await fetch(`${sim.url}/nowhere`);
    expect([missing.status, await missing.json()]).toEqual([404, { errors: [{ code: 'http.not.found', title: 'Not found: GET /nowhere' }] }]);
    await post(`${sim.url}/__sim/prices/dropAll`, {});
    expect((await c.closed).code).toBe(1006);
  });

  it('with requireAuth, accepts only an access token issued by the token endpoint', async () => {
    const sim = await startSimulator({ requireAuth: true, prices: { catalogue: SMALL, ...onClock(manualClock(START)) }, rest: { eventIntervalMs: 0 } });
    disposers.push(() => sim.stop());
    expect(await refusedWith(sim.wsUrl)).toBe(401);
    const res = await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'sim-client', client_secret: 'sim-secret' }),
    });
    const { access_token } = (await res.json()) as { access_token: string };
    expect(await refusedWith(sim.wsUrl, { Authorization: 'Bearer not-issued' })).toBe(401);
    const c = await connect(sim.wsUrl, { Authorization: `Bearer ${access_token}` });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });
});
