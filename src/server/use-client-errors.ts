import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The engine ran out of stack: only a document or value nested far too deeply does that. */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

function clientError(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

const TOO_DEEP = 'The document is nested too deeply';

/**
 * A client's mistakes are answered as the client's (400, coded), never as 500s:
 * - request parameters that do not parse (`variables` or `extensions` of a GET, or of a form
 *   body, that are not JSON): Yoga's parsers let the SyntaxError through, answered 500;
 * - a document nested so deeply (a list literal of thousands of brackets) that parsing or
 *   validating it overflows the stack.
 * Errors that are already GraphQLErrors (body too large, bad JSON body) pass through unchanged.
 */
export function useClientErrors(): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (error instanceof GraphQLError) throw error;
          throw clientError(`Request parameters could not be read: ${error instanceof SyntaxError ? 'expected JSON in variables and extensions' : 'malformed request'}`, 'BAD_REQUEST');
        }
      });
    },
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parseFn(source, options);
        } catch (error) {
          if (isStackOverflow(error)) throw clientError(TOO_DEEP, 'GRAPHQL_PARSE_FAILED');
          throw error;
        }
      });
    },
    onValidate({ validateFn, setValidationFn }) {
      setValidationFn((...args) => {
        try {
          return validateFn(...args);
        } catch (error) {
          if (isStackOverflow(error)) return [clientError(TOO_DEEP, 'GRAPHQL_VALIDATION_FAILED')];
          throw error;
        }
      });
    },
  };
}
