import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { createVerifier, httpbis } from 'http-message-signatures';
import { afterEach, describe, expect, it } from 'vitest';
import { makePayload, SIMULATED_EVENT_TYPES } from '../../src/simulator/events-catalogue.js';
import { createWebhookSender, type WebhookSenderOptions } from '../../src/simulator/webhook-sender.js';
import { parseWebhookKeys } from '../../src/upstream/webhooks/keys.js';
import type { WebhookMetrics, WebhookRefusal } from '../../src/upstream/webhooks/receiver-metrics.js';
import { disposerList, serveOnLoopback } from '../helpers/servers.js';
import { digestOf, recordingIngest, serveReceiver } from '../webhooks/helpers.js';

const disposers = disposerList();
afterEach(() => disposers.disposeAll());

const payloadOf = (type: string) => makePayload(type, { now: Date.now(), random: Math.random });

function sender(options: WebhookSenderOptions = {}) {
  const s = createWebhookSender({ sleep: async () => {}, ...options });
  disposers.add(() => s.stop());
  return s;
}

/** A receiver that trusts exactly `jwks`, counting outcomes through the metrics hooks. */
async function gatewayFor(jwks: { keys: JsonWebKey[] }) {
  const recorder = recordingIngest();
  const refused: WebhookRefusal[] = [];
  const accepted: string[] = [];
  const metrics: WebhookMetrics = { accepted: (type, outcome) => void accepted.push(`${type}:${outcome}`), refused: (reason) => void refused.push(reason) };
  const server = await serveReceiver({ keys: parseWebhookKeys(JSON.stringify(jwks)), ingest: recorder.ingest, metrics });
  disposers.add(() => server.close());
  return { ...recorder, server, refused, accepted };
}

/** A sender and a receiver that trusts its keys. */
async function pair(options: WebhookSenderOptions = {}) {
  const s = sender(options);
  const gateway = await gatewayFor(s.jwks);
  s.setTarget(gateway.server.hooks);
  return { sender: s, ...gateway };
}

describe('simulated webhook sender', () => {
  it.each(['ecdsa-p256-sha256', 'ed25519'] as const)('%s: its requests verify with the independent library and carry a correct digest', async (algorithm) => {
    const captured: Array<{ method: string; url: string; headers: Record<string, string>; body: string }> = [];
    const served = await serveOnLoopback((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        captured.push({ method: req.method ?? '', url: `${served.base}${req.url}`, headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString() });
        res.writeHead(204).end();
      });
      return true;
    });
    disposers.add(() => served.close());
    const s = sender({ target: `${served.base}/webhooks/bitpanda`, algorithm });
    const payload = payloadOf('user.crypto-transfer-notification');
    expect(await s.send('user.crypto-transfer-notification', payload)).toEqual({ ok: true, status: 204, attempts: 1, statuses: [204] });

    const [request] = captured;
    expect(request?.url).toBe(`${served.base}/webhooks/bitpanda/user.crypto-transfer-notification`);
    expect(JSON.parse(request!.body)).toEqual({ params: payload });
    expect(request!.headers['content-digest']).toBe(digestOf(request!.body));
    const keyLookup = async ({ keyid }: { keyid?: string }) => {
      const jwk = s.jwks.keys.find((k) => k.kid === keyid);
      return jwk ? { id: keyid, algs: [algorithm], verify: createVerifier(createPublicKey({ key: jwk, format: 'jwk' }), algorithm) } : null;
    };
    const verified = await httpbis.verifyMessage(
      { keyLookup, requiredFields: ['@method', '@target-uri', 'content-digest', 'content-type'], requiredParams: ['created', 'keyid', 'alg'], maxAge: 60 },
      { method: request!.method, url: request!.url, headers: request!.headers },
    );
    expect(verified).toBe(true);
    const tampered = { ...request!.headers, 'content-type': 'text/plain' };
    await expect(httpbis.verifyMessage({ keyLookup }, { method: request!.method, url: request!.url, headers: tampered })).resolves.toBe(false);
  });

  it.each([
    ['ecdsa-p256-sha256', 'sha-256'],
    ['ed25519', 'sha-512'],
  ] as const)('%s with %s: accepted by the gateway receiver, payload stored as sent; another sender is refused', async (algorithm, digest) => {
    const { sender: s, calls, refused, server } = await pair({ algorithm, digest });
    const url = server.hooks;
    const payload = payloadOf('user.update');
    expect(await s.send('user.update', payload)).toEqual({ ok: true, status: 204, attempts: 1, statuses: [204] });
    expect(calls).toEqual([{ type: 'user.update', payload: JSON.stringify(payload) }]);
    const stranger = sender({ target: url, algorithm });
    expect(await stranger.send('user.update', payloadOf('user.update'), { maxAttempts: 1 })).toMatchObject({ ok: false, status: 401 });
    expect(refused).toEqual(['signature-invalid']);
    expect(calls).toHaveLength(1);
  });

  it('fault controls produce the refusals, and nothing is stored from them', async () => {
    const { sender: s, calls, refused, accepted } = await pair();
    const once = { maxAttempts: 1 };
    expect(await s.send('user.update', payloadOf('user.update'), { ...once, fault: 'bad-signature' })).toMatchObject({ ok: false, status: 401 });
    expect(await s.send('user.update', payloadOf('user.update'), { ...once, fault: 'stale-created' })).toMatchObject({ ok: false, status: 401 });
    expect(await s.send('user.update', payloadOf('user.update'), { ...once, fault: 'tampered-body' })).toMatchObject({ ok: false, status: 401 });
    expect(refused).toEqual(['signature-invalid', 'signature-expired', 'digest-mismatch']);
    expect(calls).toEqual([]);
    expect((await s.send('account.top-up', payloadOf('account.top-up'))).status).toBe(204);
    expect(await s.replayLast()).toEqual({ ok: false, status: 401, attempts: 1, statuses: [401] });
    expect(refused.at(-1)).toBe('signature-replayed');
    expect(accepted).toEqual(['account.top-up:stored']);
    expect(calls).toHaveLength(1);
  });

  it('a faulty send is retried up to maxAttempts, refused every time', async () => {
    const { sender: s, calls, refused } = await pair({ maxAttempts: 3 });
    expect(await s.send('user.update', payloadOf('user.update'), { fault: 'tampered-body' })).toEqual({ ok: false, status: 401, attempts: 3, statuses: [401, 401, 401] });
    expect(refused).toEqual(['digest-mismatch', 'digest-mismatch', 'digest-mismatch']);
    expect(calls).toEqual([]);
  });

  it('a burst of every catalogue type, several times over: all stored once', async () => {
    const { sender: s, calls, accepted } = await pair({ algorithm: 'ed25519' });
    const events = Array.from({ length: 52 }, (_, i) => {
      const type = SIMULATED_EVENT_TYPES[i % SIMULATED_EVENT_TYPES.length] as string;
      return { type, payload: { ...payloadOf(type), n: i } };
    });
    const results = await s.burst(events);
    expect(results.every((r) => r.ok && r.attempts === 1)).toBe(true);
    expect(calls).toHaveLength(52);
    expect(new Set(calls.map((c) => c.payload)).size).toBe(52);
    expect(accepted.filter((a) => a.endsWith(':stored'))).toHaveLength(52);
  });

  it('retries on a non-2xx answer with backoff, signing each attempt afresh', async () => {
    const waits: number[] = [];
    const { sender: s, calls, failNext, accepted } = await pair({
      backoff: { initialMs: 100, maxMs: 1000 },
      random: () => 0.5,
      sleep: async (ms) => void waits.push(ms),
    });
    failNext();
    const payload = payloadOf('user.automated-order');
    expect(await s.send('user.automated-order', payload)).toEqual({ ok: true, status: 204, attempts: 2, statuses: [503, 204] });
    expect(waits).toEqual([50]);
    expect(calls.map((c) => c.payload)).toEqual([JSON.stringify(payload), JSON.stringify(payload)]);
    expect(accepted).toEqual(['user.automated-order:stored']);
  });

  it('gives up after maxAttempts when no answer arrives, waiting longer each time', async () => {
    const waits: number[] = [];
    const closed = await serveOnLoopback();
    await closed.close();
    const s = sender({ target: `${closed.base}/webhooks/bitpanda`, maxAttempts: 4, backoff: { initialMs: 100, maxMs: 250 }, random: () => 1, sleep: async (ms) => void waits.push(ms) });
    expect(await s.send('user.update', {})).toEqual({ ok: false, status: null, attempts: 4, statuses: [null, null, null, null] });
    expect(waits).toEqual([100, 200, 250]);
  });

  it('stop() ends a wait between attempts; the send resolves without another attempt', async () => {
    let waiting!: () => void;
    const waited = new Promise<void>((resolve) => (waiting = resolve));
    const { sender: s, failNext, calls } = await pair({
      sleep: (_ms, signal) => new Promise((resolve) => {
        signal.addEventListener('abort', () => resolve(), { once: true });
        waiting();
      }),
    });
    failNext();
    const sending = s.send('user.update', payloadOf('user.update'));
    await waited;
    s.stop();
    expect(await sending).toEqual({ ok: false, status: 503, attempts: 1, statuses: [503] });
    expect(calls).toHaveLength(1);
  });
});
