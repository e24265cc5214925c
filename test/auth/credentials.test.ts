import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bearerToken, connectionInitToken, MAX_TOKEN_LENGTH } from '../../src/auth/credentials.js';
import { AuthError } from '../../src/auth/errors.js';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl';

function reason(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    return (error as AuthError).reason;
  }
}

describe('Authorization: Bearer <jwt>', () => {
  it('reads the token; no header or an empty one is no credential', () => {
    expect(bearerToken(`Bearer ${JWT}`)).toBe(JWT);
    expect(bearerToken(`bearer  ${JWT} `)).toBe(JWT);
    expect(bearerToken(undefined)).toBeNull();
    expect(bearerToken(null)).toBeNull();
    expect(bearerToken('  ')).toBeNull();
  });

  it('refuses another scheme, a token of another shape and an oversized header as malformed', () => {
    for (const header of [`Basic dXNlcjpwYXNz`, JWT, 'Bearer', 'Bearer abc', `Bearer ${JWT} extra`, `Bearer ${JWT}.more`, `Bearer ${'a'.repeat(MAX_TOKEN_LENGTH)}.b.c`]) {
      expect(reason(() => bearerToken(header))).toBe('malformed');
    }
  });

  it('never echoes what it refuses', () => {
    const secret = 'dXNlcjpzM2NyZXQ';
    try {
      bearerToken(`Basic ${secret}`);
    } catch (error) {
      expect((error as AuthError).message).not.toContain(secret);
      expect((error as AuthError).detail).not.toContain(secret);
    }
  });

  it('any header value: a token of the compact shape, no credential, or AuthError: nothing else (fast-check)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `Bearer ${s}`), fc.stringMatching(/^Bearer [A-Za-z0-9_.-]{0,40}$/)), (header) => {
        let token: string | null;
        try {
          token = bearerToken(header);
        } catch (error) {
          expect(error).toBeInstanceOf(AuthError);
          expect((error as AuthError).reason).toBe('malformed');
          return;
        }
        if (token !== null) expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('connection_init payload', () => {
  it('reads { authorization: "Bearer <jwt>" }, also as Authorization', () => {
    expect(connectionInitToken({ authorization: `Bearer ${JWT}` })).toBe(JWT);
    expect(connectionInitToken({ Authorization: `Bearer ${JWT}` })).toBe(JWT);
  });

  it('falls back to the upgrade request header; the payload wins when both are there', () => {
    const other = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ2In0.c2ln';
    expect(connectionInitToken(undefined, `Bearer ${JWT}`)).toBe(JWT);
    expect(connectionInitToken({}, `Bearer ${JWT}`)).toBe(JWT);
    expect(connectionInitToken({ authorization: `Bearer ${other}` }, `Bearer ${JWT}`)).toBe(other);
    expect(connectionInitToken(null)).toBeNull();
    expect(connectionInitToken([`Bearer ${JWT}`])).toBeNull();
  });

  it('refuses an authorization that is not a string, or not a bearer token', () => {
    expect(reason(() => connectionInitToken({ authorization: 42 }))).toBe('malformed');
    expect(reason(() => connectionInitToken({ authorization: { token: JWT } }))).toBe('malformed');
    expect(reason(() => connectionInitToken({ authorization: JWT }))).toBe('malformed');
  });
});
