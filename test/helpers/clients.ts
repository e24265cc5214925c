import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { createClient as createSseClient } from 'graphql-sse';
import { AsyncQueue } from './queue.js';

export type Message =
  | { kind: 'next'; result: ExecutionResult<Record<string, unknown>> }
  | { kind: 'error'; error: unknown }
  | { kind: 'complete' };

export interface TestSubscription {
  messages: AsyncQueue<Message>;
  /** the next `next` result's data, failing on error or completion */
  nextData(): Promise<Record<string, unknown>>;
  dispose(): void;
}

interface Sink {
  next(value: ExecutionResult<Record<string, unknown>>): void;
  error(error: unknown): void;
  complete(): void;
}

function queueing(): { sink: Sink; messages: AsyncQueue<Message> } {
  const messages = new AsyncQueue<Message>();
  return {
    messages,
    sink: {
      next: (result) => messages.push({ kind: 'next', result }),
      error: (error) => messages.push({ kind: 'error', error }),
      complete: () => messages.push({ kind: 'complete' }),
    },
  };
}

async function nextData(messages: AsyncQueue<Message>): Promise<Record<string, unknown>> {
  const message = await messages.shift();
  if (message.kind !== 'next') throw new Error(`expected a next message, got ${JSON.stringify(message)}`);
  if (message.result.errors) throw new Error(`expected data, got errors ${JSON.stringify(message.result.errors)}`);
  return message.result.data as Record<string, unknown>;
}

export interface TestWsClient {
  client: Client;
  subscribe(query: string, variables?: Record<string, unknown>): TestSubscription;
  dispose(): Promise<void>;
}

/** A graphql-ws client that never retries, so a dropped connection shows in the test. */
export function wsClient(url: string): TestWsClient {
  const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  return {
    client,
    subscribe(query, variables) {
      const { sink, messages } = queueing();
      const dispose = client.subscribe({ query, variables }, sink);
      return { messages, nextData: () => nextData(messages), dispose };
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}

/** A GraphQL-over-SSE client (distinct connections mode). */
export function sseClient(url: string): { subscribe: TestWsClient['subscribe']; dispose(): void } {
  const client = createSseClient({ url, retryAttempts: 0 });
  return {
    subscribe(query, variables) {
      const { sink, messages } = queueing();
      const dispose = client.subscribe({ query, variables: variables ?? {} }, sink);
      return { messages, nextData: () => nextData(messages), dispose };
    },
    dispose: () => client.dispose(),
  };
}

/** A plain GraphQL-over-HTTP POST. */
export async function httpQuery(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ status: number; body: ExecutionResult<Record<string, any>> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as ExecutionResult<Record<string, any>> };
}
