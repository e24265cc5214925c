import { describe, expect, it } from 'vitest';
import { createWebhookReceiver } from '../../src/upstream/webhooks/receiver.js';
import { createReplayCache } from '../../src/upstream/webhooks/replay.js';
import { createWebhookVerifier } from '../../src/upstream/webhooks/signature-verifier.js';
import { keySetOf, makeKey, signRequest } from './helpers.js';

describe('replay cache', () => {
  it('refuses a held id until its time is up or it is released', () => {
    let now = 0;
    const cache = createReplayCache({ now: () => now });
    expect(cache.claim('a', 1000)).toBe(true);
    expect(cache.claim('a', 1000)).toBe(false);
    cache.release('a');
    expect(cache.claim('a', 1000)).toBe(true);
    now = 999;
    expect(cache.claim('a', 2000)).toBe(false);
    now = 1000;
    expect(cache.claim('a', 2000)).toBe(true);
  });

  it('is bounded by count (the oldest goes first) and forgets expired entries', () => {
    let now = 0;
    const cache = createReplayCache({ maxEntries: 3, now: () => now });
    for (const id of ['a', 'b', 'c', 'd']) expect(cache.claim(id, 100 + id.charCodeAt(0))).toBe(true);
    expect(cache.size).toBe(3);
    expect(cache.evicted).toBe(1);
    expect(cache.claim('b', 500)).toBe(false);
    now = 300;
    expect(cache.claim('e', 400)).toBe(true);
    expect(cache.size).toBe(1);
    expect(() => createReplayCache({ maxEntries: 0 })).toThrow(/expected maxEntries to be a positive integer, got 0/);
  });

  it('a copy of a request that arrives while the original is being stored is refused; the original is stored once', async () => {
    const key = makeKey('ed25519', 'k');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inIngest = new Promise<void>((resolve) => (entered = resolve));
    const stored: string[] = [];
    const receiver = createWebhookReceiver({
      verifier: createWebhookVerifier({ keys: keySetOf([key]) }),
      ingest: async (_type, payload) => {
        entered();
        await gate;
        stored.push(payload);
        return 'stored';
      },
    });
    const signed = await signRequest({ url: 'http://gw.test/webhooks/bitpanda/user.update', key });
    const request = { method: 'POST', path: '/webhooks/bitpanda/user.update', headers: { ...signed.headers, host: 'gw.test' }, rawBody: Buffer.from(signed.body) };
    const first = receiver.handle(request);
    await inIngest;
    expect(await receiver.handle(request)).toMatchObject({ status: 401, reason: 'signature-replayed' });
    release();
    expect(await first).toMatchObject({ status: 204, reason: 'stored' });
    expect(stored).toHaveLength(1);
  });

  it('an ECDSA signature re-encoded as (r, n - s), which verifies too, is still the same message: refused as a replay', async () => {
    const key = makeKey('ecdsa-p256-sha256', 'k');
    const stored: string[] = [];
    const receiver = createWebhookReceiver({
      verifier: createWebhookVerifier({ keys: keySetOf([key]) }),
      ingest: async (_type, payload) => (stored.push(payload), 'stored'),
    });
    const signed = await signRequest({ url: 'http://gw.test/webhooks/bitpanda/user.update', key });
    const request = (headers: Record<string, string>) => ({ method: 'POST', path: '/webhooks/bitpanda/user.update', headers: { ...headers, host: 'gw.test' }, rawBody: Buffer.from(signed.body) });
    expect(await receiver.handle(request(signed.headers))).toMatchObject({ status: 204 });
    const bytes = Buffer.from(/^sig=:([^:]+):$/.exec(signed.headers.Signature as string)![1]!, 'base64');
    const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
    const flipped = Buffer.concat([bytes.subarray(0, 32), Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')]);
    const malleated = { ...signed.headers, Signature: `sig=:${flipped.toString('base64')}:` };
    const verifier = createWebhookVerifier({ keys: keySetOf([key]) });
    expect(verifier.verify({ method: 'POST', target: { scheme: 'http', authority: 'gw.test', path: '/webhooks/bitpanda/user.update', query: null }, headers: malleated, body: Buffer.from(signed.body) })).toMatchObject({ ok: true });
    expect(await receiver.handle(request(malleated))).toMatchObject({ status: 401, reason: 'signature-replayed' });
    expect(stored).toHaveLength(1);
  });
});
