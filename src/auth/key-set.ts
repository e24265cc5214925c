import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type FetchImplementation,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { AuthError } from './errors.js';

export interface KeySetStats {
  /** attempts to fetch or read the JWKS (the first one and every refetch) */
  loads: number;
  /** attempts that failed (network, status, size, JSON, not a JWKS) */
  failures: number;
}

export interface KeySet {
  /** jose's key resolver: picks the key by `kid` and `alg`; a refetch on an unknown `kid` at most once per cooldown */
  getKey: JWTVerifyGetKey;
  stats(): KeySetStats;
  /** where the keys come from, safe to log (no query string, no user info) */
  readonly source: string;
}

export interface KeySetOptions {
  /** `http(s)://...` (fetched) or `file:<path>` / `file:///abs/path` (read from disk) */
  url: string;
  /** after a successful load, an unknown `kid` triggers no refetch for this long @default 30000 */
  cooldownMs?: number;
  /** keys older than this are reloaded before use @default 600000 */
  maxAgeMs?: number;
  /** after a failed load, no new attempt for this long (a failing JWKS endpoint is not hammered) @default 1000 */
  failureBackoffMs?: number;
  /** fetch timeout @default 5000 */
  timeoutMs?: number;
  /** the largest JWKS accepted @default 1048576 */
  maxBytes?: number;
  /** clock for the file source and the failure backoff (the remote cooldown is jose's own, on the wall clock) @default Date.now */
  now?: () => number;
}

class LoadError extends Error {}

function parseJwks(text: string, maxBytes: number): JSONWebKeySet {
  if (Buffer.byteLength(text) > maxBytes) throw new LoadError(`expected at most ${maxBytes} bytes, got ${Buffer.byteLength(text)}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LoadError('expected JSON, got text that does not parse');
  }
  const keys = (json as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new LoadError('expected a JWKS ({"keys": [...]}), got another JSON value');
  return json as JSONWebKeySet;
}

/** Key-selection errors pass through (they are about the token); everything else means no keys. */
function asKeyError(error: unknown, source: string): unknown {
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof AuthError) return error;
  const what = error instanceof Error ? error.message : String(error);
  return new AuthError('keys_unavailable', `JWKS ${source}: ${what}`);
}

function remoteKeySet(url: URL, options: Required<Omit<KeySetOptions, 'url'>>): KeySet {
  const { cooldownMs, maxAgeMs, failureBackoffMs, timeoutMs, maxBytes, now } = options;
  const source = `${url.origin}${url.pathname}`;
  const stats: KeySetStats = { loads: 0, failures: 0 };
  let lastFailureAt = Number.NEGATIVE_INFINITY;

  const fetchJwks: FetchImplementation = async (href, init) => {
    if (now() - lastFailureAt < failureBackoffMs) throw new LoadError(`not fetched: the last attempt failed ${now() - lastFailureAt} ms ago`);
    stats.loads += 1;
    try {
      const response = await fetch(href, init);
      const length = Number(response.headers.get('content-length') ?? 0);
      if (response.status !== 200 || length > maxBytes) {
        await response.body?.cancel();
        throw new LoadError(response.status !== 200 ? `expected HTTP 200, got ${response.status}` : `expected at most ${maxBytes} bytes, got a Content-Length of ${length}`);
      }
      const jwks = parseJwks(await response.text(), maxBytes);
      return new Response(JSON.stringify(jwks), { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (error) {
      stats.failures += 1;
      lastFailureAt = now();
      throw error;
    }
  };
  const remote = createRemoteJWKSet(url, { cooldownDuration: cooldownMs, cacheMaxAge: maxAgeMs, timeoutDuration: timeoutMs, [customFetch]: fetchJwks });
  return {
    source,
    stats: () => ({ ...stats }),
    getKey: async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        throw asKeyError(error, source);
      }
    },
  };
}

function filePath(url: string): string {
  return url.startsWith('file://') ? fileURLToPath(url) : url.slice('file:'.length);
}

/** The same contract as the remote set, for a JWKS file: reread when stale or on an unknown `kid`, at most once per cooldown. */
function fileKeySet(url: string, options: Required<Omit<KeySetOptions, 'url' | 'timeoutMs'>>): KeySet {
  const { cooldownMs, maxAgeMs, failureBackoffMs, maxBytes, now } = options;
  const path = filePath(url);
  const source = `file:${path}`;
  const stats: KeySetStats = { loads: 0, failures: 0 };
  let local: JWTVerifyGetKey | null = null;
  let loadedAt = Number.NEGATIVE_INFINITY;
  let lastFailureAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<void> | null = null;

  async function load(): Promise<void> {
    stats.loads += 1;
    try {
      local = createLocalJWKSet(parseJwks(await readFile(path, 'utf8'), maxBytes));
      loadedAt = now();
    } catch (error) {
      stats.failures += 1;
      lastFailureAt = now();
      if (!local) throw error;
    }
  }

  /** one load at a time; none within the failure backoff */
  function reload(): Promise<void> {
    if (now() - lastFailureAt < failureBackoffMs) {
      return local ? Promise.resolve() : Promise.reject(new LoadError(`not read: the last attempt failed ${now() - lastFailureAt} ms ago`));
    }
    pending ??= load().finally(() => {
      pending = null;
    });
    return pending;
  }

  return {
    source,
    stats: () => ({ ...stats }),
    getKey: async (header, token) => {
      try {
        if (!local || now() - loadedAt >= maxAgeMs) await reload();
        try {
          return await local!(header, token);
        } catch (error) {
          if (!(error instanceof errors.JWKSNoMatchingKey) || now() - loadedAt < cooldownMs) throw error;
          await reload();
          return await local!(header, token);
        }
      } catch (error) {
        throw asKeyError(error, source);
      }
    },
  };
}

/**
 * The client-token verification keys of `AUTH_JWKS_URL`, cached. An http(s) URL uses jose's
 * remote JWK set (its cache and its cooldown); a `file:` URL is read from disk with the same rules.
 */
export function createKeySet(options: KeySetOptions): KeySet {
  const {
    url,
    cooldownMs = 30_000,
    maxAgeMs = 600_000,
    failureBackoffMs = 1_000,
    timeoutMs = 5_000,
    maxBytes = 1_048_576,
    now = Date.now,
  } = options;
  if (url.startsWith('file:')) return fileKeySet(url, { cooldownMs, maxAgeMs, failureBackoffMs, maxBytes, now });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('JWKS URL: expected an http(s):// or file: URL, got text that is not a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`JWKS URL: expected http://, https:// or file:, got ${parsed.protocol}`);
  if (parsed.username || parsed.password) throw new Error('JWKS URL: expected no user:password in the URL, got some (not shown)');
  return remoteKeySet(parsed, { cooldownMs, maxAgeMs, failureBackoffMs, timeoutMs, maxBytes, now });
}
