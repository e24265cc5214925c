import fc from 'fast-check';
import { parseMessage } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import { within } from '../helpers/queue.js';
import { closeRawClients, rawClient, type RawClient } from './raw-client.js';
import { referenceServer } from './reference-server.js';

/**
 * Random message sequences against the graphql-transport-ws core over a real socket, checked
 * against a model of the protocol as graphql-ws's own server applies it: the replies in order,
 * then the close code and reason, or a connection that still answers a ping.
 */

const RUNS = 80;
const TIMEOUT_RUNS = 10;
const REFERENCE_RUNS = 50;

const PRICE = 'subscription { priceUpdated(filter: { assets: ["BTC"] }) { id ask } }';
const BAD = 'subscription { nope }';
const QUERY = '{ __typename }';

type Step =
  | { t: 'init'; payload?: Record<string, unknown> }
  | { t: 'ping'; payload?: Record<string, unknown> }
  | { t: 'pong' }
  | { t: 'subscribe'; id: string }
  | { t: 'invalid-subscribe'; id: string }
  | { t: 'query'; id: string }
  | { t: 'complete'; id: string }
  | { t: 'server-only'; type: 'next' | 'error' | 'connection_ack' }
  | { t: 'garbage'; text: string };

const id = fc.constantFrom('a', 'b', 'c');
const payload = fc.option(fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 2 }), { nil: undefined });
const isMessage = (text: string): boolean => {
  try {
    parseMessage(text);
    return true;
  } catch {
    return false;
  }
};
const garbage = fc
  .oneof(
    fc.string(),
    fc.json(),
    fc.constantFrom('{"type":"bogus"}', '{"type":"subscribe","payload":{"query":"{ __typename }"}}', '{"id":1,"type":"complete"}', '{"type":"subscribe","id":"x"}', '[]', 'null', '{"type":"ping","payload":1}'),
  )
  .filter((text) => !isMessage(text));

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: payload.map((p) => ({ t: 'init' as const, payload: p })), weight: 3 },
  { arbitrary: payload.map((p) => ({ t: 'ping' as const, payload: p })), weight: 2 },
  { arbitrary: fc.constant({ t: 'pong' as const }), weight: 1 },
  { arbitrary: id.map((i) => ({ t: 'subscribe' as const, id: i })), weight: 4 },
  { arbitrary: id.map((i) => ({ t: 'invalid-subscribe' as const, id: i })), weight: 1 },
  { arbitrary: id.map((i) => ({ t: 'query' as const, id: i })), weight: 2 },
  { arbitrary: id.map((i) => ({ t: 'complete' as const, id: i })), weight: 3 },
  { arbitrary: fc.constantFrom('next', 'error', 'connection_ack').map((type) => ({ t: 'server-only' as const, type })), weight: 1 },
  { arbitrary: garbage.map((text) => ({ t: 'garbage' as const, text })), weight: 1 },
);

interface Model {
  initialised: boolean;
  active: Set<string>;
}

/** What the protocol says a step gets: frames (matched by type and id) and a close, or nothing. */
type Outcome = { replies: Array<{ type: string; id?: string; payload?: unknown }> } | { close: { code: number; reason: string } };

/** `serverOnlyCode`: the close for a client-sent server message (4400 here; graphql-ws's own server says 4500). */
function expected(model: Model, s: Step, serverOnlyCode = 4400): Outcome {
  const busy = (i: string) => model.active.has(i);
  switch (s.t) {
    case 'init':
      if (model.initialised) return { close: { code: 4429, reason: 'Too many initialisation requests' } };
      model.initialised = true;
      return { replies: [{ type: 'connection_ack' }] };
    case 'ping':
      return { replies: [s.payload ? { type: 'pong', payload: s.payload } : { type: 'pong' }] };
    case 'pong':
      return { replies: [] };
    case 'subscribe':
    case 'invalid-subscribe':
    case 'query':
      if (!model.initialised) return { close: { code: 4401, reason: 'Unauthorized' } };
      if (busy(s.id)) return { close: { code: 4409, reason: `Subscriber for ${s.id} already exists` } };
      if (s.t === 'subscribe') {
        model.active.add(s.id);
        return { replies: [] };
      }
      if (s.t === 'invalid-subscribe') return { replies: [{ type: 'error', id: s.id }] };
      return { replies: [{ type: 'next', id: s.id, payload: { data: { __typename: 'Query' } } }, { type: 'complete', id: s.id }] };
    case 'complete':
      model.active.delete(s.id);
      return { replies: [] };
    case 'server-only':
      // the client's mistake: graphql-ws's clients answer it with 4400 too (its server with 4500)
      return { close: { code: serverOnlyCode, reason: `Unexpected message of type ${s.type} received` } };
    case 'garbage':
      return { close: { code: 4400, reason: 'Invalid message received' } };
  }
}

function send(c: RawClient, s: Step): void {
  switch (s.t) {
    case 'init':
      return c.send(s.payload ? { type: 'connection_init', payload: s.payload } : { type: 'connection_init' });
    case 'ping':
      return c.send(s.payload ? { type: 'ping', payload: s.payload } : { type: 'ping' });
    case 'pong':
      return c.send({ type: 'pong' });
    case 'subscribe':
      return c.subscribe(s.id, PRICE);
    case 'invalid-subscribe':
      return c.subscribe(s.id, BAD);
    case 'query':
      return c.subscribe(s.id, QUERY);
    case 'complete':
      return c.send({ id: s.id, type: 'complete' });
    case 'server-only':
      return c.send(s.type === 'connection_ack' ? { type: s.type } : { id: 'z', type: s.type, payload: s.type === 'next' ? {} : [{ message: 'x' }] });
    case 'garbage':
      return c.send(s.text);
  }
}

/** The next frame, or the close when the socket closes first. */
async function frameOrClose(c: RawClient): Promise<{ frame: { type: string; id?: string; payload?: unknown } } | { closed: { code: number; reason: string } }> {
  return within(
    Promise.race([c.frames.shift().then((text) => ({ frame: JSON.parse(text) as { type: string; id?: string; payload?: unknown } })), c.closed.then((closed) => ({ closed }))]),
    10_000,
    'a frame or the close',
  );
}

async function play(url: string, steps: Step[], serverOnlyCode = 4400): Promise<void> {
  const c = await rawClient(url);
  const model: Model = { initialised: false, active: new Set() };
  try {
    for (const s of steps) {
      send(c, s);
      const outcome = expected(model, s, serverOnlyCode);
      if ('close' in outcome) {
        expect(await frameOrClose(c), JSON.stringify(steps)).toEqual({ closed: outcome.close });
        return;
      }
      for (const reply of outcome.replies) {
        const got = await frameOrClose(c);
        expect(got, JSON.stringify(steps)).toMatchObject({ frame: reply });
      }
    }
    // nothing else was sent, and the connection still answers
    c.send({ type: 'ping', payload: { end: true } });
    expect(await frameOrClose(c), JSON.stringify(steps)).toEqual({ frame: { type: 'pong', payload: { end: true } } });
  } finally {
    await c.close();
  }
}

/** A gateway for the whole suite it is called in, with this connection_init timeout; checked for leftovers after. */
function useSuiteGateway(initTimeoutMs: number): () => TestGateway {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ wsConnectionInitTimeoutMs: initTimeoutMs });
  });
  afterAll(async () => {
    expect(await closeRawClients()).toBe(0);
    await gw.stop();
    expect(await stopLeftovers()).toBe(0);
  });
  return () => gw;
}

describe('graphql-transport-ws: random message sequences over a real socket (fast-check)', () => {
  const gateway = useSuiteGateway(600_000);

  it(`get the replies and close codes the protocol specifies, and never crash (${RUNS} runs)`, async () => {
    await fc.assert(
      // most sequences open with connection_init, so that they reach the states after it
      fc.asyncProperty(fc.option(payload.map((p): Step => ({ t: 'init', payload: p })), { nil: null, freq: 4 }), fc.array(step, { minLength: 1, maxLength: 12 }), (init, steps) =>
        play(gateway().server.wsUrl, init ? [init, ...steps] : steps),
      ),
      { numRuns: RUNS },
    );
    // the server still serves a fresh connection
    await play(gateway().server.wsUrl, [{ t: 'init' }, { t: 'query', id: 'a' }]);
  });

  it(`the model is graphql-ws's own server's behaviour: the same sequences against it (${REFERENCE_RUNS} runs)`, async () => {
    const reference = await referenceServer(gateway());
    try {
      await fc.assert(
        fc.asyncProperty(fc.option(payload.map((p): Step => ({ t: 'init', payload: p })), { nil: null, freq: 4 }), fc.array(step, { minLength: 1, maxLength: 12 }), (init, steps) =>
          play(reference.url, init ? [init, ...steps] : steps, 4500),
        ),
        { numRuns: REFERENCE_RUNS },
      );
    } finally {
      await reference.close();
    }
  });
});

describe('graphql-transport-ws: no connection_init in time (fast-check)', () => {
  const gateway = useSuiteGateway(50);

  it(`pings and pongs without connection_init end in 4408 (${TIMEOUT_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(payload.map((p) => ({ t: 'ping' as const, payload: p })), fc.constant({ t: 'pong' as const })), { maxLength: 4 }), async (steps) => {
        const c = await rawClient(gateway().server.wsUrl);
        try {
          for (const s of steps) send(c, s);
          const frames: string[] = [];
          for (;;) {
            const got = await frameOrClose(c);
            if ('closed' in got) {
              expect(got.closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
              break;
            }
            frames.push(got.frame.type);
          }
          // every ping answered before the close
          expect(frames.length).toBeLessThanOrEqual(steps.filter((s) => s.t === 'ping').length);
          expect(frames.every((f) => f === 'pong')).toBe(true);
        } finally {
          await c.close();
        }
      }),
      { numRuns: TIMEOUT_RUNS },
    );
  });
});
