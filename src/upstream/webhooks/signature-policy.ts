import type { InnerList, Parameters } from 'structured-headers';

/** What the gateway requires of a webhook signature beyond it verifying. */

export interface SignatureParams {
  /** epoch seconds; required */
  created: number;
  expires: number | null;
  alg: string | null;
  keyid: string | null;
  nonce: string | null;
}

export interface ParamsFailure {
  ok: false;
  reason: 'signature-policy' | 'signature-malformed';
  detail: string;
  keyid: string | null;
}

/** The signature parameters this policy reads, type-checked; others are left as they are. */
export function readSignatureParams(params: Parameters): SignatureParams | ParamsFailure {
  const keyid = params.get('keyid');
  const safeKeyid = typeof keyid === 'string' ? keyid : null;
  const malformed = (name: string, expected: string): ParamsFailure => ({
    ok: false,
    reason: 'signature-malformed',
    detail: `expected the ${name} parameter to be ${expected}`,
    keyid: safeKeyid,
  });
  const created = params.get('created');
  if (created === undefined) return { ok: false, reason: 'signature-policy', detail: 'expected a created parameter, got none', keyid: safeKeyid };
  if (!isEpochSeconds(created)) return malformed('created', 'an integer');
  const expires = params.get('expires');
  if (expires !== undefined && !isEpochSeconds(expires)) return malformed('expires', 'an integer');
  for (const name of ['alg', 'keyid', 'nonce'] as const) {
    const value = params.get(name);
    if (value !== undefined && typeof value !== 'string') return malformed(name, 'a string');
  }
  return {
    created,
    expires: expires ?? null,
    alg: (params.get('alg') as string | undefined) ?? null,
    keyid: safeKeyid,
    nonce: (params.get('nonce') as string | undefined) ?? null,
  };
}

/**
 * Null when the covered components bind the body and the request line: `content-digest`
 * (whole, so without `key`), `@method`, and `@target-uri` or `@authority` with `@path` (or
 * `@request-target`, which holds the path). Otherwise what is missing.
 */
export function checkCoverage(covered: InnerList): string | null {
  const plain = new Set<string>();
  let digest = false;
  for (const [name, params] of covered[0]) {
    if (typeof name !== 'string') continue;
    if (params.size === 0) plain.add(name);
    if (name === 'content-digest' && !params.has('key')) digest = true;
  }
  const missing: string[] = [];
  if (!digest) missing.push('content-digest');
  if (!plain.has('@method')) missing.push('@method');
  const target = plain.has('@target-uri') || (plain.has('@authority') && (plain.has('@path') || plain.has('@request-target')));
  if (!target) missing.push('@target-uri (or @authority and @path)');
  return missing.length === 0 ? null : `expected the signature to cover ${missing.join(', ')}`;
}

function isEpochSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
