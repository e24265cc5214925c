import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/domain/notification.js';
import { codesOf, startYoga, type LimitedYoga } from '../helpers/limited-yoga.js';

const RUNS = 5000;
const HTTP_RUNS = 150;
const MAX_SEQ = 999_999_999_999_999;

const seq = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: MAX_SEQ }));

/** Strings close to a cursor: a real one altered, or the text a cursor holds written another way. */
const nearMiss = fc.oneof(
  fc.tuple(seq, fc.constantFrom('=', '==', ' ', '\n', '.', '+', '/', '%3D')).map(([n, tail]) => encodeCursor(n) + tail),
  fc.tuple(seq, fc.constantFrom(' ', '\t', '=', '*')).map(([n, noise]) => {
    const c = encodeCursor(n);
    return `${c.slice(0, 2)}${noise}${c.slice(2)}`;
  }),
  seq.map((n) => Buffer.from(`evt:${n}`, 'utf8').toString('base64')),
  fc
    .tuple(seq, fc.constantFrom('evt:0{n}', 'evt:+{n}', 'evt:-{n}', 'EVT:{n}', 'evt: {n}', 'evt:{n} ', 'evt:{n}\n', 'evt:{n}.0', 'evt:{n}0000000000000000', 'evt:{n}e1', 'x{n}'))
    .map(([n, shape]) => Buffer.from(shape.replace('{n}', String(n)), 'utf8').toString('base64url')),
  seq.map((n) => encodeCursor(n).toUpperCase()),
);
const foreign = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.base64String(), nearMiss).filter((s) => decodeCursor(s) === null || s !== encodeCursor(decodeCursor(s)!));

describe('cursors (fast-check)', () => {
  it(`round trip: every position encodes to a cursor that decodes to it (${RUNS} runs)`, () => {
    fc.assert(fc.property(seq, (n) => decodeCursor(encodeCursor(n)) === n), { numRuns: RUNS });
  });

  it(`a string is accepted only when it is exactly the cursor of the position it decodes to (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.base64String(), nearMiss), (text) => {
        const n = decodeCursor(text);
        if (n !== null) expect(encodeCursor(n)).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  describe('through the API', () => {
    let yoga: LimitedYoga;
    beforeAll(async () => {
      yoga = await startYoga([]);
    });
    afterAll(async () => {
      await yoga.stop();
    });

    const QUERY = 'query($after: String, $before: String) { notificationEvents(first: 2, after: $after, before: $before) { edges { cursor } } }';

    it('the cursors the API returns page through the log', async () => {
      const first = await yoga.post({ query: QUERY });
      const edges = (first.body.data?.notificationEvents as { edges: Array<{ cursor: string }> }).edges;
      expect(edges).toHaveLength(2);
      const next = await yoga.post({ query: QUERY, variables: { after: edges[1]!.cursor } });
      expect(next.body.errors).toBeUndefined();
      const after = (next.body.data?.notificationEvents as { edges: Array<{ cursor: string }> }).edges;
      expect(after.map((e) => decodeCursor(e.cursor))).toEqual([decodeCursor(edges[1]!.cursor)! + 1, decodeCursor(edges[1]!.cursor)! + 2]);
    });

    it(`every foreign string as after or before is refused with BAD_USER_INPUT (${HTTP_RUNS} runs)`, async () => {
      await fc.assert(
        fc.asyncProperty(foreign, fc.constantFrom('after', 'before'), async (text, argument) => {
          const response = await yoga.post({ query: QUERY, variables: { [argument]: text } });
          expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
          expect(response.body.errors![0]!.extensions?.['argument']).toBe(argument);
          expect(response.body.data?.notificationEvents ?? null).toBeNull();
        }),
        { numRuns: HTTP_RUNS },
      );
    });
  });
});
