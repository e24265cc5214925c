import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { readWebhookBody, topLevelMember } from '../../src/upstream/webhooks/body.js';
import { checkContentDigest } from '../../src/upstream/webhooks/digest.js';
import { createWebhookReceiver, type WebhookReceiver } from '../../src/upstream/webhooks/receiver.js';
import { createWebhookVerifier, type WebhookVerifier } from '../../src/upstream/webhooks/signature-verifier.js';
import { digestOf, keySetOf, makeKey, recordingIngest, signRequest, type SignedRequest } from './helpers.js';

const URL_ = 'http://127.0.0.1:4000/webhooks/bitpanda/user.update';
const BODY = '{"params":{"user_id":"u1","success":true}}';

let receiver: WebhookReceiver;
let verifier: WebhookVerifier;
let recorder: ReturnType<typeof recordingIngest>;
let valid: SignedRequest;

beforeAll(async () => {
  const key = makeKey('ecdsa-p256-sha256', 'k');
  recorder = recordingIngest();
  verifier = createWebhookVerifier({ keys: keySetOf([key]) });
  receiver = createWebhookReceiver({ verifier, ingest: recorder.ingest });
  valid = await signRequest({ url: URL_, key, body: BODY });
});

const handle = (headers: Record<string, string | string[]>, body = BODY) =>
  receiver.handle({ method: 'POST', path: '/webhooks/bitpanda/user.update', headers: { host: '127.0.0.1:4000', ...headers }, rawBody: Buffer.from(body) });

/** Random text, biased towards the characters structured fields are made of. */
const fieldText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: fc.constantFrom(...'sig1=():;,"*\\ @-_.abcdef0123456789created=keyid=alg='.split(''), ':AAAA:', '"@method"', '"content-digest"', 'sha-256=', ';sf', ';key="x"'), maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

const signatureHeaderNames = ['Signature', 'Signature-Input', 'content-digest'] as const;

describe('malformed webhook requests never throw and never reach the store', () => {
  it('random Signature, Signature-Input and Content-Digest values: 401', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ a: fieldText, b: fieldText, c: fieldText }), async ({ a, b, c }) => {
        const answer = await handle({ 'content-type': 'application/json', signature: a, 'signature-input': b, 'content-digest': c });
        expect(answer.status).toBe(401);
      }),
      { numRuns: 500 },
    );
    expect(recorder.calls).toEqual([]);
  });

  it('one field of a validly signed request replaced with random text: 401; repeated: 401 unless the signature is intact', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...signatureHeaderNames), fieldText, fc.boolean(), async (name, text, repeat) => {
        const original = valid.headers[name] as string;
        fc.pre(text !== original);
        const fresh = recordingIngest();
        const own = createWebhookReceiver({ verifier, ingest: fresh.ingest });
        const headers = { host: '127.0.0.1:4000', ...valid.headers, [name]: repeat ? [original, text] : text };
        const answer = await own.handle({ method: 'POST', path: '/webhooks/bitpanda/user.update', headers, rawBody: Buffer.from(BODY) });
        // An extra Signature or Signature-Input line may only add members: the covered
        // components (Content-Digest among them) are what the signature binds.
        if (repeat && name !== 'content-digest' && answer.status === 204) expect(fresh.calls).toHaveLength(1);
        else {
          expect(answer.status).toBe(401);
          expect(fresh.calls).toEqual([]);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('random bodies under a valid signature of another body, with or without their own digest: 401', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json()), async (body) => {
        fc.pre(body !== BODY);
        expect((await handle(valid.headers, body)).status).toBe(401);
        const answer = await handle({ ...valid.headers, 'content-digest': digestOf(body) }, body);
        expect(answer.status).toBe(401);
      }),
      { numRuns: 200 },
    );
    expect(recorder.calls).toEqual([]);
  });

  it('random request targets: 404, 400 or 401, never a store call', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), async (tail) => {
        const answer = await receiver.handle({ method: 'POST', path: `/webhooks/bitpanda/${tail}`, headers: valid.headers, rawBody: Buffer.from(BODY) });
        expect([400, 401, 404]).toContain(answer.status);
      }),
      { numRuns: 300 },
    );
    expect(recorder.calls).toEqual([]);
  });
});

describe('webhook body and digest parsing', () => {
  it('the payload handed on is the exact params text, which parses to the params value', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), (params, others, spaced) => {
        const body = spaced ? JSON.stringify({ ...others, params }, null, 2) : JSON.stringify({ ...others, params });
        const result = readWebhookBody(Buffer.from(body));
        expect(result.ok).toBe(true);
        if (result.ok) {
          expect(JSON.parse(result.payloadText)).toEqual(JSON.parse(body).params);
          expect(body).toContain(result.payloadText);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps numbers and key order exactly as sent; the last of duplicate members wins, as in JSON.parse', () => {
    const body = '{ "params" : {"z": 1, "asset_id": 12345678901234567890, "a": "0.10"} , "x": [1, {"params": 2}] }';
    expect(readWebhookBody(Buffer.from(body))).toEqual({ ok: true, payloadText: '{"z": 1, "asset_id": 12345678901234567890, "a": "0.10"}' });
    expect(topLevelMember('{"params":{"a":1},"p\\u0061rams":{"b":"}"}}', 'params')).toBe('{"b":"}"}');
    expect(readWebhookBody(Buffer.from([0x7b, 0xff, 0x7d]))).toMatchObject({ ok: false, detail: 'expected a UTF-8 body' });
    expect(readWebhookBody(Buffer.from('{"params":null}'))).toMatchObject({ ok: false, detail: 'expected "params" to be an object, got null' });
  });

  it('Content-Digest: every supported member must match, at least one must be there', () => {
    const body = Buffer.from('{"params":{}}');
    expect(checkContentDigest(`${digestOf(body)}, ${digestOf(body, 'sha-512')}`, body)).toEqual({ ok: true, algorithms: ['sha-256', 'sha-512'] });
    expect(checkContentDigest(`${digestOf(body)}, ${digestOf('other', 'sha-512')}`, body)).toMatchObject({ ok: false, reason: 'digest-mismatch' });
    expect(checkContentDigest('sha-256=:AAAA:', body)).toMatchObject({ ok: false, reason: 'digest-mismatch' });
    expect(checkContentDigest('unixsum=:AAAA:', body)).toMatchObject({ ok: false, reason: 'digest-missing' });
    expect(checkContentDigest(null, body)).toMatchObject({ ok: false, reason: 'digest-missing' });
    expect(checkContentDigest('sha-256=(:AAAA:)', body)).toMatchObject({ ok: false, reason: 'digest-malformed' });
    expect(checkContentDigest('sha-256=:AAAA', body)).toMatchObject({ ok: false, reason: 'digest-malformed' });
  });
});
