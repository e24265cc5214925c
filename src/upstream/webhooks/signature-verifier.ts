import { createHash, verify as cryptoVerify } from 'node:crypto';
import { parseDictionary, type Dictionary, type InnerList, type Item } from 'structured-headers';
import { checkContentDigest, type DigestCheck, type DigestRefusal } from './digest.js';
import { combinedFieldValue, fieldLines, type FieldLines, type HeaderInput } from './headers.js';
import { isWebhookAlgorithm, keyName, type WebhookAlgorithm, type WebhookKey, type WebhookKeySet } from './keys.js';
import { signatureBase } from './signature-base.js';
import { checkCoverage, readSignatureParams, type SignatureParams } from './signature-policy.js';
import type { PublicTarget } from './target.js';

/**
 * RFC 9421 verification of a webhook request under the gateway's policy: among the signatures
 * in `Signature-Input` / `Signature`, one must cover `content-digest`, `@method` and
 * `@target-uri` (or `@authority` and `@path`), carry a `created` no older than `maxAgeS` and not
 * in the future beyond `clockSkewS`, not be past its `expires`, name a supported `alg` (or none)
 * and verify with a loaded key; and `Content-Digest` must match the raw body.
 */

export type SignatureRefusal =
  | 'signature-missing'
  | 'signature-malformed'
  | 'signature-policy'
  | 'signature-unknown-alg'
  | 'signature-unknown-key'
  | 'signature-invalid'
  | 'signature-expired'
  | 'signature-future'
  | DigestRefusal;

export interface SignedMessage {
  method: string;
  /** the public target the sender addressed (see target.ts); null when underivable */
  target: PublicTarget | null;
  headers: HeaderInput;
  body: Uint8Array;
}

export type Verification =
  | {
      ok: true;
      label: string;
      /** the key's `kid`, else `jkt:<thumbprint>`: safe to log */
      keyName: string;
      alg: WebhookAlgorithm;
      /** `created`, epoch seconds */
      created: number;
      /** identifies this signed message for replay protection: SHA-256 of its signature base */
      replayId: string;
      /** epoch ms after which the signature would be refused as stale anyway */
      replayUntilMs: number;
    }
  | { ok: false; reason: SignatureRefusal; detail: string; keyid: string | null };

export interface WebhookVerifier {
  verify(message: SignedMessage): Verification;
  readonly maxAgeS: number;
}

export interface WebhookVerifierOptions {
  keys: WebhookKeySet;
  /** `BITPANDA_WEBHOOK_MAX_AGE_S`: the oldest `created` accepted. @default 300 */
  maxAgeS?: number;
  /** tolerated clock difference for a `created` in the future and for `expires`. @default 10 */
  clockSkewS?: number;
  /** signatures looked at in one request; more are ignored. @default 8 */
  maxSignatures?: number;
  now?: () => number;
}

type Failure = Extract<Verification, { ok: false }>;

/** How far a signature got: the refusal of the one that got furthest is reported. */
const STAGE: Record<SignatureRefusal, number> = {
  'signature-missing': 0,
  'signature-malformed': 1,
  'signature-unknown-alg': 2,
  'signature-policy': 2,
  'signature-future': 3,
  'signature-expired': 3,
  'digest-missing': 4,
  'digest-malformed': 4,
  'digest-mismatch': 4,
  'signature-unknown-key': 5,
  'signature-invalid': 6,
};

export function createWebhookVerifier(options: WebhookVerifierOptions): WebhookVerifier {
  const { keys, maxAgeS = 300, clockSkewS = 10, maxSignatures = 8, now = Date.now } = options;
  if (!(Number.isInteger(maxAgeS) && maxAgeS > 0) || !(clockSkewS >= 0) || !(maxSignatures >= 1)) {
    throw new Error(`webhook verifier: expected maxAgeS > 0 (integer), clockSkewS >= 0, maxSignatures >= 1, got ${maxAgeS}, ${clockSkewS}, ${maxSignatures}`);
  }

  function verify(message: SignedMessage): Verification {
    const fields = fieldLines(message.headers);
    const parsed = parseSignatureFields(fields);
    if ('reason' in parsed) return parsed;
    let digest: DigestCheck | undefined;
    const digestOf = (): DigestCheck => (digest ??= checkContentDigest(combinedFieldValue(fields, 'content-digest'), message.body));
    let worst: Failure | null = null;
    for (const [label, input] of [...parsed.inputs].slice(0, maxSignatures)) {
      const result = verifyOne(label, input, parsed.signatures.get(label), { ...message, fields }, digestOf);
      if (result.ok) return result;
      if (!worst || STAGE[result.reason] > STAGE[worst.reason]) worst = result;
    }
    return worst ?? refuse('signature-missing', 'expected at least one signature in Signature-Input, got none', null);
  }

  function verifyOne(
    label: string,
    input: Item | InnerList,
    signature: Item | InnerList | undefined,
    message: Omit<SignedMessage, 'headers'> & { fields: FieldLines },
    digestOf: () => DigestCheck,
  ): Verification {
    if (!Array.isArray(input[0])) return refuse('signature-malformed', `expected signature ${label} to be an inner list`, null);
    const covered = input as InnerList;
    const params = readSignatureParams(covered[1]);
    if ('reason' in params) return params;
    const { keyid } = params;
    if (!signature || Array.isArray(signature[0]) || !(signature[0] instanceof ArrayBuffer)) {
      return refuse('signature-malformed', `expected a byte sequence for ${label} in Signature`, keyid);
    }
    if (params.alg !== null && !isWebhookAlgorithm(params.alg)) {
      return refuse('signature-unknown-alg', `expected alg ecdsa-p256-sha256 or ed25519, got ${params.alg.slice(0, 40)}`, keyid);
    }
    const policy = checkCoverage(covered);
    if (policy) return refuse('signature-policy', policy, keyid);
    const time = checkTime(params);
    if (time) return time;
    const digest = digestOf();
    if (!digest.ok) return refuse(digest.reason, digest.detail, keyid);
    const base = signatureBase(covered, message);
    if (!base.ok) return refuse('signature-malformed', base.detail, keyid);
    const candidates = keys.candidates(keyid, params.alg as WebhookAlgorithm | null);
    if (candidates.length === 0) return refuse('signature-unknown-key', `no loaded key for keyid ${keyid === null ? '(none)' : JSON.stringify(keyid.slice(0, 100))} and alg ${params.alg ?? '(any)'}`, keyid);
    const data = Buffer.from(base.base, 'ascii');
    const bytes = new Uint8Array(signature[0]);
    const key = candidates.find((k) => verifies(k, data, bytes));
    if (!key) return refuse('signature-invalid', `signature ${label} does not verify with ${candidates.length} candidate key(s)`, keyid);
    const until = Math.min(params.created + maxAgeS, params.expires === null ? Infinity : params.expires + clockSkewS);
    return {
      ok: true,
      label,
      keyName: keyName(key),
      alg: key.alg,
      created: params.created,
      replayId: createHash('sha256').update(data).digest('hex'),
      replayUntilMs: (until + 1) * 1000,
    };
  }

  function checkTime(params: SignatureParams): Failure | null {
    const nowS = Math.floor(now() / 1000);
    const { created, expires, keyid } = params;
    if (created > nowS + clockSkewS) return refuse('signature-future', `created is ${created - nowS} s in the future`, keyid);
    if (nowS - created > maxAgeS) return refuse('signature-expired', `created ${nowS - created} s ago, the oldest accepted is ${maxAgeS} s`, keyid);
    if (expires !== null && expires < created) return refuse('signature-malformed', 'expires is before created', keyid);
    if (expires !== null && nowS > expires + clockSkewS) return refuse('signature-expired', `expired ${nowS - expires} s ago`, keyid);
    return null;
  }

  return { verify, maxAgeS };
}

function parseSignatureFields(fields: FieldLines): { inputs: Dictionary; signatures: Dictionary } | Failure {
  const inputText = combinedFieldValue(fields, 'signature-input');
  const signatureText = combinedFieldValue(fields, 'signature');
  if (inputText === null || signatureText === null) {
    return refuse('signature-missing', `expected Signature-Input and Signature fields, got ${inputText === null ? 'no Signature-Input' : 'no Signature'}`, null);
  }
  try {
    return { inputs: parseDictionary(inputText), signatures: parseDictionary(signatureText) };
  } catch {
    return refuse('signature-malformed', 'expected Signature-Input and Signature to be structured Dictionaries', null);
  }
}

function verifies(key: WebhookKey, data: Buffer, signature: Uint8Array): boolean {
  try {
    return key.alg === 'ed25519'
      ? cryptoVerify(null, data, key.key, signature)
      : cryptoVerify('sha256', data, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/** `keyid` comes from the request: it is kept short for logs. */
function refuse(reason: SignatureRefusal, detail: string, keyid: string | null): Failure {
  return { ok: false, reason, detail, keyid: keyid === null ? null : keyid.slice(0, 100) };
}
