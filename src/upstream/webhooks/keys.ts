import { createHash, createPublicKey, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/**
 * Bitpanda's webhook signing keys, from `BITPANDA_WEBHOOK_KEYS`: a JWKS (`{"keys":[...]}`, or
 * one JWK) or one or more PEM blocks (`PUBLIC KEY` or `CERTIFICATE`). P-256 keys verify
 * `ecdsa-p256-sha256`, Ed25519 keys verify `ed25519`; other keys are skipped and listed.
 *
 * Matching a signature's `keyid` to a key: every key answers to its JWKS `kid` (if any) and to
 * its RFC 7638 JWK thumbprint. A `keyid` that names a loaded key selects that key only. A
 * `keyid` that names none (or no `keyid`) is tried against every loaded key of the signature's
 * algorithm: PEM files carry no ids and Bitpanda does not document its key ids, and every
 * loaded key is trusted alike, so this accepts nothing a trusted key did not sign.
 */

export type WebhookAlgorithm = 'ecdsa-p256-sha256' | 'ed25519';

export const WEBHOOK_ALGORITHMS: readonly WebhookAlgorithm[] = ['ecdsa-p256-sha256', 'ed25519'];

export interface WebhookKey {
  /** the JWKS `kid`; null for PEM keys and JWKs without one */
  kid: string | null;
  /** RFC 7638 thumbprint (base64url SHA-256): a name for logs and a `keyid` that always matches */
  thumbprint: string;
  alg: WebhookAlgorithm;
  key: KeyObject;
}

export interface WebhookKeySet {
  readonly keys: readonly WebhookKey[];
  /** keys in the file that were left out, and why */
  readonly skipped: readonly string[];
  /** the keys a signature with this `keyid` and algorithm (null = not stated) is tried against */
  candidates(keyid: string | null, alg: WebhookAlgorithm | null): WebhookKey[];
}

export function isWebhookAlgorithm(value: unknown): value is WebhookAlgorithm {
  return value === 'ecdsa-p256-sha256' || value === 'ed25519';
}

/** The name a key goes by in logs: its `kid`, else its thumbprint. */
export function keyName(key: WebhookKey): string {
  return key.kid ?? `jkt:${key.thumbprint}`;
}

export async function loadWebhookKeys(path: string, variable = 'BITPANDA_WEBHOOK_KEYS'): Promise<WebhookKeySet> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`${variable}: expected a readable file with webhook public keys, got ${path} (${(error as Error).message})`);
  }
  return parseWebhookKeys(text, `${variable} (${path})`);
}

export function parseWebhookKeys(text: string, source = 'BITPANDA_WEBHOOK_KEYS'): WebhookKeySet {
  const trimmed = text.trim();
  const parsed = trimmed.startsWith('{')
    ? fromJwks(trimmed, source)
    : trimmed.includes('-----BEGIN ')
      ? fromPem(trimmed, source)
      : fail(source, 'a JWKS ({"keys":[...]}) or PEM public keys', `a file of ${trimmed.length} characters that is neither`);
  if (parsed.keys.length === 0) {
    fail(source, 'at least one P-256 or Ed25519 public key', `none usable${parsed.skipped.length ? ` (skipped: ${parsed.skipped.join('; ')})` : ''}`);
  }
  return createKeySet(parsed.keys, parsed.skipped);
}

export function createKeySet(keys: readonly WebhookKey[], skipped: readonly string[] = []): WebhookKeySet {
  return {
    keys,
    skipped,
    candidates(keyid, alg) {
      const named = keyid === null ? [] : keys.filter((k) => k.kid === keyid || k.thumbprint === keyid);
      const pool = named.length > 0 ? named : keys;
      return alg === null ? [...pool] : pool.filter((k) => k.alg === alg);
    },
  };
}

/** A key set from key objects (the simulator's own keys, tests). */
export function keyFromObject(key: KeyObject, kid: string | null = null): WebhookKey {
  const alg = algorithmOf(key);
  if (!alg) throw new Error(`expected a P-256 or Ed25519 public key, got ${describeKey(key)}`);
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  return { kid, thumbprint: thumbprint(publicKey), alg, key: publicKey };
}

interface Parsed {
  keys: WebhookKey[];
  skipped: string[];
}

function fromJwks(text: string, source: string): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail(source, 'a JWKS in valid JSON', 'text that does not parse as JSON');
  }
  const list = isObject(json) && Array.isArray(json.keys) ? (json.keys as unknown[]) : isObject(json) && 'kty' in json ? [json] : null;
  if (!list) return fail(source, 'a JWKS object with a "keys" array (or one JWK)', 'a JSON value without one');
  const out: Parsed = { keys: [], skipped: [] };
  list.forEach((jwk, index) => {
    if (!isObject(jwk)) return void out.skipped.push(`keys[${index}]: not an object`);
    if ('d' in jwk) fail(source, 'public keys only', `keys[${index}] carries a private part ("d")`);
    const kid = typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : null;
    const name = `keys[${index}]${kid ? ` (kid ${kid})` : ''}`;
    if (jwk.use !== undefined && jwk.use !== 'sig') return void out.skipped.push(`${name}: use is ${String(jwk.use)}, not sig`);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch (error) {
      return void out.skipped.push(`${name}: ${(error as Error).message}`);
    }
    if (!algorithmOf(key)) return void out.skipped.push(`${name}: ${describeKey(key)} is not P-256 or Ed25519`);
    out.keys.push(keyFromObject(key, kid));
  });
  return out;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function fromPem(text: string, source: string): Parsed {
  const out: Parsed = { keys: [], skipped: [] };
  let index = 0;
  for (const match of text.matchAll(PEM_BLOCK)) {
    const [block, label = ''] = match;
    const name = `PEM block ${index++} (${label})`;
    if (label.includes('PRIVATE')) fail(source, 'public keys only', `${name} is a private key`);
    let key: KeyObject;
    try {
      if (label === 'PUBLIC KEY') key = createPublicKey(block);
      else if (label === 'CERTIFICATE') key = new X509Certificate(block).publicKey;
      else {
        out.skipped.push(`${name}: not a PUBLIC KEY or CERTIFICATE`);
        continue;
      }
    } catch (error) {
      out.skipped.push(`${name}: ${(error as Error).message}`);
      continue;
    }
    if (algorithmOf(key)) out.keys.push(keyFromObject(key));
    else out.skipped.push(`${name}: ${describeKey(key)} is not P-256 or Ed25519`);
  }
  return out;
}

function algorithmOf(key: KeyObject): WebhookAlgorithm | null {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256-sha256';
  return null;
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `a ${key.asymmetricKeyType ?? key.type} key${curve ? ` on ${curve}` : ''}`;
}

/** RFC 7638: SHA-256 over the required members in lexicographic order. */
function thumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(source: string, expected: string, got: string): never {
  throw new Error(`${source}: expected ${expected}, got ${got}`);
}
