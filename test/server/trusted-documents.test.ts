import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { getIntrospectionQuery, GraphQLError, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTrustedDocuments, resolveTrustedDocument, TRUSTED_DOCUMENT_CODES, trustedDocumentsFrom, type TrustedDocuments } from '../../src/server/trusted-documents.js';
import { useTrustedDocuments } from '../../src/server/use-trusted-documents.js';
import { codesOf, startYoga, type LimitedYoga } from '../helpers/limited-yoga.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const VARIABLES: Record<string, Record<string, unknown>> = { OnePrice: { asset: 'BTC', fiat: 'EUR' } };

let dir: string;
/** manifests written by graphql-codegen's client preset from the example operations: its default hash, and sha256 */
const manifests: Record<'default' | 'sha256', Record<string, string>> = { default: {}, sha256: {} };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trusted-documents-'));
  await generate(
    {
      cwd: process.cwd(),
      schema: 'schema.graphql',
      documents: ['examples/operations/**/*.graphql'],
      silent: true,
      generates: {
        [`${dir}/default/`]: { preset: 'client', presetConfig: { persistedDocuments: true, fragmentMasking: false } },
        [`${dir}/sha256/`]: { preset: 'client', presetConfig: { persistedDocuments: { hashAlgorithm: 'sha256' }, fragmentMasking: false } },
      },
    },
    true,
  );
  for (const kind of ['default', 'sha256'] as const) manifests[kind] = JSON.parse(readFileSync(join(dir, kind, 'persisted-documents.json'), 'utf8'));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function operationOf(text: string): OperationDefinitionNode {
  return parse(text).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
}

/** The manifest's queries (subscriptions are for the WebSocket). */
function queries(manifest: Record<string, string>): Array<[string, string, string]> {
  return Object.entries(manifest).flatMap(([id, text]) => {
    const operation = operationOf(text);
    return operation.operation === 'query' ? [[id, text, operation.name!.value] as [string, string, string]] : [];
  });
}

describe('trusted documents over HTTP, from a manifest graphql-codegen wrote', () => {
  let open: LimitedYoga;
  let only: LimitedYoga;
  let documents: TrustedDocuments;
  beforeAll(async () => {
    const path = join(dir, 'sha256', 'persisted-documents.json');
    documents = await loadTrustedDocuments({ path });
    open = await startYoga([useTrustedDocuments({ documents })], { pairs: 12 });
    only = await startYoga([useTrustedDocuments({ documents: await loadTrustedDocuments({ path, only: true }) })], { pairs: 12 });
  });
  afterAll(async () => {
    await open.stop();
    await only.stop();
  });

  it('runs every query of the manifest by documentId, by persistedQuery hash and by GET', async () => {
    const entries = queries(manifests.sha256);
    expect(entries.length).toBeGreaterThanOrEqual(4);
    for (const [id, , name] of entries) {
      const variables = VARIABLES[name] ?? {};
      const byId = await only.post({ documentId: id, operationName: name, variables });
      expect([name, byId.status, codesOf(byId)]).toEqual([name, 200, expect.not.arrayContaining(['PERSISTED_QUERY_NOT_FOUND', 'BAD_REQUEST'])]);
      expect(byId.body.data).toBeTruthy();
      const hash = id.replace(/^sha256:/, '');
      const byHash = await only.post({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } }, operationName: name, variables });
      expect(byHash.body.data).toEqual(byId.body.data);
      const byGet = await only.get({ documentId: id, operationName: name, variables: JSON.stringify(variables) });
      expect(byGet.status).toBe(200);
      expect(Object.keys(byGet.body.data ?? {})).toEqual(Object.keys(byId.body.data!));
    }
  });

  it('an unknown id is PERSISTED_QUERY_NOT_FOUND; sent with its text, the text is served unless only trusted documents are', async () => {
    const unknown = await open.post({ documentId: `sha256:${sha256('{ prices { id } }')}` });
    expect([unknown.status, codesOf(unknown)]).toEqual([400, ['PERSISTED_QUERY_NOT_FOUND']]);
    const apqRetry = { query: '{ prices { id } }', extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ prices { id } }') } } };
    expect((await open.post(apqRetry)).body.data?.['prices']).toHaveLength(12);
    const refused = await only.post(apqRetry);
    expect([refused.status, codesOf(refused)]).toEqual([400, ['PERSISTED_QUERY_NOT_IN_LIST']]);
  });

  it('with only trusted documents: any other text is PERSISTED_QUERY_NOT_IN_LIST (GraphiQL introspection too); a manifest text is served', async () => {
    for (const query of ['{ prices { id } }', getIntrospectionQuery()]) {
      const response = await only.post({ query });
      expect([response.status, codesOf(response), response.body.data]).toEqual([400, ['PERSISTED_QUERY_NOT_IN_LIST'], undefined]);
    }
    const [, text, name] = queries(manifests.sha256)[0]!;
    const response = await only.post({ query: text, operationName: name, variables: VARIABLES[name] ?? {} });
    expect([response.status, codesOf(response)]).toEqual([200, []]);
    expect((await open.post({ query: '{ prices { id } }' })).status).toBe(200);
  });

  it('a documentId that is not a string is BAD_REQUEST; neither query nor id is BAD_REQUEST', async () => {
    const numeric = await open.post({ documentId: 12 });
    expect([numeric.status, codesOf(numeric)]).toEqual([400, ['BAD_REQUEST']]);
    const empty = await open.post({ variables: {} });
    expect([empty.status, codesOf(empty)]).toEqual([400, ['BAD_REQUEST']]);
  });
});

describe('resolveTrustedDocument (the WebSocket path calls it on each subscribe payload)', () => {
  const text = 'subscription Live { priceUpdated { id ask } }';
  const id = `sha256:${sha256(text)}`;
  const documents = trustedDocumentsFrom({ [id]: text });
  const strict = trustedDocumentsFrom({ [id]: text }, { only: true });

  function code(run: () => unknown): unknown {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(GraphQLError);
      return (error as GraphQLError).extensions['code'];
    }
    return null;
  }

  it('replaces an id by its document and drops documentId, keeping the rest of the payload', () => {
    expect(resolveTrustedDocument(documents, { documentId: id, operationName: 'Live', variables: { a: 1 } })).toEqual({ query: text, operationName: 'Live', variables: { a: 1 } });
    expect(resolveTrustedDocument(documents, { documentId: sha256(text).toUpperCase() }).query).toBe(text);
    expect(resolveTrustedDocument(strict, { documentId: id, query: '{ prices { id } }' }).query).toBe(text);
    expect(resolveTrustedDocument(null, { query: '{ prices { id } }' })).toEqual({ query: '{ prices { id } }' });
  });

  it('refuses with the same codes as HTTP', () => {
    expect(code(() => resolveTrustedDocument(documents, { documentId: 'sha256:00' }))).toBe(TRUSTED_DOCUMENT_CODES.notFound);
    expect(code(() => resolveTrustedDocument(null, { documentId: id }))).toBe(TRUSTED_DOCUMENT_CODES.notFound);
    expect(code(() => resolveTrustedDocument(strict, { query: '{ prices { id } }' }))).toBe(TRUSTED_DOCUMENT_CODES.notInList);
    expect(code(() => resolveTrustedDocument(strict, { query: text }))).toBeNull();
    expect(code(() => resolveTrustedDocument(documents, { documentId: ['x'] }))).toBe(TRUSTED_DOCUMENT_CODES.badRequest);
    expect(code(() => resolveTrustedDocument(documents, {}))).toBe(TRUSTED_DOCUMENT_CODES.badRequest);
  });
});

describe('manifests', () => {
  it("reads graphql-codegen's default manifest too (bare hex ids, another hash)", () => {
    const documents = trustedDocumentsFrom(manifests.default);
    const [id, text] = Object.entries(manifests.default)[0]!;
    expect(documents.size).toBe(Object.keys(manifests.default).length);
    expect(documents.byId(id)).toBe(text);
  });

  it('refuses a manifest that is not an object of parsable documents under their own hashes, naming the file and the id', async () => {
    const origin = 'docs.json';
    expect(() => trustedDocumentsFrom([], { origin })).toThrow('docs.json: expected a JSON object mapping document ids to documents, got an array');
    expect(() => trustedDocumentsFrom({ a: 1 }, { origin })).toThrow('docs.json: document "a": expected a string, got number');
    expect(() => trustedDocumentsFrom({ 'sha256:abc': '{ prices { id } }' }, { origin })).toThrow(/document "sha256:abc": expected its text to hash to its id, got sha256:[0-9a-f]{64}/);
    expect(() => trustedDocumentsFrom({ x: '{ prices { ' }, { origin })).toThrow(/document "x": expected a GraphQL document, got one that does not parse/);
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ not json');
    await expect(loadTrustedDocuments({ path })).rejects.toThrow(`${path}: expected JSON, got text that does not parse`);
  });
});
