import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Yoga } from '../yoga.js';
import { NO_FANOUT_METRICS, type FanoutMetrics } from '../../metrics/fanout-metrics.js';
import { conflationKeyOf, type PreparedOperation } from './operation.js';
import { resultJson } from './messages.js';
import type { FanoutScheduler } from './scheduler.js';
import type { Subscriber } from './subscriber.js';
import { SubscriberOverflowError } from '../../bus/bus.js';
import { createChangeListeners, type Watch } from '../../change-listeners.js';

type SharedOperation = Extract<PreparedOperation, { kind: 'shared' }>;

export interface SubscriptionGroupsOptions {
  yoga: Yoga;
  scheduler: FanoutScheduler;
  /** @default no metrics */
  metrics?: FanoutMetrics;
}

interface Group {
  key: string;
  operation: SharedOperation;
  members: Set<Subscriber>;
  /** the members as an array, rebuilt only after a change */
  snapshot: Subscriber[] | null;
  iterator: AsyncIterator<ExecutionResult> | null;
  /** no more frames from this group: released by its last member or ended by its source */
  over: boolean;
  /** a member was cancelled: one function per group, not a closure per member */
  leave: (subscriber: Subscriber) => void;
}

export interface SubscriptionGroups {
  /** Adds a subscriber to the group of its key, starting the group when it is the first. */
  join(subscriber: Subscriber, operation: SharedOperation): void;
  readonly groups: number;
  readonly members: number;
  /** calls `listener` after each change of `groups` or `members` (joins and leaves, not frames) */
  watch: Watch;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<ExecutionResult> {
  return typeof Object(value)[Symbol.asyncIterator] === 'function';
}

/**
 * When the gateway received the event just executed (epoch ms), as the subscription field set
 * it on the context (`GraphQLContext.eventReceivedAt`); cleared, so a result that did not set it
 * is not measured with a stale time.
 */
function takeEventReceivedAt(context: Record<string, unknown>): number | null {
  const at = context.eventReceivedAt;
  context.eventReceivedAt = undefined;
  return typeof at === 'number' ? at : null;
}

/** A thrown error as graphql-ws reports it: a GraphQLError with the original attached. */
export function toGraphQLError(error: unknown): GraphQLError {
  const original = error instanceof Error ? error : new Error(String(error));
  const extensions = original instanceof SubscriberOverflowError ? { code: 'SUBSCRIBER_OVERFLOW' } : undefined;
  return new GraphQLError(original.message, { originalError: original, extensions });
}

/**
 * Subscribers of the same operation, variables and scope form one group. The group runs the
 * subscription once, through Yoga's envelop with a group-level context (no per-subscriber
 * state), and each result is serialized once and handed to every member by the scheduler.
 * When the last member leaves, the group's source is returned and its listener released.
 */
export function createSubscriptionGroups(options: SubscriptionGroupsOptions): SubscriptionGroups {
  const { yoga, scheduler, metrics = NO_FANOUT_METRICS } = options;
  const groups = new Map<string, Group>();
  let members = 0;
  const changes = createChangeListeners();

  function membersOf(group: Group): Subscriber[] {
    return (group.snapshot ??= [...group.members]);
  }

  function leave(group: Group, subscriber: Subscriber): void {
    if (!group.members.delete(subscriber)) return;
    group.snapshot = null;
    members--;
    if (group.members.size === 0 && !group.over) {
      group.over = true;
      if (groups.get(group.key) === group) groups.delete(group.key);
      void group.iterator?.return?.()?.catch(() => undefined);
    }
    changes.changed();
  }

  /** The source ended or failed: members get the last word after every frame before it. */
  function end(group: Group, deliver: (subscriber: Subscriber) => void): void {
    if (group.over) return;
    group.over = true;
    if (groups.get(group.key) === group) groups.delete(group.key);
    const targets = membersOf(group);
    members -= group.members.size;
    group.members.clear();
    changes.changed();
    scheduler.each(targets, deliver);
  }

  async function run(group: Group): Promise<void> {
    const { operation } = group;
    const enveloped = yoga.getEnveloped({ scope: operation.scope, viewer: operation.viewer, params: operation.params });
    const contextValue = (await enveloped.contextFactory()) as Record<string, unknown>;
    const result = (await enveloped.subscribe({
      schema: enveloped.schema,
      document: operation.document,
      operationName: operation.operationName,
      variableValues: operation.variables,
      contextValue,
    })) as ExecutionResult | AsyncIterable<ExecutionResult>;
    if (!isAsyncIterable(result)) {
      // bad arguments or variables: `next` with the errors, then `complete`, as graphql-ws does
      const payload = resultJson(result);
      end(group, (s) => {
        s.next(payload, null);
        s.complete();
      });
      return;
    }
    const iterator = result[Symbol.asyncIterator]();
    if (group.over) {
      await iterator.return?.();
      return;
    }
    group.iterator = iterator;
    for (;;) {
      let step: IteratorResult<ExecutionResult>;
      try {
        step = await iterator.next();
      } catch (error) {
        await iterator.return?.()?.catch(() => undefined);
        if (error instanceof SubscriberOverflowError) metrics.overflowed(operation.field);
        end(group, (s) => s.error([toGraphQLError(error)]));
        return;
      }
      if (step.done || group.over) break;
      metrics.executed(operation.field);
      const receivedAt = takeEventReceivedAt(contextValue);
      const payload = Buffer.from(resultJson(step.value));
      scheduler.next(membersOf(group), payload, conflationKeyOf(operation.conflation, step.value.data), operation.field, receivedAt);
    }
    end(group, (s) => s.complete());
  }

  function start(operation: SharedOperation): Group {
    const group: Group = { key: operation.key, operation, members: new Set(), snapshot: null, iterator: null, over: false, leave: (s) => leave(group, s) };
    groups.set(operation.key, group);
    run(group).catch((error: unknown) => {
      const targets = membersOf(group);
      end(group, () => {});
      // subscribe threw instead of returning errors: as graphql-ws, the connections close (4500)
      for (const s of targets) s.fail(error);
    });
    return group;
  }

  return {
    join(subscriber, operation) {
      const group = groups.get(operation.key) ?? start(operation);
      group.members.add(subscriber);
      group.snapshot = null;
      members++;
      subscriber.onCancel(group.leave);
      changes.changed();
    },
    get groups() {
      return groups.size;
    },
    get members() {
      return members;
    },
    watch: changes.watch,
  };
}
