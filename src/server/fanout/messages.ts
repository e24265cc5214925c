import type { ExecutionResult, GraphQLError } from 'graphql';
import { MessageType, stringifyMessage } from 'graphql-ws';
import { withErrorCodes } from '../error-codes.js';

/**
 * A result as graphql-ws puts it in a `next` payload: everything but `errors` in order,
 * then `errors` serialized, and no `errors` key at all when there are none.
 */
export function formatResult(result: ExecutionResult): unknown {
  const { errors, ...rest } = result;
  if (!errors) return result;
  return { ...rest, errors: errors.map((e) => (typeof e.toJSON === 'function' ? e.toJSON() : e)) };
}

/** The serialized payload of a `next` message: computed once, shared by every recipient. */
export function resultJson(result: ExecutionResult): string {
  return JSON.stringify(formatResult(result));
}

/**
 * The constant head of every `next` message of one subscription: per recipient only
 * `prefix + payloadJson + '}'` remains, byte for byte what `stringifyMessage` would give.
 */
export function nextPrefix(id: string): string {
  return `{"id":${JSON.stringify(id)},"type":"${MessageType.Next}","payload":`;
}

/** An `error` message; every error carries `extensions.code`. */
export function errorMessage(id: string, errors: readonly GraphQLError[]): string {
  return stringifyMessage({ id, type: MessageType.Error, payload: withErrorCodes(errors).map((e) => e.toJSON()) });
}

export function completeMessage(id: string): string {
  return stringifyMessage({ id, type: MessageType.Complete });
}
