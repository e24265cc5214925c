import { GraphQLError } from 'graphql';

/** What one WebSocket connection may hold (README, "Limits and browser safety"). */
export interface ConnectionLimits {
  /** `MAX_SUBSCRIPTIONS_PER_CONNECTION`: operations live at once; the next `subscribe` gets an `error` message @default 100 */
  maxSubscriptions?: number;
  /** the longest operation id; a longer one closes the socket with 4400 rather than being echoed in every frame @default 128 */
  maxIdLength?: number;
  /** `connection_init` payload entries kept for the connection's life (primitive values only) @default 32 */
  maxParams?: number;
  /** the longest string kept from the `connection_init` payload (a bearer token fits) @default 8192 */
  maxParamChars?: number;
}

export const MAX_SUBSCRIPTIONS_CODE = 'MAX_SUBSCRIPTIONS_PER_CONNECTION_EXCEEDED';

/** A WebSocket message over `MAX_REQUEST_BYTES`: refused before its document is parsed (the code of HTTP's 413). */
export function messageTooLarge(maxBytes: number): GraphQLError {
  return new GraphQLError(`Message larger than MAX_REQUEST_BYTES (${maxBytes} bytes): refused before it was parsed`, {
    extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' },
  });
}

export function tooManySubscriptions(max: number): GraphQLError {
  return new GraphQLError(`Subscriptions limit of ${max} per connection reached: complete one before starting another`, {
    extensions: { code: MAX_SUBSCRIPTIONS_CODE },
  });
}

/**
 * The part of a `connection_init` payload kept for the connection's life (operations see it as
 * `connectionParams`): top-level strings, numbers and booleans, the first `maxParams` of them,
 * strings up to `maxParamChars`. Whatever else came (nested objects, a 20 MB blob) is read once,
 * at the handshake, and dropped.
 */
export function retainedParams(payload: Record<string, unknown> | undefined, limits: Pick<ConnectionLimits, 'maxParams' | 'maxParamChars'> = {}): Record<string, unknown> | undefined {
  if (!payload) return undefined;
  const { maxParams = 32, maxParamChars = 8192 } = limits;
  const kept: Record<string, unknown> = {};
  let count = 0;
  for (const [key, value] of Object.entries(payload)) {
    if (count >= maxParams) break;
    if (key.length > 256) continue;
    const small = typeof value === 'number' || typeof value === 'boolean' || value === null || (typeof value === 'string' && value.length <= maxParamChars);
    if (!small) continue;
    kept[key] = value;
    count += 1;
  }
  return kept;
}

/**
 * A `subscribe` payload that names a trusted document (`documentId`, or
 * `extensions.persistedQuery`) may leave out `query`, as over HTTP; graphql-ws's message
 * validation wants a string there, so an empty one stands in (the id's document replaces it).
 */
export function withTrustedQuery(message: unknown): unknown {
  if (typeof message !== 'object' || message === null) return message;
  const { type, payload } = message as { type?: unknown; payload?: unknown };
  if (type !== 'subscribe' || typeof payload !== 'object' || payload === null) return message;
  const p = payload as Record<string, unknown>;
  if (p['query'] !== undefined && p['query'] !== null) return message;
  const persisted = (p['extensions'] as Record<string, unknown> | null | undefined)?.['persistedQuery'];
  if (p['documentId'] === undefined && persisted === undefined) return message;
  return { ...message, payload: { ...p, query: '' } };
}
