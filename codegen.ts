import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Client code from the checked-in schema and the example operations; `npm run codegen` writes
 * examples/generated/ (checked in: test/clients/codegen.test.ts fails when it is stale):
 *
 * - `graphql.ts`, `gql.ts`, `index.ts`: typed documents (client preset) for Apollo Client, urql
 *   and graphql-ws. Decimals and date-times are strings, `JSON` is `unknown`.
 * - `persisted-documents.json`: the trusted-documents manifest, one entry per operation,
 *   `{ "<sha256 of the printed document, lowercase hex>": "<the document, as sent>" }`. Each
 *   generated document also carries its id as `__meta__.hash`, so a client can send
 *   `{ "documentId": "<id>" }` (or `extensions.persistedQuery.sha256Hash`) instead of the query
 *   to a gateway that loads this file as `TRUSTED_DOCUMENTS`.
 * - `possible-types.ts`: every interface and union with its object types, the map that Apollo
 *   Client's `new InMemoryCache({ possibleTypes })` and urql graphcache's
 *   `cacheExchange({ possibleTypes })` need to match `... on Notification` inside the
 *   `NotificationEvent` union (without it Apollo Client returns those fields as undefined).
 * - `graphcache-schema.ts`: the schema, minified, for urql graphcache's `cacheExchange({ schema })`:
 *   exact fragment matching on reads and writes (with `possibleTypes` alone graphcache still
 *   walks every member's fragment when it writes, and warns about each field it does not find).
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['examples/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'examples/generated/': {
      preset: 'client',
      presetConfig: {
        // plain types for fragments (as Apollo Client and urql users read them)
        fragmentMasking: false,
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
      config: {
        scalars: { Decimal: 'string', DateTime: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        useTypeImports: true,
        importExtension: '.js',
      },
    },
    'examples/generated/possible-types.ts': {
      plugins: ['fragment-matcher'],
      config: { apolloClientVersion: 3, useExplicitTyping: false },
    },
    'examples/generated/graphcache-schema.ts': {
      plugins: ['urql-introspection'],
      config: { module: 'es2015', useTypeImports: true },
    },
  },
};

export default config;
