import type { ExecutionResult } from 'graphql';
import { resultJson } from './messages.js';
import { toGraphQLError } from './groups.js';
import { conflationKeyOf, type PreparedOperation } from './operation.js';
import type { Subscriber } from './subscriber.js';
import type { FanoutMetrics } from '../../metrics/fanout-metrics.js';
import { SubscriberOverflowError } from '../../bus/bus.js';

type UnsharedOperation = Extract<PreparedOperation, { kind: 'single' }>;

function isAsyncIterable(value: unknown): value is AsyncIterable<ExecutionResult> {
  return typeof Object(value)[Symbol.asyncIterator] === 'function';
}

/**
 * Runs one operation for one subscriber through its own envelop, as graphql-ws does: a
 * query or mutation gives `next` then `complete`; a subscription that cannot be shared
 * streams its results, waiting while the connection is behind (nothing is dropped, and a
 * replay never outruns its socket).
 */
export async function runUnshared(
  subscriber: Subscriber,
  operation: UnsharedOperation,
  metrics: FanoutMetrics,
): Promise<void> {
  const { enveloped } = operation;
  const contextValue = (await enveloped.contextFactory()) as Record<string, unknown>;
  const args = {
    schema: enveloped.schema,
    document: operation.document,
    operationName: operation.operationName,
    variableValues: operation.variables,
    contextValue,
  };
  const result = (await (operation.operation === 'subscription' ? enveloped.subscribe(args) : enveloped.execute(args))) as
    | ExecutionResult
    | AsyncIterable<ExecutionResult>;
  if (!isAsyncIterable(result)) {
    subscriber.next(resultJson(result), null);
    subscriber.complete();
    return;
  }
  const iterator = result[Symbol.asyncIterator]();
  if (!subscriber.active) {
    await iterator.return?.();
    return;
  }
  subscriber.onCancel(() => void iterator.return?.()?.catch(() => undefined));
  try {
    for (;;) {
      const step = await iterator.next();
      if (step.done || !subscriber.active) break;
      subscriber.next(resultJson(step.value), conflationKeyOf(operation.conflation, step.value.data));
      await subscriber.writable();
    }
  } catch (error) {
    // graphql's mapped iterator does not return its source when next() rejects: release it here
    await iterator.return?.()?.catch(() => undefined);
    if (error instanceof SubscriberOverflowError) metrics.overflowed(operation.field);
    subscriber.error([toGraphQLError(error)]);
    return;
  }
  subscriber.complete();
}
