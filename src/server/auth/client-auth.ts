import { GraphQLError } from 'graphql';
import { bearerToken } from '../../auth/credentials.js';
import { isAuthError, UNAUTHENTICATED, type AuthError } from '../../auth/errors.js';
import { createTokenVerifier, identify, type TokenVerifier } from '../../auth/token-verifier.js';
import { ANONYMOUS, type AnonymousAccess, type Identity } from '../../domain/identity.js';
import { viewerOf, type Viewer } from '../../domain/viewer.js';
import { createConnectionLimiter, type ConnectionLimiter } from './connection-limiter.js';

/** Where token expiry on live connections is waited for (tests inject their own). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** How the gateway authenticates its own clients: one instance shared by HTTP, SSE and WebSocket. */
export interface ClientAuth {
  /** null without `AUTH_JWKS_URL`: then every token is refused and clients are anonymous */
  readonly verifier: TokenVerifier | null;
  /** `AUTH_ANONYMOUS` */
  readonly anonymous: AnonymousAccess;
  /** `MAX_CONNECTIONS_PER_CLIENT` */
  readonly connections: ConnectionLimiter;
  /** The caller of a bearer token (`null`: none presented); rejects with `AuthError`. */
  identify(token: string | null): Promise<{ identity: Identity; viewer: Viewer }>;
  /** The caller of an `Authorization` header value; rejects with `AuthError`. */
  identifyHeader(authorization: string | null | undefined): Promise<{ identity: Identity; viewer: Viewer }>;
  /** epoch ms clock (token expiry on live connections) */
  readonly now: () => number;
  readonly timers: Timers;
}

export interface ClientAuthOptions {
  jwksUrl?: string | null;
  issuer?: string | null;
  audience?: string | null;
  /** @default 'sub' */
  userClaim?: string;
  /** @default 'notifications:all' */
  partnerScope?: string;
  /** @default 'prices' */
  anonymous?: AnonymousAccess;
  /** @default 0 (no cap) */
  maxConnectionsPerClient?: number;
  /** @default Date.now */
  now?: () => number;
  /** @default setTimeout and clearTimeout */
  timers?: Timers;
}

export function createClientAuth(options: ClientAuthOptions = {}): ClientAuth {
  const {
    jwksUrl = null,
    issuer = null,
    audience = null,
    userClaim = 'sub',
    partnerScope = 'notifications:all',
    anonymous = 'prices',
    maxConnectionsPerClient = 0,
    now = Date.now,
    timers = REAL_TIMERS,
  } = options;
  const verifier =
    jwksUrl === null
      ? null
      : createTokenVerifier({ jwksUrl, userClaim, partnerScope, now, ...(issuer !== null ? { issuer } : {}), ...(audience !== null ? { audience } : {}) });
  // every anonymous caller is the same: one identity and viewer for all of them
  const anonymousCaller = Object.freeze({ identity: ANONYMOUS, viewer: Object.freeze(viewerOf(ANONYMOUS, anonymous)) });
  const identifyToken = async (token: string | null): Promise<{ identity: Identity; viewer: Viewer }> => {
    const identity = await identify(verifier, token);
    return identity === ANONYMOUS ? anonymousCaller : { identity, viewer: viewerOf(identity, anonymous) };
  };
  return {
    verifier,
    anonymous,
    connections: createConnectionLimiter({ max: maxConnectionsPerClient }),
    now,
    timers,
    identify: identifyToken,
    identifyHeader: async (authorization) => identifyToken(bearerToken(authorization)),
  };
}

/** A refused credential as clients see it: `UNAUTHENTICATED`, HTTP 401 (503 when the keys are unavailable), never the token. */
export function unauthenticated(error: AuthError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: {
      code: UNAUTHENTICATED,
      http: { status: error.httpStatus, headers: error.httpStatus === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {} },
    },
  });
}

export { isAuthError };
