import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { mayUse, type Viewer } from '../domain/viewer.js';

/** The `extensions.code` of a field the caller may not read; the connection stays open. */
export const FORBIDDEN = 'FORBIDDEN';

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: FORBIDDEN } });
}

/** Every root field an operation may select, through fragments and inline fragments (directives are not evaluated: a field under `@skip` counts). */
export function rootFieldsOf(document: DocumentNode, operation: OperationDefinitionNode): Set<string> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode | undefined): void => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        visit(fragments.get(selection.name.value)?.selectionSet);
      }
    }
  };
  visit(operation.selectionSet);
  return names;
}

/**
 * The refusals of an operation for this viewer: one `FORBIDDEN` error per root field it may
 * not select (none when it may run). Checked before anything executes, on every transport.
 */
export function accessErrors(viewer: Viewer, document: DocumentNode, operation: OperationDefinitionNode): GraphQLError[] {
  const errors: GraphQLError[] = [];
  for (const field of rootFieldsOf(document, operation)) {
    if (mayUse(viewer, field)) continue;
    const why = viewer.identity?.kind === 'anonymous' ? 'a bearer token (this gateway serves it to signed-in clients only)' : 'a token that may read it';
    errors.push(forbidden(`${field}: expected ${why}, got ${viewer.identity?.kind === 'anonymous' ? 'none' : 'another'}`));
  }
  return errors;
}
