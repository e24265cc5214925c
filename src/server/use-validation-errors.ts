import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Validation reports a client's mistakes; it never throws them. graphql-js's
 * SingleFieldSubscriptionsRule throws when a subscription's root `@include(if: $b)` uses a
 * variable the operation does not define; Yoga then answers 200 with an uncoded error, and the
 * WebSocket path (which calls `enveloped.validate`) would fail the socket. Such a throw becomes
 * an ordinary validation error (`GRAPHQL_VALIDATION_FAILED`), on every path. Anything thrown
 * that is not a GraphQLError is a server fault and passes through.
 */
export function useValidationErrors(): Plugin {
  return {
    onValidate({ validateFn, setValidationFn }) {
      setValidationFn((...args) => {
        try {
          return validateFn(...args);
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          return [new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code: error.extensions['code'] ?? 'GRAPHQL_VALIDATION_FAILED' } })];
        }
      });
    },
  };
}
