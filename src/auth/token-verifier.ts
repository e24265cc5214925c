import { errors, jwtVerify } from 'jose';
import { ANONYMOUS, identityFromClaims, type ClaimsOptions, type Identity, type TokenIdentity } from '../domain/identity.js';
import { AuthError, type AuthFailureReason } from './errors.js';
import { createKeySet, type KeySet, type KeySetOptions } from './key-set.js';

/**
 * The signature algorithms a client token may use: asymmetric only. `none` and every HS*
 * (whose "secret" could be the public key itself) are refused before any key is looked up.
 */
export const ALLOWED_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export type AllowedAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];

export interface TokenVerifierOptions extends ClaimsOptions, Omit<KeySetOptions, 'url' | 'now'> {
  /** `AUTH_JWKS_URL`: `http(s)://...` or `file:...` */
  jwksUrl: string;
  /** `AUTH_ISSUER`: when set, `iss` must equal it */
  issuer?: string;
  /** `AUTH_AUDIENCE`: when set, `aud` must hold it */
  audience?: string;
  /** a subset of ALLOWED_ALGORITHMS @default ALLOWED_ALGORITHMS */
  algorithms?: readonly AllowedAlgorithm[];
  /**
   * Seconds of clock skew forgiven on `exp` and `nbf` between the token issuer and this
   * gateway: small, so an expired token is not honoured for long. @default 5
   */
  clockToleranceSeconds?: number;
  /** @default Date.now */
  now?: () => number;
}

export interface TokenVerifier {
  /** The identity of a compact JWT; rejects with `AuthError` (never with the token in it). */
  verify(token: string): Promise<TokenIdentity>;
  readonly keys: KeySet;
}

function claimReason(claim: string): AuthFailureReason {
  if (claim === 'nbf') return 'not_yet_valid';
  if (claim === 'iss') return 'wrong_issuer';
  if (claim === 'aud') return 'wrong_audience';
  return 'invalid_claims';
}

/** jose's error → the reason a client token was refused. */
export function toAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) return new AuthError('expired', 'exp: expected a time in the future, got one in the past');
  if (error instanceof errors.JWTClaimValidationFailed) return new AuthError(claimReason(error.claim), `${error.claim}: ${error.reason} (${error.message})`);
  if (error instanceof errors.JOSEAlgNotAllowed) return new AuthError('algorithm_not_allowed', error.message);
  if (error instanceof errors.JWSSignatureVerificationFailed) return new AuthError('invalid_signature', error.message);
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return new AuthError('unknown_key', error.message);
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported) return new AuthError('malformed', error.message);
  // a key of the wrong type for the header's alg, and the like: the token does not verify
  return new AuthError('invalid_signature', error instanceof Error ? `${error.name}: ${error.message}` : 'unknown failure');
}

/** Verifies client bearer tokens against `AUTH_JWKS_URL` and turns their claims into an identity. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const {
    jwksUrl,
    issuer,
    audience,
    userClaim = 'sub',
    partnerScope = 'notifications:all',
    algorithms = ALLOWED_ALGORITHMS,
    clockToleranceSeconds = 5,
    now = Date.now,
    ...keySetOptions
  } = options;
  for (const alg of algorithms) {
    if (!(ALLOWED_ALGORITHMS as readonly string[]).includes(alg)) throw new Error(`token algorithms: expected some of ${ALLOWED_ALGORITHMS.join(', ')}, got ${alg}`);
  }
  if (algorithms.length === 0) throw new Error(`token algorithms: expected some of ${ALLOWED_ALGORITHMS.join(', ')}, got none`);
  const keys = createKeySet({ ...keySetOptions, url: jwksUrl, now });

  return {
    keys,
    async verify(token) {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, keys.getKey, {
          algorithms: [...algorithms],
          ...(issuer !== undefined ? { issuer } : {}),
          ...(audience !== undefined ? { audience } : {}),
          requiredClaims: ['sub', 'exp'],
          clockTolerance: clockToleranceSeconds,
          currentDate: new Date(now()),
        }));
      } catch (error) {
        throw toAuthError(error);
      }
      const result = identityFromClaims(payload, { userClaim, partnerScope });
      if (!result.ok) throw new AuthError('invalid_claims', result.problem);
      return result.identity;
    },
  };
}

/**
 * The identity of a request or connection: anonymous without a token, else the token's (or
 * `AuthError`). Without a verifier (no `AUTH_JWKS_URL`) no token can verify, so one is refused
 * rather than ignored: a client that signs in is never served as anonymous by mistake.
 */
export async function identify(verifier: TokenVerifier | null, token: string | null): Promise<Identity> {
  if (token === null) return ANONYMOUS;
  if (verifier === null) throw new AuthError('unknown_key', 'a bearer token arrived but no AUTH_JWKS_URL is configured');
  return verifier.verify(token);
}
