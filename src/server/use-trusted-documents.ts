import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { resolveTrustedDocument, type TrustedDocumentParams, type TrustedDocuments } from './trusted-documents.js';

export interface TrustedDocumentsOptions {
  /** the manifest of `TRUSTED_DOCUMENTS`; null: none configured (ids are then unknown, texts served) */
  documents: TrustedDocuments | null;
}

/**
 * Trusted documents over HTTP and SSE: a request may send `documentId` (POST body, or the GET
 * query string as the GraphQL-over-HTTP persisted-documents appendix has it) or
 * `extensions.persistedQuery.sha256Hash` instead of `query`; with `only` every other document is
 * refused. The same `resolveTrustedDocument` serves the WebSocket path, so codes and rules match.
 * Refusals are answered with HTTP 400.
 *
 * Yoga's @graphql-yoga/plugin-persisted-operations is not used: its hook (`onParams`) exists on
 * the HTTP path only, so the WebSocket path needs this function anyway, and its
 * `allowArbitraryOperations` cannot see the params, so it cannot accept a manifest document sent
 * as text when only trusted documents are allowed.
 */
export function useTrustedDocuments(options: TrustedDocumentsOptions): Plugin {
  const { documents } = options;
  return {
    onParams({ params, request, setParams }) {
      const sent = (params as TrustedDocumentParams).documentId;
      const documentId = sent ?? (request.method === 'GET' ? (new URL(request.url).searchParams.get('documentId') ?? undefined) : undefined);
      try {
        setParams(resolveTrustedDocument(documents, { ...params, documentId }));
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
      }
    },
  };
}
