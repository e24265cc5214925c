import { z } from 'zod';
import { silentLogger, type Logger } from '../logger.js';
import { NO_TOKEN_METRICS, type TokenFailureReason, type TokenMetrics } from '../metrics/upstream-metrics.js';
import { abortableSleep, backoffDelay } from './backoff.js';
import { parseJsonOrUndefined } from '../tolerant-json.js';

/**
 * Bearer tokens for the Bitpanda REST and WebSocket upstream: either a fixed token, or
 * client_credentials at the token endpoint followed by refresh_token rotation shortly before
 * the access token expires. Refresh tokens are single-use, so exactly one renewal runs at a
 * time and concurrent callers share it. Tokens and credentials never reach the logs.
 */

export interface TokenProviderOptions {
  /** a fixed bearer token (`BITPANDA_ACCESS_TOKEN`); when set the endpoint is never called */
  accessToken?: string;
  /** OAuth token endpoint (`BITPANDA_TOKEN_URL`) */
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  /** renew once this fraction of `expires_in` has passed. @default 0.8 */
  refreshAt?: number;
  /** assumed access token lifetime when the endpoint omits `expires_in` (documented: 10 min). @default 600 */
  defaultExpiresInSec?: number;
  /** assumed refresh token lifetime (documented: 24 h). @default 86400 */
  refreshTokenTtlSec?: number;
  /** attempts per grant for transient failures (429, 5xx, network, timeout). @default 5 */
  maxAttempts?: number;
  /** @default { initialMs: 500, maxMs: 30000 } */
  backoff?: { initialMs: number; maxMs: number };
  /** @default 10000 */
  requestTimeoutMs?: number;
  logger?: Logger;
  /** @default no metrics */
  metrics?: TokenMetrics;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  fetch?: typeof globalThis.fetch;
}

export interface TokenProvider {
  getToken(): Promise<string>;
  /** after a 401 with this token: the next `getToken` renews once */
  invalidate(token: string): void;
  stop(): void;
}

/** A refusal from the token endpoint (or a transient failure that outlived its retries). */
export class TokenEndpointError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null,
    readonly transient: boolean,
    /** for the failure counter */
    readonly reason: TokenFailureReason = status === null ? 'network' : status === 429 ? 'rate-limited' : status >= 500 ? 'server' : 'refused',
  ) {
    super(message);
    this.name = 'TokenEndpointError';
  }
}

type Grant = 'client_credentials' | 'refresh_token';

interface TokenState {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: number;
  renewAt: number;
  refreshExpiresAt: number;
  invalidated: boolean;
}

const TokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().positive().optional(),
  token_type: z.string().optional(),
});

const ErrorResponse = z.object({ errors: z.array(z.object({ code: z.string() })).min(1) });

/** `Retry-After` as ms: delta seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function createTokenProvider({
  accessToken,
  tokenUrl,
  clientId,
  clientSecret,
  refreshAt = 0.8,
  defaultExpiresInSec = 600,
  refreshTokenTtlSec = 86_400,
  maxAttempts = 5,
  backoff = { initialMs: 500, maxMs: 30_000 },
  requestTimeoutMs = 10_000,
  logger = silentLogger,
  metrics = NO_TOKEN_METRICS,
  now = Date.now,
  random = Math.random,
  sleep = abortableSleep,
  fetch = globalThis.fetch,
}: TokenProviderOptions): TokenProvider {
  const stopper = new AbortController();

  if (accessToken) {
    logger.info('using a fixed access token');
    return {
      getToken: () => (stopper.signal.aborted ? Promise.reject(new Error('token provider stopped')) : Promise.resolve(accessToken)),
      invalidate: () => logger.warn('the upstream refused the fixed access token; it cannot be renewed'),
      stop: () => stopper.abort(),
    };
  }
  if (!tokenUrl || !clientId || !clientSecret) {
    throw new TypeError('createTokenProvider: expected accessToken, or tokenUrl with clientId and clientSecret');
  }

  let state: TokenState | null = null;
  let inflight: Promise<string> | null = null;

  async function post(grant: Grant, fields: Record<string, string>): Promise<z.infer<typeof TokenResponse>> {
    for (let attempt = 1; ; attempt += 1) {
      let failure: TokenEndpointError;
      let waitMs: number | null = null;
      try {
        const res = await fetch(tokenUrl as string, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({ grant_type: grant, ...fields }).toString(),
          signal: AbortSignal.any([stopper.signal, AbortSignal.timeout(requestTimeoutMs)]),
        });
        const text = await res.text();
        if (res.ok) {
          const parsed = TokenResponse.safeParse(parseJsonOrUndefined(text));
          if (parsed.success) return parsed.data;
          // the body may hold a token: report only which fields were wrong, never the text
          const fieldsWrong = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
          throw new TokenEndpointError(`token endpoint answered 200 without a usable token (fields: ${fieldsWrong})`, res.status, null, false, 'malformed');
        }
        const code = ErrorResponse.safeParse(parseJsonOrUndefined(text)).data?.errors[0]?.code ?? null;
        const transient = res.status === 429 || res.status >= 500;
        failure = new TokenEndpointError(`token endpoint answered ${res.status}${code ? ` ${code}` : ''}`, res.status, code, transient);
        if (res.status === 429) waitMs = parseRetryAfter(res.headers.get('retry-after'), now());
      } catch (error) {
        if (error instanceof TokenEndpointError) {
          metrics.failed(grant, error.reason);
          throw error;
        }
        if (stopper.signal.aborted) throw new Error('token provider stopped');
        failure = new TokenEndpointError(`token endpoint unreachable: ${(error as Error).message}`, null, null, true);
      }
      metrics.failed(grant, failure.reason);
      if (!failure.transient || attempt >= maxAttempts) throw failure;
      const delay = waitMs ?? backoffDelay(attempt - 1, backoff, random);
      logger.warn({ grant, attempt, status: failure.status, code: failure.code, retryInMs: delay }, 'token request failed, retrying');
      await sleep(delay, stopper.signal);
      if (stopper.signal.aborted) throw new Error('token provider stopped');
    }
  }

  async function obtain(grant: Grant, fields: Record<string, string>): Promise<string> {
    const body = await post(grant, fields);
    const at = now();
    const lifetimeMs = (body.expires_in ?? defaultExpiresInSec) * 1000;
    state = {
      accessToken: body.access_token,
      refreshToken: body.refresh_token ?? null,
      expiresAt: at + lifetimeMs,
      renewAt: at + lifetimeMs * refreshAt,
      refreshExpiresAt: body.refresh_token ? at + refreshTokenTtlSec * 1000 : 0,
      invalidated: false,
    };
    metrics.granted(grant);
    logger.info({ grant, expiresInSec: lifetimeMs / 1000 }, 'access token obtained');
    return body.access_token;
  }

  async function renew(): Promise<string> {
    const current = state;
    if (current?.refreshToken && now() < current.refreshExpiresAt) {
      try {
        return await obtain('refresh_token', { refresh_token: current.refreshToken, client_id: clientId as string });
      } catch (error) {
        const e = error as TokenEndpointError;
        if (stopper.signal.aborted) throw error;
        if (e.transient) {
          if (!current.invalidated && now() < current.expiresAt) {
            // the token in hand still works: use it and try renewing again a little later
            current.renewAt = now() + Math.min(backoff.maxMs, (current.expiresAt - now()) / 2);
            logger.warn({ status: e.status }, 'token refresh failed transiently; keeping the current access token');
            return current.accessToken;
          }
          throw error;
        }
        logger.warn({ status: e.status, code: e.code }, 'refresh token refused; requesting new client credentials tokens');
      }
    }
    return obtain('client_credentials', { client_id: clientId as string, client_secret: clientSecret as string });
  }

  return {
    getToken() {
      if (stopper.signal.aborted) return Promise.reject(new Error('token provider stopped'));
      const current = state;
      if (current && !current.invalidated && now() < current.renewAt) return Promise.resolve(current.accessToken);
      inflight ??= renew().finally(() => {
        inflight = null;
      });
      return inflight;
    },
    invalidate(token) {
      if (state && state.accessToken === token && !state.invalidated) {
        state.invalidated = true;
        logger.info('access token refused upstream; it will be renewed on next use');
      }
    },
    stop() {
      stopper.abort();
    },
  };
}

