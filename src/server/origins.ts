import type { IncomingMessage } from 'node:http';
import type { CorsOrigins } from '../config.js';

/** Yoga's `cors` option for `CORS_ORIGINS`: false (no CORS headers, same origin only) for []. Never with credentials: clients send a bearer token, not cookies. */
export function corsOptionsFor(origins: CorsOrigins): false | { origin: string | string[]; credentials: false } {
  if (origins === '*') return { origin: '*', credentials: false };
  if (origins.length === 0) return false;
  return { origin: [...origins], credentials: false };
}

/**
 * Whether a WebSocket upgrade may proceed: without an `Origin` header (not a browser), from
 * the gateway's own origin (the `Host` it was called at), or from an origin of `CORS_ORIGINS`.
 * Browsers send `Origin` on every WebSocket and WebSocket upgrades are not covered by CORS: without
 * this check any page a user opens could subscribe in the user's name.
 */
export function upgradeOriginAllowed(origins: CorsOrigins, request: Pick<IncomingMessage, 'headers'>): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || origins === '*') return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  if (host !== '' && host === request.headers.host) return true;
  return origins.includes(origin);
}
