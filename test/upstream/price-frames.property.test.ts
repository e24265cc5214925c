import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDecimalString } from '../../src/domain/decimal.js';
import { ASSET_TYPE_CODES, type PriceChangeFrame, type PriceFrame } from '../../src/domain/price.js';
import { DEFAULT_CATALOGUE } from '../../src/simulator/catalogue.js';
import { createPriceSimulator } from '../../src/simulator/price-server.js';
import { CHANGE_DECIMAL_KEYS, parseUpstreamFrame, type ParsedFrame } from '../../src/upstream/price-frames.js';
import { createPriceSocket, type PriceSocket } from '../../src/upstream/price-socket.js';
import { decimalString } from '../domain/decimal-reference.js';
import { serveOnLoopback, type Served } from '../helpers/servers.js';

const RUNS = 3000;
const SOCKET_RUNS = 40;
const KINDS = ['price', 'change', 'control', 'malformed', 'unknown'];

const extraFields = fc.dictionary(fc.string({ maxLength: 4 }).filter((k) => !/^(AP|BP|U|T|A|F|CH|action|status|error|channel)$/.test(k) && !(CHANGE_DECIMAL_KEYS as readonly string[]).includes(k)), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
const symbol = fc.string({ minLength: 1, maxLength: 6 });

/** A valid prices-v1 frame: any decimals, any extra fields, any key order. */
const priceFrame = fc
  .record({ AP: decimalString, BP: decimalString, U: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), T: fc.constantFrom(...ASSET_TYPE_CODES), A: symbol, F: symbol, extra: extraFields })
  .map(({ extra, ...frame }) => ({ ...extra, ...frame, CH: 'prices-v1' as const }));
const changeFrame = fc
  .tuple(fc.tuple(...CHANGE_DECIMAL_KEYS.map(() => decimalString)), fc.constantFrom(...ASSET_TYPE_CODES), symbol, symbol, extraFields)
  .map(([values, T, A, F, extra]) => ({ ...extra, T, A, F, CH: 'price-changes-v1' as const, ...Object.fromEntries(CHANGE_DECIMAL_KEYS.map((k, i) => [k, values[i]!])) }));
const shuffled = (o: Record<string, unknown>) => fc.shuffledSubarray(Object.keys(o), { minLength: Object.keys(o).length }).map((keys) => JSON.stringify(Object.fromEntries(keys.map((k) => [k, o[k]]))));

/** A valid frame with one field replaced by any JSON value, or removed. */
const brokenFrame = fc
  .tuple(fc.oneof(priceFrame, changeFrame), fc.nat(), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }))
  .map(([frame, i, value]) => {
    const keys = Object.keys(frame);
    return JSON.stringify({ ...frame, [keys[i % keys.length]!]: value });
  });

/** Text of every sort: arbitrary, JSON of any shape, valid frames, broken frames, cut frames. */
const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.json(),
  priceFrame.chain(shuffled),
  changeFrame.chain(shuffled),
  brokenFrame,
  fc.tuple(priceFrame, fc.nat()).map(([frame, n]) => JSON.stringify(frame).slice(0, n % 80)),
  fc.record({ action: fc.string(), channel: fc.string(), status: fc.constantFrom('success', 'failed'), error: fc.string() }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
);

function checkDecimalsKept(text: string, parsed: ParsedFrame): void {
  if (parsed.kind !== 'price' && parsed.kind !== 'change') return;
  const source = JSON.parse(text) as Record<string, unknown>;
  const keys = parsed.kind === 'price' ? ['AP', 'BP'] : CHANGE_DECIMAL_KEYS;
  for (const key of keys) {
    const value = (parsed.frame as unknown as Record<string, unknown>)[key];
    expect(isDecimalString(value), key).toBe(true);
    expect(value, key).toBe(source[key]);
  }
}

describe('upstream price frames (fast-check)', () => {
  it(`any text is classified, never thrown; frames keep their decimals as sent (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const parsed = parseUpstreamFrame(text);
        expect(KINDS).toContain(parsed.kind);
        checkDecimalsKept(text, parsed);
        if (parsed.kind === 'malformed' || parsed.kind === 'unknown') expect(parsed.excerpt.length).toBeLessThanOrEqual(220);
      }),
      { numRuns: RUNS },
    );
  });

  it(`every valid frame is a frame, its decimals byte for byte, extra fields kept (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.oneof(priceFrame, changeFrame), (frame) => {
        const text = JSON.stringify(frame);
        const parsed = parseUpstreamFrame(text);
        expect(parsed.kind).toBe(frame.CH === 'prices-v1' ? 'price' : 'change');
        expect(JSON.stringify((parsed as { frame: unknown }).frame)).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  describe('through the price socket', () => {
    let served: Served;
    let sim: ReturnType<typeof createPriceSimulator>;
    let socket: PriceSocket;
    const delivered: PriceFrame[] = [];
    const changes: PriceChangeFrame[] = [];
    const waiters = new Set<() => void>();

    beforeAll(async () => {
      sim = createPriceSimulator({ catalogue: DEFAULT_CATALOGUE, intervalMs: 600_000 });
      served = await serveOnLoopback(undefined, (server) => sim.attach(server));
      socket = createPriceSocket({
        url: served.wsUrl,
        onChange: (frame) => void changes.push(frame),
        onPrice: (frame) => {
          delivered.push(frame);
          for (const wake of waiters) wake();
        },
      });
      socket.start();
      await socket.ready({ timeoutMs: 10_000 });
    });
    afterAll(async () => {
      await socket.stop();
      await sim.close();
      await served.close();
    });

    /** Resolves when a delivered price satisfies `found`. */
    const delivery = (found: (frame: PriceFrame) => boolean): Promise<void> =>
      new Promise((resolve) => {
        const wake = (): void => {
          if (delivered.some(found)) (waiters.delete(wake), resolve());
        };
        waiters.add(wake);
        wake();
      });

    it(`a batch of any frames: each one delivered or counted and skipped, the socket still subscribed (${SOCKET_RUNS} runs)`, async () => {
      let marker = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(anyText.filter((t) => parseUpstreamFrame(t).kind !== 'control'), { maxLength: 20 }), async (texts) => {
          const before = { ...socket.status(), delivered: delivered.length, changes: changes.length };
          for (const text of texts) sim.controls.sendRaw(text);
          const end = `${++marker}.5`;
          sim.controls.sendRaw(JSON.stringify({ AP: end, BP: end, U: 1, T: 'cr', A: 'END', F: 'EUR', CH: 'prices-v1' }));
          await delivery((f) => f.A === 'END' && f.AP === end);
          const after = socket.status();
          const kinds = texts.map((t) => parseUpstreamFrame(t).kind);
          const count = (k: string) => kinds.filter((x) => x === k).length;
          expect(after.malformedFrames - before.malformedFrames).toBe(count('malformed'));
          expect(after.unknownFrames - before.unknownFrames).toBe(count('unknown'));
          expect(changes.slice(before.changes)).toEqual(texts.filter((t, i) => kinds[i] === 'change').map((t) => JSON.parse(t)));
          const prices = texts.filter((t, i) => kinds[i] === 'price').map((t) => JSON.parse(t) as PriceFrame);
          expect(delivered.slice(before.delivered)).toEqual([...prices, expect.objectContaining({ A: 'END', AP: end })]);
          expect(after).toMatchObject({ state: 'subscribed', reconnects: 0 });
        }),
        { numRuns: SOCKET_RUNS },
      );
    });
  });
});
