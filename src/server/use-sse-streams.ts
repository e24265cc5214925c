import type { ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { createChangeListeners, type Watch } from '../change-listeners.js';

export interface SseStreams {
  /** the SSE responses open now */
  readonly open: number;
  /** calls `listener` after each change of `open` */
  watch: Watch;
  plugin: Plugin;
}

/**
 * Counts GraphQL-over-SSE streams from the start of their response to the close of their
 * socket (the `graphql_sse_streams` gauge). Node's response comes with Yoga's server context.
 */
export function createSseStreams(): SseStreams {
  let open = 0;
  const changes = createChangeListeners();
  return {
    get open() {
      return open;
    },
    watch: changes.watch,
    plugin: {
      onResponse({ response, serverContext }) {
        if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return;
        const res = (serverContext as { res?: ServerResponse } | undefined)?.res;
        if (!res || res.closed) return;
        open += 1;
        changes.changed();
        res.once('close', () => {
          open -= 1;
          changes.changed();
        });
      },
    },
  };
}
