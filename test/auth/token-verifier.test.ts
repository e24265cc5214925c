import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportSPKI, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, type AuthFailureReason } from '../../src/auth/errors.js';
import { createTokenVerifier, identify, type TokenVerifier, type TokenVerifierOptions } from '../../src/auth/token-verifier.js';
import { ANONYMOUS } from '../../src/domain/identity.js';
import { b64url, makeKey, mint, serveJwks, type JwksServer, type TestKey } from '../helpers/jwks.js';
import { disposerList } from '../helpers/servers.js';

let rsa: TestKey;
let ec: TestKey;
let ed: TestKey;
let stranger: TestKey;
const disposers = disposerList();
afterEach(() => disposers.disposeAll());

beforeAll(async () => {
  [rsa, ec, ed, stranger] = await Promise.all([makeKey('RS256', 'rsa-1'), makeKey('ES256', 'ec-1'), makeKey('EdDSA', 'ed-1'), makeKey('RS256', 'rsa-2')]);
});

async function jwks(keys = [rsa.jwk, ec.jwk, ed.jwk]): Promise<JwksServer> {
  const server = await serveJwks(keys);
  disposers.add(() => server.close());
  return server;
}

function verifierFor(server: JwksServer, options: Partial<TokenVerifierOptions> = {}): TokenVerifier {
  return createTokenVerifier({ jwksUrl: server.url, ...options });
}

/** The refusal of `token`, checked to be safe to show: neither message nor detail holds any part of the token. */
async function refusal(verifier: TokenVerifier, token: string): Promise<AuthError> {
  const error = await verifier.verify(token).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  const auth = error as AuthError;
  for (const part of token.split('.').filter((p) => p.length > 8)) {
    expect(auth.message).not.toContain(part);
    expect(auth.detail).not.toContain(part);
  }
  expect(auth.code).toBe('UNAUTHENTICATED');
  return auth;
}

async function reasonOf(verifier: TokenVerifier, token: string): Promise<AuthFailureReason> {
  return (await refusal(verifier, token)).reason;
}

describe('token verification against a JWKS served over HTTP', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)('accepts a %s token and reads its identity', async (alg) => {
    const key = { RS256: rsa, ES256: ec, EdDSA: ed }[alg];
    const server = await jwks();
    const verifier = verifierFor(server);
    const identity = await verifier.verify(await mint(key, { sub: 'u-42', exp: 2_000_000_000 }));
    expect(identity).toEqual({ kind: 'user', subject: 'u-42', userId: 'u-42', expiresAt: new Date(2_000_000_000_000) });
  });

  it('fetches the keys once and serves every later token from the cache', async () => {
    const server = await jwks();
    const verifier = verifierFor(server);
    for (const key of [rsa, ec, ed, rsa]) await verifier.verify(await mint(key));
    expect(server.requests).toBe(1);
    expect(verifier.keys.stats()).toEqual({ loads: 1, failures: 0 });
  });

  it('refuses expired, not-yet-valid, wrong-issuer and wrong-audience tokens with their reasons', async () => {
    const server = await jwks();
    const now = Math.floor(Date.now() / 1000);
    const strict = verifierFor(server, { issuer: 'https://id.example', audience: 'gateway' });
    const good = { iss: 'https://id.example', aud: 'gateway' };
    expect((await strict.verify(await mint(rsa, good))).subject).toBe('user-1');
    expect(await reasonOf(strict, await mint(rsa, { ...good, exp: now - 60 }))).toBe('expired');
    expect(await reasonOf(strict, await mint(rsa, { ...good, nbf: now + 60 }))).toBe('not_yet_valid');
    expect(await reasonOf(strict, await mint(rsa, { ...good, iss: 'https://evil.example' }))).toBe('wrong_issuer');
    expect(await reasonOf(strict, await mint(rsa, { ...good, iss: undefined }))).toBe('wrong_issuer');
    expect(await reasonOf(strict, await mint(rsa, { ...good, aud: 'another-api' }))).toBe('wrong_audience');
    expect(await reasonOf(strict, await mint(rsa, { ...good, exp: undefined }))).toBe('invalid_claims');
    expect(await reasonOf(strict, await mint(rsa, { ...good, sub: undefined }))).toBe('invalid_claims');
  });

  it('forgives a few seconds of clock skew and no more (the injected clock decides)', async () => {
    const server = await jwks();
    const token = await mint(rsa, { exp: 1_000_000 });
    const at = (seconds: number) => verifierFor(server, { now: () => seconds * 1000 });
    expect((await at(1_000_004).verify(token)).subject).toBe('user-1');
    expect(await reasonOf(at(1_000_006), token)).toBe('expired');
  });

  it('refuses alg none, HS256 signed with the public key, and a tampered payload', async () => {
    const server = await jwks();
    const verifier = verifierFor(server);
    const claims = { sub: 'admin', exp: Math.floor(Date.now() / 1000) + 600, scope: 'notifications:all' };

    const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
    expect(await reasonOf(verifier, unsigned)).toBe('algorithm_not_allowed');

    const pem = await exportSPKI(rsa.publicKey);
    for (const secret of [pem, JSON.stringify(rsa.jwk), rsa.jwk.n!]) {
      const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: rsa.kid }).sign(new TextEncoder().encode(secret));
      expect(await reasonOf(verifier, hs)).toBe('algorithm_not_allowed');
    }

    const [header, payload, signature] = (await mint(rsa, { sub: 'user-1' })).split('.');
    const tampered = `${header}.${b64url({ ...claims, sub: 'user-1' })}.${signature}`;
    expect(await reasonOf(verifier, tampered)).toBe('invalid_signature');
    expect(await reasonOf(verifier, `${b64url('not json')}.${payload}.${signature}`)).toBe('malformed');
  });

  it('refuses a token signed by a key of the right kid but another key pair', async () => {
    const server = await jwks();
    const forged = await mint(stranger, {}, { kid: rsa.kid });
    expect(await reasonOf(verifierFor(server), forged)).toBe('invalid_signature');
  });

  it('an unknown kid within the cooldown causes no refetch, however many tokens carry one', async () => {
    const server = await jwks();
    const verifier = verifierFor(server);
    await verifier.verify(await mint(rsa));
    const unknown = await mint(stranger);
    const reasons = await Promise.all(Array.from({ length: 20 }, () => reasonOf(verifier, unknown)));
    for (let i = 0; i < 20; i++) reasons.push(await reasonOf(verifier, unknown));
    expect(new Set(reasons)).toEqual(new Set(['unknown_key']));
    expect(server.requests).toBe(1);
  });

  it('an unknown kid after the cooldown refetches once, so a rotated-in key is accepted', async () => {
    const server = await jwks();
    const verifier = verifierFor(server, { cooldownMs: 0 });
    await verifier.verify(await mint(rsa));
    server.keys = [rsa.jwk, stranger.jwk];
    const rotated = await mint(stranger, { sub: 'rotated' });
    const identities = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(rotated)));
    expect(identities.map((i) => i.subject)).toEqual(Array(20).fill('rotated'));
    expect(server.requests).toBe(2);
    expect(verifier.keys.stats()).toEqual({ loads: 2, failures: 0 });
  });

  it('a failing JWKS endpoint: keys_unavailable (503), and no new attempt within the failure backoff', async () => {
    const server = await jwks();
    server.status = 500;
    const verifier = verifierFor(server, { failureBackoffMs: 60_000 });
    const token = await mint(rsa);
    const errors = await Promise.all(Array.from({ length: 10 }, () => refusal(verifier, token)));
    for (let i = 0; i < 10; i++) errors.push(await refusal(verifier, token));
    expect(errors.map((e) => e.reason)).toEqual(Array(20).fill('keys_unavailable'));
    expect(errors[0]!.httpStatus).toBe(503);
    expect(server.requests).toBe(1);
    expect(verifier.keys.stats()).toEqual({ loads: 1, failures: 1 });
  });

  it('refuses every token when the configured algorithms exclude its alg', async () => {
    const server = await jwks();
    const verifier = verifierFor(server, { algorithms: ['ES256'] });
    expect(await reasonOf(verifier, await mint(rsa))).toBe('algorithm_not_allowed');
    expect((await verifier.verify(await mint(ec))).kind).toBe('user');
    expect(() => createTokenVerifier({ jwksUrl: server.url, algorithms: ['HS256' as 'RS256'] })).toThrow(/expected some of RS256, ES256, EdDSA, got HS256/);
  });

  it('refuses JWKS URLs of another scheme or with user info, without echoing a password', () => {
    expect(() => createTokenVerifier({ jwksUrl: 'ftp://keys.example/jwks.json' })).toThrow(/expected http:\/\/, https:\/\/ or file:, got ftp:/);
    expect(() => createTokenVerifier({ jwksUrl: 'https://me:s3cret@keys.example/jwks.json' })).toThrow(/no user:password/);
    expect(() => createTokenVerifier({ jwksUrl: 'https://me:s3cret@keys.example/jwks.json' })).not.toThrow(/s3cret/);
  });
});

describe('token verification against a JWKS file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-jwks-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file once; rereads it on an unknown kid only after the cooldown, once for many tokens', async () => {
    const path = join(dir, 'keys.json');
    writeFileSync(path, JSON.stringify({ keys: [rsa.jwk] }));
    let clock = 1_000_000_000_000;
    const verifier = createTokenVerifier({ jwksUrl: pathToFileURL(path).href, cooldownMs: 30_000, now: () => clock });
    const token = await mint(rsa, { exp: 2_000_000_000 });
    await verifier.verify(token);
    writeFileSync(path, JSON.stringify({ keys: [rsa.jwk, stranger.jwk] }));
    const rotated = await mint(stranger, { exp: 2_000_000_000 });

    expect(await reasonOf(verifier, rotated)).toBe('unknown_key');
    expect(verifier.keys.stats().loads).toBe(1);

    clock += 30_000;
    const accepted = await Promise.all(Array.from({ length: 10 }, () => verifier.verify(rotated)));
    expect(accepted.every((i) => i.subject === 'user-1')).toBe(true);
    expect(verifier.keys.stats().loads).toBe(2);

    const unknown = await mint(ed, { exp: 2_000_000_000 });
    for (let i = 0; i < 10; i++) expect(await reasonOf(verifier, unknown)).toBe('unknown_key');
    expect(verifier.keys.stats()).toEqual({ loads: 2, failures: 0 });
  });

  it('accepts a file: path without //; an unreadable file is keys_unavailable; a broken reread keeps the old keys', async () => {
    const path = join(dir, 'relative.json');
    writeFileSync(path, JSON.stringify({ keys: [ec.jwk] }));
    let clock = 0;
    const verifier = createTokenVerifier({ jwksUrl: `file:${path}`, maxAgeMs: 1000, now: () => clock });
    const token = await mint(ec, { exp: 2_000_000_000 });
    await verifier.verify(token);
    writeFileSync(path, 'not json');
    clock += 1000;
    expect((await verifier.verify(token)).kind).toBe('user');
    expect(verifier.keys.stats()).toEqual({ loads: 2, failures: 1 });

    const missing = createTokenVerifier({ jwksUrl: `file:${join(dir, 'missing.json')}` });
    const error = await refusal(missing, token);
    expect(error.reason).toBe('keys_unavailable');
    expect(error.message).not.toContain(dir);
  });
});

describe('identity from the token claims', () => {
  let server: JwksServer;
  beforeAll(async () => {
    server = await serveJwks([rsa.jwk]);
  });
  afterAll(() => server.close());

  it('reads the user id from AUTH_USER_CLAIM and the partner flag from scope or scp', async () => {
    const verifier = verifierFor(server, { userClaim: 'bp_user', partnerScope: 'notifications:all' });
    const user = await verifier.verify(await mint(rsa, { sub: 'login-7', bp_user: 'bp-7', scope: 'prices:read openid' }));
    expect(user).toMatchObject({ kind: 'user', subject: 'login-7', userId: 'bp-7' });
    const numeric = await verifier.verify(await mint(rsa, { sub: 'login-8', bp_user: 8 }));
    expect(numeric).toMatchObject({ kind: 'user', userId: '8' });
    const byScope = await verifier.verify(await mint(rsa, { sub: 'backoffice', scope: 'openid notifications:all' }));
    expect(byScope).toMatchObject({ kind: 'partner', subject: 'backoffice', userId: null });
    const byScp = await verifier.verify(await mint(rsa, { sub: 'backoffice', scp: ['openid', 'notifications:all'], bp_user: 'bp-1' }));
    expect(byScp).toMatchObject({ kind: 'partner', userId: 'bp-1' });
    expect(await reasonOf(verifier, await mint(rsa, { sub: 'login-9', scope: 'notifications:all-of-it' }))).toBe('invalid_claims');
  });

  it('identify: anonymous without a token; a token with no verifier configured is refused, not ignored', async () => {
    expect(await identify(null, null)).toBe(ANONYMOUS);
    const token = await mint(rsa);
    await expect(identify(null, token)).rejects.toMatchObject({ reason: 'unknown_key' });
    expect(await identify(verifierFor(server), token)).toMatchObject({ kind: 'user' });
  });
});
