import { createHash, timingSafeEqual } from 'node:crypto';
import { parseDictionary } from 'structured-headers';

/**
 * RFC 9530 `Content-Digest`: a Dictionary of algorithm → byte sequence. `sha-256` and
 * `sha-512` are checked against the raw body bytes; other algorithms are ignored, but at least
 * one of the two must be present, and every one present must match.
 */

export type DigestAlgorithm = 'sha-256' | 'sha-512';

const HASHES: Record<DigestAlgorithm, string> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

export type DigestRefusal = 'digest-missing' | 'digest-malformed' | 'digest-mismatch';

export type DigestCheck =
  | { ok: true; algorithms: DigestAlgorithm[] }
  | { ok: false; reason: DigestRefusal; detail: string };

/** The field value for `body`: `sha-256=:<base64>:`. */
export function contentDigest(body: Uint8Array, algorithm: DigestAlgorithm = 'sha-256'): string {
  return `${algorithm}=:${createHash(HASHES[algorithm]).update(body).digest('base64')}:`;
}

/** `value` is the combined field value (null when the field is absent). */
export function checkContentDigest(value: string | null, body: Uint8Array): DigestCheck {
  if (value === null) return { ok: false, reason: 'digest-missing', detail: 'expected a Content-Digest field, got none' };
  let members;
  try {
    members = parseDictionary(value);
  } catch {
    return { ok: false, reason: 'digest-malformed', detail: 'expected Content-Digest to be a structured Dictionary' };
  }
  const checked: DigestAlgorithm[] = [];
  for (const [name, member] of members) {
    if (name !== 'sha-256' && name !== 'sha-512') continue;
    const expected = member[0];
    if (!(expected instanceof ArrayBuffer)) {
      return { ok: false, reason: 'digest-malformed', detail: `expected ${name} to be a byte sequence` };
    }
    const actual = createHash(HASHES[name]).update(body).digest();
    const claimed = new Uint8Array(expected);
    if (claimed.length !== actual.length || !timingSafeEqual(claimed, actual)) {
      return { ok: false, reason: 'digest-mismatch', detail: `${name} of the body does not match Content-Digest` };
    }
    checked.push(name);
  }
  if (checked.length === 0) {
    return { ok: false, reason: 'digest-missing', detail: 'expected a sha-256 or sha-512 member in Content-Digest, got none' };
  }
  return { ok: true, algorithms: checked };
}
