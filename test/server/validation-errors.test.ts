import type { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useValidationErrors } from '../../src/server/use-validation-errors.js';
import { codesOf, startYoga, type LimitedYoga } from '../helpers/limited-yoga.js';

const THROWING = 'subscription { priceUpdated @include(if: $b) { id } }';

let gw: LimitedYoga;
beforeAll(async () => {
  gw = await startYoga([useValidationErrors()]);
});
afterAll(() => gw.stop());

describe('a validation rule that throws', () => {
  it('is answered over HTTP as a coded validation error (400), not an uncoded 200', async () => {
    const response = await gw.post({ query: THROWING });
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.body.errors![0]!.message).toMatch(/not provided a runtime value/);
  });

  it('is returned, not thrown, by enveloped.validate (the WebSocket path)', () => {
    const enveloped = gw.yoga.getEnveloped({ params: { query: THROWING } });
    const errors = enveloped.validate(enveloped.schema, enveloped.parse(THROWING)) as readonly GraphQLError[];
    expect(errors.map((e) => e.extensions['code'])).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });
});
