import type { GraphiQLOptions, Plugin, YogaServerOptions } from 'graphql-yoga';
import type { CorsOrigins } from '../config.js';
import type { GraphQLContext } from '../schema/context.js';
import { createBoundedCache, type BoundedCacheOptions } from './bounded-cache.js';
import { useGraphiQLPage } from './graphiql-page.js';
import { corsOptionsFor } from './origins.js';
import type { TrustedDocuments } from './trusted-documents.js';
import { useClientErrors } from './use-client-errors.js';
import { useCsrf } from './use-csrf.js';
import { useOperationLimits, type OperationLimitsOptions } from './use-operation-limits.js';
import { useTrustedDocuments } from './use-trusted-documents.js';
import { useValidationErrors } from './use-validation-errors.js';

export interface YogaSafetyOptions {
  /** MAX_QUERY_DEPTH, MAX_ALIASES, MAX_TOKENS, MAX_DIRECTIVES, MAX_QUERY_COST @default the contract's */
  limits?: OperationLimitsOptions;
  /** `MAX_REQUEST_BYTES`: a larger HTTP body is refused with 413 before it is parsed @default 102400 */
  maxRequestBytes?: number;
  /** `CORS_ORIGINS` @default [] (same origin only) */
  corsOrigins?: CorsOrigins;
  /** `GRAPHIQL`: the page's options, or false for none @default false */
  graphiql?: GraphiQLOptions | false;
  /** `TRUSTED_DOCUMENTS` (with `TRUSTED_DOCUMENTS_ONLY` inside) @default null */
  trustedDocuments?: TrustedDocuments | null;
  /** Yoga's parse cache (by document text) and its cache of parse errors @default 1000 entries, 1 MiB of text */
  parseCache?: BoundedCacheOptions;
  /** the CSRF prevention: off only for tests of the rest @default true */
  csrfPrevention?: boolean;
  /** the GraphQL endpoint, where GraphiQL is served @default '/graphql' */
  path?: string;
}

type YogaSafety = Required<Pick<YogaServerOptions<Record<string, unknown>, GraphQLContext>, 'plugins' | 'maxRequestBodySize' | 'parserAndValidationCache' | 'cors' | 'graphiql'>>;

/**
 * What makes the gateway's Yoga safe to face browsers and strangers, as Yoga options: the
 * request body bound (before parsing), bounded parse caches, CORS, CSRF prevention, trusted
 * documents, the operation limits (tokens while parsing, the rest while validating), client
 * mistakes answered as 400s, and GraphiQL cached and compressed. The WebSocket path parses and
 * validates through the same Yoga, so the same plugins and codes apply there.
 */
export function yogaSafety(options: YogaSafetyOptions = {}): YogaSafety {
  const {
    limits = {},
    maxRequestBytes = 102_400,
    corsOrigins = [],
    graphiql = false,
    trustedDocuments = null,
    parseCache = {},
    csrfPrevention = true,
    path = '/graphql',
  } = options;
  const cacheOptions: BoundedCacheOptions = { maxKeyChars: maxRequestBytes, ...parseCache };
  const plugins: Plugin[] = [
    ...(csrfPrevention ? [useCsrf()] : []),
    useTrustedDocuments({ documents: trustedDocuments }),
    useValidationErrors(),
    useOperationLimits(limits),
    // after the limits: it wraps the token-counting parser they install
    useClientErrors(),
  ];
  // its 9 MB bundle is loaded at the first GraphiQL request rather than at start
  if (graphiql) plugins.unshift(useGraphiQLPage({ path, render: async () => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(graphiql) }));
  return {
    plugins,
    maxRequestBodySize: maxRequestBytes,
    parserAndValidationCache: { documentCache: createBoundedCache(cacheOptions), errorCache: createBoundedCache(cacheOptions), validationCache: true },
    cors: corsOptionsFor(corsOrigins),
    // served by useGraphiQLPage instead
    graphiql: false,
  };
}
