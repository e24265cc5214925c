import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import {
  GraphQLError,
  Kind,
  TypeInfo,
  ValidationContext,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';

/**
 * Expected length of list fields, by schema coordinate. graphql-armor's cost limit multiplies a
 * field's cost by its literal `first`/`last`; these sizes stand in where it cannot see one: list
 * fields without pagination (`prices`), and `first`/`last` given by a variable (the cost is a
 * property of the document alone, so Yoga can cache the verdict per document). Estimates, not
 * the real lengths: `prices` returns every cached pair, but a full `prices` selection must stay
 * well within the default budget.
 */
export const DEFAULT_LIST_SIZES: Readonly<Record<string, number>> = {
  'Query.prices': 50,
  'Query.priceChanges': 50,
  /** the default page size of the connection */
  'Query.notificationEvents': 50,
};

export interface CostRuleOptions {
  maxCost: number;
  listSizes: Readonly<Record<string, number>>;
  /** the error reported when an operation costs more than `maxCost` (armor's message inside) */
  toError: (armorError: GraphQLError) => GraphQLError;
}

const PAGINATION = new Set(['first', 'last']);

function sizeArgument(size: number): ArgumentNode {
  return { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'first' }, value: { kind: Kind.INT, value: String(size) } };
}

/** The document with the estimated length of every sized list field written as a literal `first` (the form armor reads). */
export function withListSizes(document: DocumentNode, schema: GraphQLSchema, listSizes: Readonly<Record<string, number>>): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node: FieldNode) {
        const parent = typeInfo.getParentType();
        const estimate = parent ? listSizes[`${parent.name}.${node.name.value}`] : undefined;
        if (estimate === undefined) return undefined;
        const args = node.arguments ?? [];
        const given = args.find((a) => PAGINATION.has(a.name.value));
        if (given?.value.kind === Kind.INT) return undefined;
        return { ...node, arguments: [sizeArgument(estimate), ...args.filter((a) => !PAGINATION.has(a.name.value))] };
      },
    }),
  );
}

/**
 * graphql-armor's cost limit over the sized document. Cost counts fields: 1 per field, object
 * or scalar, the fields of a list counted once per expected item, introspection free. So the
 * budget reads as "about this many values in one result".
 */
export function costRule(options: CostRuleOptions): ValidationRule {
  const { maxCost, listSizes, toError } = options;
  return (context) => ({
    Document(document) {
      const schema = context.getSchema();
      const sized = withListSizes(document, schema, listSizes);
      const inner = new ValidationContext(schema, sized, new TypeInfo(schema), () => undefined);
      const armor = costLimitRule({
        maxCost,
        objectCost: 1,
        scalarCost: 1,
        depthCostFactor: 1,
        flattenFragments: true,
        ignoreIntrospection: true,
        propagateOnRejection: false,
        onReject: [(_, error) => context.reportError(toError(error))],
      })(inner);
      visit(sized, armor);
      return false;
    },
  });
}
