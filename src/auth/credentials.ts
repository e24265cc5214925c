import { AuthError } from './errors.js';

/** Longer credentials are refused before any parsing: real JWTs are a few hundred bytes to a few KiB. */
export const MAX_TOKEN_LENGTH = 8192;

const BEARER = /^Bearer +(\S+) *$/i;
/** header.payload.signature, base64url each (the shape only; jose checks the rest) */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * The JWT of an `Authorization: Bearer <jwt>` header value. `null` when there is no credential
 * (no header, or an empty one); `AuthError('malformed')` when there is one of another shape.
 */
export function bearerToken(header: string | null | undefined): string | null {
  if (header == null || header.trim() === '') return null;
  if (header.length > MAX_TOKEN_LENGTH + 64) throw new AuthError('malformed', `authorization: expected a token of at most ${MAX_TOKEN_LENGTH} characters, got a header of ${header.length}`);
  const match = BEARER.exec(header);
  if (!match) throw new AuthError('malformed', `authorization: expected "Bearer <jwt>", got another scheme or shape (${header.length} characters)`);
  const token = match[1]!;
  if (token.length > MAX_TOKEN_LENGTH) throw new AuthError('malformed', `authorization: expected a token of at most ${MAX_TOKEN_LENGTH} characters, got ${token.length}`);
  if (!COMPACT_JWS.test(token)) throw new AuthError('malformed', `authorization: expected a compact JWS (three base64url parts), got ${token.split('.').length} part(s)`);
  return token;
}

/**
 * The JWT a WebSocket client presents: the `connection_init` payload's `authorization`
 * (`{ "authorization": "Bearer <jwt>" }`; `Authorization` is accepted too), else the upgrade
 * request's `Authorization` header. `null` when neither holds a credential.
 */
export function connectionInitToken(payload: unknown, upgradeAuthorization?: string | null): string | null {
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    const record = payload as Record<string, unknown>;
    const value = record['authorization'] ?? record['Authorization'];
    if (value !== undefined && value !== null) {
      if (typeof value !== 'string') throw new AuthError('malformed', `connection_init authorization: expected a string, got ${typeof value}`);
      const token = bearerToken(value);
      if (token !== null) return token;
    }
  }
  return bearerToken(upgradeAuthorization);
}
