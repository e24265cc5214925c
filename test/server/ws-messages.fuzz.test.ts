import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { startTestGateway, stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import { schemaQueries } from '../helpers/random-documents.js';
import { closeRawClients, rawClient, type RawClient } from '../fanout/raw-client.js';
import { fuzzRuns } from '../helpers/fuzz-runs.js';

/**
 * 10,000 random documents and 10,000 random graphql-transport-ws messages (fast-check) against
 * a running gateway: nothing crashes (the gateway answers a ping afterwards, no socket is closed
 * with 4500), and every error a client receives carries `extensions.code`.
 */

const BATCH = 100;
/** the close codes a client's mistakes may earn: graphql-ws's 44xx and ws' 1009 (message too big) */
const CLIENT_CLOSES = new Set([4400, 4401, 4403, 4406, 4408, 4409, 4429, 1009]);

const TOKENS = ['{', '}', '(', ')', '[', ']', ':', '...', '@', '$', '!', '"x"', '1', 'query', 'subscription', 'fragment', 'on', 'prices', 'priceUpdated', 'id', '__typename'];
const documents = fc.oneof(
  { arbitrary: schemaQueries(schema), weight: 5 },
  { arbitrary: fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((t) => t.join(' ')), weight: 2 },
  { arbitrary: fc.constantFrom('subscription { priceUpdated { id ask } }', 'subscription { notificationReceived { ... on Notification { id } } }'), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 60 }).map((n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: prices { id }`).join(' ')} }`), weight: 1 },
  { arbitrary: fc.string({ maxLength: 100 }), weight: 1 },
);

const id = fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.string({ minLength: 1, maxLength: 8 }), fc.string({ minLength: 129, maxLength: 200 }));
const messages: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.record({ type: fc.constant('ping'), payload: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }) }, { requiredKeys: ['type'] }), weight: 3 },
  { arbitrary: fc.constant({ type: 'pong' }), weight: 1 },
  { arbitrary: fc.record({ id, type: fc.constant('subscribe'), payload: fc.record({ query: documents, variables: fc.option(fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })), { nil: undefined }) }, { requiredKeys: ['query'] }) }), weight: 6 },
  { arbitrary: fc.record({ id, type: fc.constant('subscribe'), payload: fc.record({ documentId: fc.oneof(fc.string(), fc.integer()), query: fc.constant('') }) }), weight: 1 },
  { arbitrary: fc.record({ id, type: fc.constant('complete') }), weight: 3 },
  { arbitrary: fc.record({ type: fc.constantFrom('connection_init', 'next', 'error', 'connection_ack', 'bogus'), id: fc.option(id, { nil: undefined }), payload: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }) }, { requiredKeys: ['type'] }), weight: 1 },
  { arbitrary: fc.oneof(fc.string({ maxLength: 50 }), fc.json({ maxDepth: 2 })), weight: 1 },
);

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterEach(async () => {
  expect(await closeRawClients()).toBe(0);
});
afterAll(async () => {
  await gw.stop();
  expect(await stopLeftovers()).toBe(0);
});

/** Every `error` payload entry and every `next` payload error carries a string `extensions.code`. */
function expectCoded(frames: string[]): void {
  for (const text of frames) {
    const frame = JSON.parse(text) as { type: string; payload?: any };
    const errors = frame.type === 'error' ? frame.payload : frame.type === 'next' ? (frame.payload?.errors ?? []) : [];
    for (const error of errors) expect([typeof error.extensions?.code, error.message]).toEqual(['string', error.message]);
    if (frame.type === 'next') expect(JSON.stringify(frame.payload)).not.toMatch(/"stack"|\n\s+at /);
  }
}

/** Sends `batch` on an initialised connection, then a ping; resolves with the frames once the pong (or the close) came. */
async function play(batch: unknown[]): Promise<{ frames: string[]; closed: { code: number; reason: string } | null }> {
  const c: RawClient = await rawClient(gw.server.wsUrl);
  await c.init();
  for (const message of batch) c.send(message);
  c.send({ type: 'ping', payload: { end: true } });
  const outcome = await Promise.race([c.frames.find((f) => f === '{"type":"pong","payload":{"end":true}}').then(() => null), c.closed]);
  const frames = [...c.frames.all];
  await c.close();
  return { frames, closed: outcome };
}

/** generated inputs per test (`FUZZ_SCALE` multiplies them) */
const DOCUMENTS = fuzzRuns(3000);
const MESSAGES = fuzzRuns(3000);

describe('fuzzing the WebSocket endpoint', () => {
  it(`${DOCUMENTS} random documents: every error coded, nothing crashes`, async () => {
    const sample = fc.sample(documents, { numRuns: DOCUMENTS, seed: 8 });
    let errors = 0;
    for (let i = 0; i < sample.length; i += BATCH) {
      // one in ten executes; the others name no operation of theirs, so they are parsed and
      // validated (limits included) on the real path, then refused before execution: a few seconds in all
      const batch = sample.slice(i, i + BATCH).flatMap((query, j) => [
        { id: `d${j}`, type: 'subscribe', payload: j % 10 === 0 ? { query } : { query, operationName: 'NotInTheDocument' } },
        { id: `d${j}`, type: 'complete' },
      ]);
      const { frames, closed } = await play(batch);
      expect(closed).toBeNull();
      expectCoded(frames);
      errors += frames.filter((f) => f.includes('"type":"error"')).length;
    }
    expect(errors).toBeGreaterThan(DOCUMENTS / 10);
  }, 120_000);

  it(`${MESSAGES} random graphql-transport-ws messages: every error coded, closes only for client mistakes, the gateway serves on`, async () => {
    const sample = fc.sample(messages, { numRuns: MESSAGES, seed: 8 });
    const closes = new Map<number, number>();
    for (let i = 0; i < sample.length; i += BATCH) {
      const { frames, closed } = await play(sample.slice(i, i + BATCH));
      expectCoded(frames);
      if (closed) {
        closes.set(closed.code, (closes.get(closed.code) ?? 0) + 1);
        expect(CLIENT_CLOSES.has(closed.code), `close ${closed.code} ${closed.reason}`).toBe(true);
      }
    }
    expect(closes.get(4500)).toBeUndefined();
    const { closed } = await play([{ id: 'last', type: 'subscribe', payload: { query: '{ __typename }' } }]);
    expect(closed).toBeNull();
    expect((await fetch(`${gw.server.url}/health`)).status).toBe(200);
  }, 120_000);
});
