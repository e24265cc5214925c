import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { HttpMetrics, OperationType } from '../metrics/server-metrics.js';

export interface HttpMetricsOptions {
  metrics: HttpMetrics;
  /** a monotonic ms clock @default performance.now */
  now?: () => number;
}

interface Timing {
  at: number;
  /** set once the request turned out to carry GraphQL params */
  graphql: boolean;
  type: OperationType;
}

/**
 * The duration of every GraphQL request over HTTP (and SSE), labelled by operation type, read
 * from the executed document: never by the operation name a client chose, so the label set stays
 * bounded. WebSocket operations go through the same envelop but carry no HTTP request: they are
 * not counted here (the fan-out has its own metrics).
 */
export function useHttpMetrics({ metrics, now = () => performance.now() }: HttpMetricsOptions): Plugin {
  const timings = new WeakMap<Request, Timing>();
  const noteOperation = (args: { document: DocumentNode; operationName?: string | null; contextValue: unknown }): void => {
    const request = (args.contextValue as { request?: Request } | null)?.request;
    const timing = request && timings.get(request);
    if (timing) timing.type = getOperationAST(args.document, args.operationName ?? undefined)?.operation ?? 'unknown';
  };
  return {
    onRequest({ request }) {
      timings.set(request, { at: now(), graphql: false, type: 'unknown' });
    },
    onParams({ request }) {
      const timing = timings.get(request);
      if (timing) timing.graphql = true;
    },
    onExecute({ args }) {
      noteOperation(args);
    },
    onSubscribe({ args }) {
      noteOperation(args);
    },
    onResponse({ request, response }) {
      const timing = timings.get(request);
      timings.delete(request);
      if (!timing?.graphql) return;
      metrics.operation(timing.type, response.status < 400 ? 'ok' : 'error', (now() - timing.at) / 1000);
    },
  };
}
