import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWebhookKeys, parseWebhookKeys } from '../../src/upstream/webhooks/keys.js';
import { createWebhookVerifier } from '../../src/upstream/webhooks/signature-verifier.js';
import { jwksOf, makeKey, signRequest } from './helpers.js';

const pem = (key: ReturnType<typeof makeKey>): string => key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const URL_ = 'http://127.0.0.1:4000/webhooks/bitpanda/user.update';

async function verifyWith(text: string, signed: Awaited<ReturnType<typeof signRequest>>) {
  const verifier = createWebhookVerifier({ keys: parseWebhookKeys(text) });
  return verifier.verify({
    method: 'POST',
    target: { scheme: 'http', authority: '127.0.0.1:4000', path: '/webhooks/bitpanda/user.update', query: null },
    headers: signed.headers,
    body: Buffer.from(signed.body),
  });
}

describe('webhook keys', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('loads a JWKS: kid and algorithm per key', () => {
    const a = makeKey('ecdsa-p256-sha256', 'a');
    const b = makeKey('ed25519', 'b');
    const set = parseWebhookKeys(jwksOf([a, b]));
    expect(set.keys.map((k) => [k.kid, k.alg])).toEqual([['a', 'ecdsa-p256-sha256'], ['b', 'ed25519']]);
    expect(set.skipped).toEqual([]);
  });

  it('a keyid that names a key selects only that key; otherwise every key of the algorithm is a candidate', () => {
    const set = parseWebhookKeys(jwksOf([makeKey('ecdsa-p256-sha256', 'a'), makeKey('ecdsa-p256-sha256', 'b'), makeKey('ed25519', 'c')]));
    expect(set.candidates('b', null).map((k) => k.kid)).toEqual(['b']);
    expect(set.candidates('b', 'ed25519')).toEqual([]);
    expect(set.candidates('unknown', 'ecdsa-p256-sha256').map((k) => k.kid)).toEqual(['a', 'b']);
    expect(set.candidates(null, null).map((k) => k.kid)).toEqual(['a', 'b', 'c']);
    const thumbprint = set.keys[2]!.thumbprint;
    expect(set.candidates(thumbprint, null).map((k) => k.kid)).toEqual(['c']);
  });

  it('loads PEM public keys from a file; they verify signatures whatever their keyid', async () => {
    const p256 = makeKey('ecdsa-p256-sha256', 'bitpanda-2024');
    const ed = makeKey('ed25519', 'anything');
    const dir = await mkdtemp(join(tmpdir(), 'webhook-keys-'));
    dirs.push(dir);
    const file = join(dir, 'keys.pem');
    await writeFile(file, `# Bitpanda webhook keys\n${pem(p256)}\n${pem(ed)}`);
    const set = await loadWebhookKeys(file);
    expect(set.keys.map((k) => [k.kid, k.alg])).toEqual([[null, 'ecdsa-p256-sha256'], [null, 'ed25519']]);
    const text = `${pem(p256)}${pem(ed)}`;
    const fields = ['@method', '@target-uri', 'content-digest'];
    expect(await verifyWith(text, await signRequest({ url: URL_, key: p256, fields }))).toMatchObject({ ok: true, alg: 'ecdsa-p256-sha256' });
    expect(await verifyWith(text, await signRequest({ url: URL_, key: ed, fields }))).toMatchObject({ ok: true, alg: 'ed25519' });
    const other = makeKey('ed25519', 'anything');
    expect(await verifyWith(text, await signRequest({ url: URL_, key: other, fields }))).toMatchObject({ ok: false, reason: 'signature-invalid' });
  });

  it('skips keys it cannot use and says why; refuses a file with none', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
    const ed = makeKey('ed25519', 'ok');
    const enc = { ...makeKey('ed25519', 'x').publicKey.export({ format: 'jwk' }), kid: 'enc', use: 'enc' };
    const set = parseWebhookKeys(JSON.stringify({ keys: [rsa, p384, enc, JSON.parse(jwksOf([ed])).keys[0]] }));
    expect(set.keys.map((k) => k.kid)).toEqual(['ok']);
    expect(set.skipped).toHaveLength(3);
    expect(set.skipped.join('\n')).toMatch(/keys\[0\].*rsa.*not P-256 or Ed25519/);
    expect(() => parseWebhookKeys(JSON.stringify({ keys: [rsa] }))).toThrow(/BITPANDA_WEBHOOK_KEYS: expected at least one P-256 or Ed25519 public key, got none usable/);
  });

  it('refuses private keys, garbage and unreadable files with a message naming the variable', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privateJwk = pair.privateKey.export({ format: 'jwk' });
    expect(() => parseWebhookKeys(JSON.stringify({ keys: [privateJwk] }))).toThrow(/expected public keys only, got keys\[0\] carries a private part/);
    const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => parseWebhookKeys(privatePem)).toThrow(/expected public keys only, got PEM block 0 \(PRIVATE KEY\) is a private key/);
    expect(() => parseWebhookKeys('hello')).toThrow(/^BITPANDA_WEBHOOK_KEYS: expected a JWKS/);
    expect(() => parseWebhookKeys('{"keys": ')).toThrow(/expected a JWKS in valid JSON/);
    await expect(loadWebhookKeys('/nonexistent/keys.json')).rejects.toThrow(/^BITPANDA_WEBHOOK_KEYS: expected a readable file/);
  });
});
