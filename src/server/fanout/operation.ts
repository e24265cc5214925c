import {
  getOperationAST,
  GraphQLError,
  Kind,
  print,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { Yoga } from '../yoga.js';
import { createBoundedCache } from '../bounded-cache.js';
import { resolveTrustedDocument, type TrustedDocuments } from '../trusted-documents.js';
import { groupScope, groupViewer, PLAIN_FIELD, type ConnectionInfo, type SharingPolicy } from './policy.js';
import { accessErrors } from '../access.js';
import type { Viewer } from '../../domain/viewer.js';

export type Enveloped = ReturnType<Yoga['getEnveloped']>;

/** Where a conflatable frame keeps its key: `data[responseKey][idKey]`. */
export interface Conflation {
  responseKey: string;
  /** the response key of `id` in the root selection; null when not selected (one slot) */
  idKey: string | null;
}

interface Parsed {
  document: DocumentNode;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
  /** the root field of a subscription, for metrics and conflation */
  field: string | null;
  conflation: Conflation | null;
}

export type PreparedOperation =
  | { kind: 'errors'; errors: readonly GraphQLError[] }
  /** executed for this subscriber alone, through its own envelop */
  | (Parsed & { kind: 'single'; operation: OperationDefinitionNode['operation']; enveloped: Enveloped })
  /** a subscription shared by every subscriber with the same key */
  | (Parsed & { kind: 'shared'; key: string; scope: string; params: SubscribePayload; viewer: Viewer | undefined });

export interface OperationPreparerOptions {
  yoga: Yoga;
  policy: SharingPolicy;
  /** normalized documents remembered by query text @default 1000 */
  cacheSize?: number;
  /** `TRUSTED_DOCUMENTS`: `documentId` (or `extensions.persistedQuery`) resolved as over HTTP @default null */
  trustedDocuments?: TrustedDocuments | null;
}

/** The fields envelop's context starts from for one `subscribe`: the connection's own context, under what the protocol sets. */
const PROTOCOL_KEYS = new Set(['viewer', 'connectionParams', 'req', 'socket', 'params']);

function initialContext(connection: ConnectionInfo, params: SubscribePayload): Record<string, unknown> {
  const initial: Record<string, unknown> = {
    viewer: connection.viewer,
    connectionParams: connection.connectionParams,
    req: connection.request,
    socket: connection.socket,
    params,
  };
  const own = connection.context;
  if (own) for (const key of Object.keys(own)) if (!PROTOCOL_KEYS.has(key)) initial[key] = own[key];
  return initial;
}

/** The error as the client gets it: its own code when it has one (a limit, a trusted-document refusal), else `code`. */
function coded(error: unknown, code: string): GraphQLError {
  if (error instanceof GraphQLError) {
    return new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: error.extensions['code'] ?? code } });
  }
  return new GraphQLError(error instanceof Error ? error.message : String(error), { extensions: { code } });
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      if (record[key] !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const map = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) map.set(d.name.value, d);
  return map;
}

/** The response key under which `name` is selected, looking through fragments. */
function responseKeyOf(set: SelectionSetNode | undefined, name: string, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()): string | null {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === name && !selection.directives?.length) return selection.alias?.value ?? name;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const found = responseKeyOf(selection.selectionSet, name, fragments, seen);
      if (found) return found;
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const found = responseKeyOf(fragments.get(selection.name.value)?.selectionSet, name, fragments, seen);
      if (found) return found;
    }
  }
  return null;
}

/** True when the argument has a non-null value, given literally, by a variable or by its default. */
function argumentGiven(field: FieldNode, name: string, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): boolean {
  const value = field.arguments?.find((a) => a.name.value === name)?.value;
  if (!value) return false;
  if (value.kind !== Kind.VARIABLE) return value.kind !== Kind.NULL;
  const provided = variables?.[value.name.value];
  if (provided !== undefined) return provided !== null;
  const definition = operation.variableDefinitions?.find((d) => d.variable.name.value === value.name.value);
  return definition?.defaultValue !== undefined && definition.defaultValue.kind !== Kind.NULL;
}

/** The single root field of an operation, when it is a plain field (no fragment, no directive). */
function rootField(operation: OperationDefinitionNode): FieldNode | null {
  const [first, ...rest] = operation.selectionSet.selections;
  if (!first || rest.length > 0 || first.kind !== Kind.FIELD || first.directives?.length) return null;
  return first;
}

/**
 * Parses and validates a `subscribe` payload through Yoga's envelop (its caches and plugins),
 * with the same coded errors as the HTTP side, and decides how it runs: subscriptions whose
 * root field allows it are shared by (scope, normalized document, operation name, canonical
 * variables); everything else executes on its own.
 */
export function createOperationPreparer(options: OperationPreparerOptions): (connection: ConnectionInfo, params: SubscribePayload) => PreparedOperation {
  const { yoga, policy, cacheSize = 1000, trustedDocuments = null } = options;
  /** by query text: the normalized document, as a JSON string (the group key's second element) */
  const normalized = createBoundedCache<string>({ maxEntries: cacheSize });

  function normalizedJson(query: string, document: DocumentNode): string {
    let text = normalized.get(query);
    if (text === undefined) {
      text = JSON.stringify(print(document));
      normalized.set(query, text);
    }
    return text;
  }

  return (connection, sent) => {
    let params: SubscribePayload;
    try {
      params = resolveTrustedDocument(trustedDocuments, sent as SubscribePayload & { documentId?: unknown });
    } catch (error) {
      return { kind: 'errors', errors: [coded(error, 'BAD_REQUEST')] };
    }
    const enveloped = yoga.getEnveloped(initialContext(connection, params));
    let document: DocumentNode;
    try {
      document = enveloped.parse(params.query);
    } catch (error) {
      return { kind: 'errors', errors: [coded(error, 'GRAPHQL_PARSE_FAILED')] };
    }
    const invalid = enveloped.validate(enveloped.schema, document);
    if (invalid.length > 0) {
      const errors = invalid.map((e: GraphQLError) => coded(e, 'GRAPHQL_VALIDATION_FAILED'));
      return { kind: 'errors', errors };
    }
    const operationName = params.operationName ?? undefined;
    const operation = getOperationAST(document, operationName);
    if (!operation) return { kind: 'errors', errors: [new GraphQLError('Unable to identify operation')] };
    // checked per connection, before joining a group that runs for nobody in particular
    const denied = connection.viewer ? accessErrors(connection.viewer, document, operation) : [];
    if (denied.length > 0) return { kind: 'errors', errors: denied };

    const variables = params.variables ?? undefined;
    const field = operation.operation === 'subscription' ? rootField(operation) : null;
    const name = field?.name.value ?? null;
    const fanout = (name !== null && policy.get(name)) || PLAIN_FIELD;
    const conflation =
      field && name && fanout.conflate
        ? { responseKey: field.alias?.value ?? name, idKey: responseKeyOf(field.selectionSet, 'id', fragmentsOf(document)) }
        : null;
    const shareable = field !== null && !fanout.privateWhen.some((arg) => argumentGiven(field, arg, operation, variables));
    // literals rather than spreads: a spread result gets a hidden class of its own each time
    if (!shareable) return { kind: 'single', document, operationName, variables, field: name, conflation, operation: operation.operation, enveloped };
    const scope = groupScope(fanout, connection.scope);
    // canonicalJson([scope, normalized document, operation name, variables]), the document's part cached
    const key = `[${JSON.stringify(scope)},${normalizedJson(params.query, document)},${operationName === undefined ? 'null' : JSON.stringify(operationName)},${canonicalJson(variables ?? {})}]`;
    return { kind: 'shared', document, operationName, variables, field: name, conflation, key, scope, params, viewer: groupViewer(fanout, connection.viewer) };
  }
}

/** The conflation key of one result: the root object's id ('' when not selected), null for errors. */
export function conflationKeyOf(conflation: Conflation | null, data: Record<string, unknown> | null | undefined): string | null {
  if (!conflation || !data) return null;
  const root = data[conflation.responseKey] as Record<string, unknown> | null | undefined;
  if (!root) return null;
  return conflation.idKey === null ? '' : String(root[conflation.idKey]);
}
