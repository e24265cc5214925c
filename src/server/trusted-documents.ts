import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { GraphQLError, parse } from 'graphql';

/**
 * The `extensions.code` of a refused trusted-document request, the same over HTTP, SSE and
 * WebSocket. The first two are the codes Apollo's clients know: on PERSISTED_QUERY_NOT_FOUND
 * an automatic-persisted-queries link resends the text, which is then served unless only
 * trusted documents are accepted.
 */
export const TRUSTED_DOCUMENT_CODES = {
  /** a `documentId` (or `extensions.persistedQuery.sha256Hash`) that is not in the manifest */
  notFound: 'PERSISTED_QUERY_NOT_FOUND',
  /** with TRUSTED_DOCUMENTS_ONLY: a document text that is not in the manifest */
  notInList: 'PERSISTED_QUERY_NOT_IN_LIST',
  /** neither a document nor an id, or an id that is not a string */
  badRequest: 'BAD_REQUEST',
} as const;

/** The documents of a manifest, by id and by text. */
export interface TrustedDocuments {
  /** TRUSTED_DOCUMENTS_ONLY: refuse every document that is not in the manifest */
  readonly only: boolean;
  readonly size: number;
  /** the text of an id, as the manifest writes it (`sha256:<hex>`) or as a bare hex SHA-256 */
  byId(id: string): string | undefined;
  /** whether this exact text is one of the manifest's documents */
  hasText(text: string): boolean;
}

/** What a request may carry: the GraphQL-over-HTTP params plus `documentId`. */
export interface TrustedDocumentParams {
  query?: string | null | undefined;
  documentId?: unknown;
  operationName?: string | null | undefined;
  variables?: Record<string, unknown> | null | undefined;
  extensions?: Record<string, unknown> | null | undefined;
}

export type ResolvedParams<P extends TrustedDocumentParams> = Omit<P, 'documentId' | 'query'> & { query: string };

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** `sha256:<hex>` for a bare 64-digit hex id, so either form finds the manifest's entry. */
function canonicalId(id: string): string {
  return SHA256_HEX.test(id) ? `sha256:${id.toLowerCase()}` : id.startsWith('sha256:') ? `sha256:${id.slice(7).toLowerCase()}` : id;
}

/**
 * Checks a manifest as graphql-codegen's client preset writes it with `persistedDocuments`
 * (`{ "sha256:<hex>": "<document>" }`): an object of strings, each a document that parses,
 * each `sha256:` id the hash of its text. `origin` names the file in error messages.
 */
export function trustedDocumentsFrom(manifest: unknown, options: { only?: boolean; origin?: string } = {}): TrustedDocuments {
  const { only = false, origin = 'trusted documents' } = options;
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new Error(`${origin}: expected a JSON object mapping document ids to documents, got ${Array.isArray(manifest) ? 'an array' : typeof manifest}`);
  }
  const byId = new Map<string, string>();
  for (const [id, text] of Object.entries(manifest)) {
    if (typeof text !== 'string') throw new Error(`${origin}: document ${JSON.stringify(id)}: expected a string, got ${typeof text}`);
    if (id.startsWith('sha256:')) {
      const hash = createHash('sha256').update(text).digest('hex');
      if (`sha256:${hash}` !== id.toLowerCase()) throw new Error(`${origin}: document ${JSON.stringify(id)}: expected its text to hash to its id, got sha256:${hash}`);
    }
    try {
      parse(text, { noLocation: true });
    } catch (error) {
      throw new Error(`${origin}: document ${JSON.stringify(id)}: expected a GraphQL document, got one that does not parse (${(error as Error).message})`);
    }
    byId.set(canonicalId(id), text);
  }
  const texts = new Set(byId.values());
  return {
    only,
    size: byId.size,
    byId: (id) => byId.get(canonicalId(id)),
    hasText: (text) => texts.has(text),
  };
}

/** Reads `TRUSTED_DOCUMENTS` at start; every problem stops the start with a message naming the file. */
export async function loadTrustedDocuments(options: { path: string; only?: boolean; maxBytes?: number }): Promise<TrustedDocuments> {
  const { path, only = false, maxBytes = 32 * 1024 * 1024 } = options;
  const text = await readFile(path, 'utf8');
  if (Buffer.byteLength(text) > maxBytes) throw new Error(`${path}: expected at most ${maxBytes} bytes, got ${Buffer.byteLength(text)}`);
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: expected JSON, got text that does not parse (${(error as Error).message})`);
  }
  return trustedDocumentsFrom(manifest, { only, origin: path });
}

function refusal(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/** The id a request names: `documentId`, else `extensions.persistedQuery.sha256Hash`; null when none. */
function requestedId(params: TrustedDocumentParams): string | null {
  if (params.documentId !== undefined && params.documentId !== null) {
    if (typeof params.documentId !== 'string') throw refusal(TRUSTED_DOCUMENT_CODES.badRequest, `documentId: expected a string, got ${typeof params.documentId}`);
    return params.documentId;
  }
  const persisted = params.extensions?.['persistedQuery'];
  const hash = persisted !== null && typeof persisted === 'object' ? (persisted as Record<string, unknown>)['sha256Hash'] : undefined;
  return typeof hash === 'string' ? hash : null;
}

/**
 * The params with the document to run as `query`, for every transport (the WebSocket path calls
 * it on each `subscribe` payload before parsing). An id in the manifest gives its document (a
 * `query` sent along is ignored); an unknown id with no text is PERSISTED_QUERY_NOT_FOUND; a text
 * is served as it is, unless only trusted documents are accepted and it is not one of them
 * (PERSISTED_QUERY_NOT_IN_LIST). `documents` null: no manifest configured, ids are unknown.
 * Throws a GraphQLError with `extensions.code` from TRUSTED_DOCUMENT_CODES.
 */
export function resolveTrustedDocument<P extends TrustedDocumentParams>(documents: TrustedDocuments | null, params: P): ResolvedParams<P> {
  const { documentId: _id, query, ...rest } = params;
  const id = requestedId(params);
  if (id !== null) {
    const text = documents?.byId(id);
    if (text !== undefined) return { ...rest, query: text };
    if (typeof query !== 'string' || query === '') throw refusal(TRUSTED_DOCUMENT_CODES.notFound, 'PersistedQueryNotFound: no trusted document has this id');
  }
  if (typeof query !== 'string' || query === '') throw refusal(TRUSTED_DOCUMENT_CODES.badRequest, 'Expected a query or a documentId, got neither');
  if (documents?.only && !documents.hasText(query)) {
    throw refusal(TRUSTED_DOCUMENT_CODES.notInList, 'Only trusted documents are accepted here: send the documentId of a document from the manifest');
  }
  return { ...rest, query };
}
