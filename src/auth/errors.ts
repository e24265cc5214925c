/** Why a client's credentials were refused: for logs and metrics, never with the token itself. */
export type AuthFailureReason =
  /** not `Bearer <compact JWT>`, or not a JWS at all */
  | 'malformed'
  /** `alg` outside the allow-list (`none`, HS*, ...) */
  | 'algorithm_not_allowed'
  /** no key of the JWKS matches the token's `kid`/`alg`, even after a refetch */
  | 'unknown_key'
  /** the signature does not verify (a tampered header or payload, a wrong key) */
  | 'invalid_signature'
  | 'expired'
  /** `nbf` lies in the future */
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  /** a required claim is missing or of the wrong type (`sub`, `exp`, the user claim) */
  | 'invalid_claims'
  /** the JWKS could not be fetched or read: the server's problem, not the client's */
  | 'keys_unavailable';

const MESSAGES: Record<AuthFailureReason, string> = {
  malformed: 'Expected a bearer token (Authorization: Bearer <JWT>), got something else',
  algorithm_not_allowed: 'The token is signed with an algorithm this gateway does not accept',
  unknown_key: 'The token is signed with a key this gateway does not know',
  invalid_signature: 'The token signature does not verify',
  expired: 'The token has expired',
  not_yet_valid: 'The token is not valid yet',
  wrong_issuer: 'The token was issued by another issuer',
  wrong_audience: 'The token is meant for another audience',
  invalid_claims: 'The token lacks a claim this gateway needs',
  keys_unavailable: 'The keys to verify the token are unavailable; try again later',
};

/** The GraphQL error code of every refused credential (HTTP 401, WebSocket close 4403). */
export const UNAUTHENTICATED = 'UNAUTHENTICATED';

/**
 * A refused credential. `message` is safe to show the client (it never holds the token);
 * `reason` is for logs and metrics; `detail` (for logs only) says what was expected and what
 * arrived, also without the token.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code = UNAUTHENTICATED;

  constructor(
    readonly reason: AuthFailureReason,
    readonly detail: string = reason,
  ) {
    super(MESSAGES[reason]);
  }

  /** 503 when the keys are unavailable (the client may retry), 401 otherwise. */
  get httpStatus(): 401 | 503 {
    return this.reason === 'keys_unavailable' ? 503 : 401;
  }
}

export function isAuthError(error: unknown): error is AuthError {
  return error instanceof AuthError;
}
