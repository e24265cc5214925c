import { GraphQLError, type ExecutionResult } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';

/**
 * Every error a client sees carries `extensions.code`. graphql-js reports bad variables
 * without one; those are the client's input, so they become BAD_USER_INPUT.
 */
export function withErrorCodes(errors: readonly GraphQLError[]): GraphQLError[] {
  return errors.map((error) => {
    if (error.extensions?.['code']) return error;
    const code = error.message.startsWith('Variable "')
      ? 'BAD_USER_INPUT'
      : error.originalError
        ? 'INTERNAL_SERVER_ERROR'
        : 'GRAPHQL_VALIDATION_FAILED';
    return new GraphQLError(error.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      originalError: error.originalError,
      extensions: { ...error.extensions, code },
    });
  });
}

function fix({ result, setResult }: { result: ExecutionResult; setResult: (r: ExecutionResult) => void }): void {
  if (result.errors?.some((e) => !e.extensions?.['code'])) setResult({ ...result, errors: withErrorCodes(result.errors) });
}

export function useErrorCodes(): Plugin {
  return {
    onExecute: () => ({ onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, fix) }),
    onSubscribe: () => ({ onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, fix) }),
  };
}
