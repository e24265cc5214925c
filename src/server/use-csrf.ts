import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Headers any of which marks a request as sent by a script (so a browser preflighted it):
 * Yoga's own, and those Apollo's clients and servers know.
 */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'graphql-preflight', 'apollo-require-preflight', 'x-apollo-operation-name'] as const;

export const CSRF_CODE = 'CSRF_HEADER_REQUIRED';

/**
 * Yoga's CSRF prevention: a request a browser sends without a preflight (a GET, or a POST of a
 * form or `text/plain`) must carry one of `headers`, which a cross-site form or image cannot
 * set. JSON POSTs (GraphiQL, Apollo Client, urql's POSTs, graphql-sse) are preflighted and pass
 * as they are. The refusal (403) carries `extensions.code` CSRF_HEADER_REQUIRED.
 */
export function useCsrf(options: { headers?: readonly string[] } = {}): Plugin {
  const { headers = CSRF_HEADERS } = options;
  const csrf = useCSRFPrevention({ requestHeaders: [...headers] });
  return {
    onRequestParse(payload) {
      try {
        csrf.onRequestParse!(payload as never);
      } catch (error) {
        throw new GraphQLError(`${(error as Error).message}: a GET or a form POST must carry one of ${headers.join(', ')}`, {
          extensions: { code: CSRF_CODE, http: { status: 403 } },
        });
      }
    },
  };
}
