import { Writable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { disposerList } from '../helpers/servers.js';
import { digestOf, keySetOf, makeKey, recordingIngest, serveReceiver, signRequest, type Alg, type TestKey } from './helpers.js';

const disposers = disposerList();
afterEach(() => disposers.disposeAll());

let p256: TestKey;
let ed: TestKey;
let stranger: TestKey;
beforeAll(() => {
  p256 = makeKey('ecdsa-p256-sha256', 'bitpanda-p256');
  ed = makeKey('ed25519', 'bitpanda-ed');
  stranger = makeKey('ecdsa-p256-sha256', 'bitpanda-p256');
});

const PATH = '/webhooks/bitpanda/user.corporate-action';
const PAYLOAD = '{"id":"1ed9020e-1","type":"dividend","asset_amount":"0.000012340000000000","asset_id":397}';
const BODY = `{"params": ${PAYLOAD}}`;

async function setup(options: { publicUrl?: string; maxBodyBytes?: number } = {}) {
  const recorder = recordingIngest();
  const server = await serveReceiver({ keys: keySetOf([p256, ed]), ingest: recorder.ingest, ...options });
  disposers.add(() => server.close());
  return { ...recorder, server, url: `${server.base}${PATH}` };
}

const secondsAgo = (s: number): Date => new Date(Date.now() - s * 1000);

describe('webhook receiver: accepted requests signed by an independent implementation', () => {
  it.each<[Alg, 'sha-256' | 'sha-512']>([
    ['ecdsa-p256-sha256', 'sha-256'],
    ['ecdsa-p256-sha256', 'sha-512'],
    ['ed25519', 'sha-256'],
    ['ed25519', 'sha-512'],
  ])('%s with a %s digest: 204 after the payload is stored, exactly as sent', async (alg, digest) => {
    const { server, url, calls } = await setup();
    const key = alg === 'ed25519' ? ed : p256;
    const request = await signRequest({ url, key, body: BODY, contentDigest: digestOf(BODY, digest) });
    const answer = await server.post(PATH, request);
    expect(answer).toEqual({ status: 204, body: null });
    expect(calls).toEqual([{ type: 'user.corporate-action', payload: PAYLOAD }]);
  });

  it('accepts both digests together and ignores an unknown digest algorithm', async () => {
    const { server, url, calls } = await setup();
    const contentDigest = `md5=:AAAA:, ${digestOf(BODY, 'sha-512')}, ${digestOf(BODY, 'sha-256')}`;
    const answer = await server.post(PATH, await signRequest({ url, key: p256, body: BODY, contentDigest }));
    expect(answer.status).toBe(204);
    expect(calls).toHaveLength(1);
  });

  it('accepts @authority with @path instead of @target-uri, and a signature without keyid or alg', async () => {
    const { server, url, calls } = await setup();
    const fields = ['@method', '@authority', '@path', 'content-digest'];
    const answer = await server.post(PATH, await signRequest({ url, key: ed, body: BODY, fields, params: ['created'] }));
    expect(answer.status).toBe(204);
    expect(calls).toHaveLength(1);
  });

  it('behind a proxy: @target-uri and @authority come from BITPANDA_WEBHOOK_URL, not the Host the proxy sent', async () => {
    const { server, url, calls } = await setup({ publicUrl: 'https://GW.example.com:443/hooks/bitpanda/' });
    const publicTarget = 'https://gw.example.com/hooks/bitpanda/user.corporate-action';
    const viaProxy = await signRequest({ url: publicTarget, key: p256, body: BODY, fields: ['@method', '@target-uri', '@authority', '@scheme', '@request-target', 'content-digest'] });
    expect((await server.post(PATH, viaProxy)).status).toBe(204);
    const signedForLocal = await signRequest({ url, key: p256, body: BODY });
    expect((await server.post(PATH, signedForLocal)).body).toMatchObject({ error: 'signature-invalid' });
    expect(calls).toHaveLength(1);
  });

  it('a retry of a stored notification under a fresh signature gets 204 and stores nothing new', async () => {
    const { server, url, calls } = await setup();
    expect((await server.post(PATH, await signRequest({ url, key: p256, body: BODY, nonce: 'first' }))).status).toBe(204);
    expect((await server.post(PATH, await signRequest({ url, key: p256, body: BODY, nonce: 'second' }))).status).toBe(204);
    expect(calls).toHaveLength(2);
  });

  it('accepts when one of several signatures is valid and meets the policy', async () => {
    const { server, url, calls } = await setup();
    const foreign = await signRequest({ url, key: stranger, body: BODY });
    const both = await signRequest({ url, key: ed, body: BODY, headers: { signature: foreign.headers.Signature as string, 'signature-input': foreign.headers['Signature-Input'] as string } });
    expect(both.headers.signature).toMatch(/^sig=.*, sig0=/);
    expect((await server.post(PATH, both)).status).toBe(204);
    expect(calls).toHaveLength(1);
  });
});

describe('webhook receiver: refusals store nothing', () => {
  type Case = [string, number, string, (url: string) => Promise<{ method: string; headers: Record<string, string>; body: string }>, string?];
  const cases: Case[] = [
    ['no signature', 401, 'signature-missing', async () => ({ method: 'POST', headers: { 'content-type': 'application/json', 'content-digest': digestOf(BODY) }, body: BODY })],
    ['content-digest not covered', 401, 'signature-policy', (url) => signRequest({ url, key: p256, body: BODY, fields: ['@method', '@target-uri', 'content-type'] })],
    ['@method not covered', 401, 'signature-policy', (url) => signRequest({ url, key: p256, body: BODY, fields: ['@target-uri', 'content-digest'] })],
    ['@authority without @path', 401, 'signature-policy', (url) => signRequest({ url, key: p256, body: BODY, fields: ['@method', '@authority', 'content-digest'] })],
    ['no created', 401, 'signature-policy', (url) => signRequest({ url, key: p256, body: BODY, created: null, params: ['keyid', 'alg'] })],
    ['a tampered body (digest mismatch)', 401, 'digest-mismatch', async (url) => ({ ...(await signRequest({ url, key: p256, body: BODY })), body: BODY.replace('0.0000123', '9.0000123') })],
    ['a digest of another algorithm only', 401, 'digest-missing', (url) => signRequest({ url, key: p256, body: BODY, contentDigest: 'md5=:AAAA:' })],
    ['a digest that is not a byte sequence', 401, 'digest-malformed', (url) => signRequest({ url, key: p256, body: BODY, contentDigest: 'sha-256="abc"' })],
    ['a key that is not loaded', 401, 'signature-invalid', (url) => signRequest({ url, key: stranger, body: BODY })],
    ['a key that is not loaded, with an unknown keyid', 401, 'signature-invalid', (url) => signRequest({ url, key: stranger, body: BODY, keyid: 'who' })],
    ['an alg that does not match the key', 401, 'signature-invalid', (url) => signRequest({ url, key: ed, body: BODY, alg: 'ecdsa-p256-sha256', keyid: 'other' })],
    ['an alg naming a key of another algorithm', 401, 'signature-unknown-key', (url) => signRequest({ url, key: ed, body: BODY, alg: 'ecdsa-p256-sha256' })],
    ['an unknown alg', 401, 'signature-unknown-alg', (url) => signRequest({ url, key: p256, body: BODY, alg: 'rsa-pss-sha512' })],
    ['a stale created', 401, 'signature-expired', (url) => signRequest({ url, key: p256, body: BODY, created: secondsAgo(301) })],
    ['a created in the future', 401, 'signature-future', (url) => signRequest({ url, key: p256, body: BODY, created: secondsAgo(-60) })],
    ['an expires in the past', 401, 'signature-expired', (url) => signRequest({ url, key: ed, body: BODY, created: secondsAgo(60), expires: secondsAgo(30) })],
    ['another method than the one signed', 401, 'signature-invalid', async (url) => ({ ...(await signRequest({ url, key: ed, body: BODY, method: 'PUT' })), method: 'POST' })],
    ['another event type than the one signed', 401, 'signature-invalid', (url) => signRequest({ url: url.replace('corporate-action', 'update'), key: ed, body: BODY })],
    ['a covered field that is absent', 401, 'signature-malformed', async (url) => {
      const signed = await signRequest({ url, key: ed, body: BODY, fields: [...['@method', '@target-uri', 'content-digest'], 'x-extra'], headers: { 'x-extra': '1' } });
      const { 'x-extra': _, ...headers } = signed.headers;
      return { ...signed, headers };
    }],
    ['a body that is not JSON', 400, 'bad-body', (url) => signRequest({ url, key: p256, body: 'params=1' })],
    ['a body without params', 400, 'bad-body', (url) => signRequest({ url, key: p256, body: '{"param":{"id":1}}' })],
    ['params that are not an object', 400, 'bad-body', (url) => signRequest({ url, key: p256, body: '{"params":[1,2]}' })],
    ['a body that is not an object', 400, 'bad-body', (url) => signRequest({ url, key: p256, body: '[{"params":{}}]' })],
    ['a bad event type in the path', 400, 'bad-event-type', (url) => signRequest({ url: url.replace('user.corporate-action', '..%2Fx'), key: p256, body: BODY }), '/webhooks/bitpanda/..%2Fx'],
  ];

  it.each(cases)('%s: %i %s', async (_name, status, reason, make, path = PATH) => {
    const { server, url, calls } = await setup();
    const answer = await server.post(path, await make(url));
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ error: reason });
    expect(calls).toEqual([]);
  });

  it('an exact replay of an accepted request: 401, stored once', async () => {
    const { server, url, calls } = await setup();
    const request = await signRequest({ url, key: p256, body: BODY });
    expect((await server.post(PATH, request)).status).toBe(204);
    const replay = await server.post(PATH, request);
    expect(replay).toMatchObject({ status: 401, body: { error: 'signature-replayed' } });
    expect(calls).toHaveLength(1);
  });

  it('over the byte limit: 413 before anything is read into the store', async () => {
    const { server, url, calls } = await setup({ maxBodyBytes: 1024 });
    const body = JSON.stringify({ params: { pad: 'x'.repeat(2000) } });
    const answer = await server.post(PATH, await signRequest({ url, key: p256, body }));
    expect(answer).toMatchObject({ status: 413, body: { error: 'too-large' } });
    const atLimit = JSON.stringify({ params: { pad: 'x'.repeat(1024 - 21) } });
    expect(Buffer.byteLength(atLimit)).toBe(1024);
    expect((await server.post(PATH, await signRequest({ url, key: p256, body: atLimit }))).status).toBe(204);
    expect(calls).toHaveLength(1);
  });

  it('the default limit is MAX_REQUEST_BYTES = 102400', async () => {
    const { server, url, calls } = await setup();
    const body = JSON.stringify({ params: { pad: 'x'.repeat(102_400) } });
    expect((await server.post(PATH, await signRequest({ url, key: ed, body }))).status).toBe(413);
    expect(calls).toEqual([]);
  });

  it('store unavailable: 503 with Retry-After; the same signed request retried is then stored', async () => {
    const { server, url, calls, failNext } = await setup();
    const request = await signRequest({ url, key: ed, body: BODY });
    failNext();
    const res = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ error: 'store-unavailable' });
    expect((await server.post(PATH, request)).status).toBe(204);
    expect(calls.map((c) => c.payload)).toEqual([PAYLOAD, PAYLOAD]);
  });

  it('other methods: 405 with Allow: POST', async () => {
    const { url, calls } = await setup();
    const res = await fetch(url);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(calls).toEqual([]);
  });
});

describe('webhook receiver: logs', () => {
  it('carry event type, size, reason and key id, never signature material or payload values', async () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const recorder = recordingIngest();
    const server = await serveReceiver({ keys: keySetOf([p256, ed]), ingest: recorder.ingest, logger: createLogger({ level: 'debug', destination }) });
    disposers.add(() => server.close());
    const url = `${server.base}${PATH}`;
    const good = await signRequest({ url, key: p256, body: BODY });
    const tampered = { ...(await signRequest({ url, key: ed, body: BODY })), body: BODY.replace('dividend', 'splitted') };
    const stale = await signRequest({ url, key: ed, body: BODY, created: secondsAgo(900) });
    for (const request of [good, good, tampered, stale]) await server.post(PATH, request);
    const log = lines.join('');
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => r.reason ?? r.outcome)).toEqual(['stored', 'signature-replayed', 'digest-mismatch', 'signature-expired']);
    expect(records[0]).toMatchObject({ eventType: 'user.corporate-action', bytes: Buffer.byteLength(BODY), key: 'bitpanda-p256', alg: 'ecdsa-p256-sha256' });
    expect(records[3]).toMatchObject({ keyid: 'bitpanda-ed', status: 401 });
    for (const request of [good, tampered, stale]) {
      const signature = /:([^:]+):/.exec(request.headers.Signature as string)![1]!;
      expect(log).not.toContain(signature);
      expect(log).not.toContain(request.headers['content-digest']!.slice(9, 30));
      expect(log).not.toContain(request.headers['Signature-Input']);
    }
    expect(log).not.toContain('1ed9020e');
    expect(log).not.toContain('0.000012340000000000');
  });
});
