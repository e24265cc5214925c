import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { costRule, DEFAULT_LIST_SIZES } from './operation-cost.js';

/**
 * The `extensions.code` of each refusal, named after the setting that bounds it. Tokens are
 * counted while parsing (the refusal is a parse error); the others are validation errors, so
 * Yoga answers them with HTTP 400 and nothing executes.
 */
export const LIMIT_CODES = {
  depth: 'MAX_QUERY_DEPTH_EXCEEDED',
  aliases: 'MAX_ALIASES_EXCEEDED',
  tokens: 'MAX_TOKENS_EXCEEDED',
  directives: 'MAX_DIRECTIVES_EXCEEDED',
  cost: 'MAX_QUERY_COST_EXCEEDED',
} as const;
export type LimitCode = (typeof LIMIT_CODES)[keyof typeof LIMIT_CODES];

export interface OperationLimitsOptions {
  /** `MAX_QUERY_DEPTH`: deepest field nesting; `__schema` is left to graphql-js's MaxIntrospectionDepthRule @default 10 */
  maxDepth?: number;
  /** `MAX_ALIASES`: aliases in one operation, fragments included (`__typename` free) @default 15 */
  maxAliases?: number;
  /** `MAX_TOKENS`: lexical tokens in one document, counted while parsing @default 2000 */
  maxTokens?: number;
  /** `MAX_DIRECTIVES`: directives in one operation @default 50 */
  maxDirectives?: number;
  /** `MAX_QUERY_COST`: about the number of values in one result (see operation-cost.ts) @default 5000 */
  maxCost?: number;
  /** expected list lengths by schema coordinate, for the cost @default DEFAULT_LIST_SIZES */
  listSizes?: Readonly<Record<string, number>>;
  /**
   * Replace graphql-js's "Did you mean ...?" hints in validation errors. Off by default: the
   * schema is public (introspection stays on, `schema.graphql` is published), so the hints
   * reveal nothing and help client developers. Turn on where introspection is turned off.
   * @default false
   */
  blockFieldSuggestions?: boolean;
}

function checkLimit(name: string, value: number): number {
  if (value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && value > 0)) return value;
  throw new Error(`${name}: expected a positive integer (or Infinity for no limit), got ${value}`);
}

/** A refusal: armor's text (without its misleading "Syntax Error: " prefix) under our code; no stack, no path. */
export function limitError(code: LimitCode, armorError: GraphQLError): GraphQLError {
  return new GraphQLError(armorError.message.replace(/^Syntax Error: /, ''), { extensions: { code } });
}

/**
 * Depth, aliases, tokens, directives and cost limits from graphql-armor, on the Yoga envelop:
 * HTTP and SSE requests go through it, and so does the WebSocket path, which parses and
 * validates through `yoga.getEnveloped()`. Every refusal carries `extensions.code` from
 * LIMIT_CODES; nothing over a limit executes.
 */
export function useOperationLimits(options: OperationLimitsOptions = {}): Plugin {
  const {
    maxDepth = 10,
    maxAliases = 15,
    maxTokens = 2000,
    maxDirectives = 50,
    maxCost = 5000,
    listSizes = DEFAULT_LIST_SIZES,
    blockFieldSuggestions = false,
  } = options;
  checkLimit('maxDepth', maxDepth);
  checkLimit('maxAliases', maxAliases);
  checkLimit('maxTokens', maxTokens);
  checkLimit('maxDirectives', maxDirectives);
  checkLimit('maxCost', maxCost);
  for (const [coordinate, size] of Object.entries(listSizes)) checkLimit(`listSizes[${coordinate}]`, size);

  const report = (code: LimitCode) => (context: ValidationContext | null, error: GraphQLError) => context?.reportError(limitError(code, error));
  const rules = [
    maxDepthRule({ n: maxDepth, flattenFragments: true, ignoreIntrospection: true, propagateOnRejection: false, onReject: [report(LIMIT_CODES.depth)] }),
    maxAliasesRule({ n: maxAliases, propagateOnRejection: false, onReject: [report(LIMIT_CODES.aliases)] }),
    maxDirectivesRule({ n: maxDirectives, propagateOnRejection: false, onReject: [report(LIMIT_CODES.directives)] }),
    costRule({ maxCost, listSizes, toError: (error) => limitError(LIMIT_CODES.cost, error) }),
  ];
  const tokens = maxTokensPlugin({
    n: maxTokens,
    onReject: [
      (_, error) => {
        throw limitError(LIMIT_CODES.tokens, error);
      },
    ],
  });

  return {
    onPluginInit({ addPlugin }) {
      addPlugin(tokens as Plugin);
      addPlugin({
        onValidate({ addValidationRule }) {
          for (const rule of rules) addValidationRule(rule);
        },
      });
      if (blockFieldSuggestions) addPlugin(blockFieldSuggestionsPlugin() as Plugin);
    },
  };
}
