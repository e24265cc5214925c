import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a drain saw: requests that finished within it, requests cut at its end, event streams ended at its start. */
export interface DrainResult {
  finished: number;
  cut: number;
  streamsEnded: number;
}

/**
 * The requests of one HTTP server, for a graceful stop: `start(ms)` marks the server draining
 * (responses then carry `Connection: close`), ends the event streams (SSE: they never finish on
 * their own; their clients reconnect elsewhere), and resolves once every other request in
 * flight has finished, or after `ms` at the latest.
 */
export interface Drain {
  /** counts `req` until its response closes */
  track(req: IncomingMessage, res: ServerResponse): void;
  readonly draining: boolean;
  start(ms: number): Promise<DrainResult>;
}

/** A request for an event stream (GraphQL over SSE), told by its Accept header. */
export function isEventStream(req: IncomingMessage): boolean {
  return req.headers.accept?.includes('text/event-stream') ?? false;
}

export function createDrain(options: { setTimer?: (fn: () => void, ms: number) => () => void } = {}): Drain {
  const {
    setTimer = (fn, ms) => {
      const timer = setTimeout(fn, ms);
      return () => clearTimeout(timer);
    },
  } = options;
  const requests = new Set<ServerResponse>();
  const streams = new Set<IncomingMessage>();
  let draining = false;
  let finished = 0;
  let onIdle: (() => void) | null = null;

  return {
    get draining() {
      return draining;
    },
    track(req, res) {
      if (draining) res.setHeader('connection', 'close');
      const stream = isEventStream(req);
      if (stream) streams.add(req);
      else requests.add(res);
      res.once('close', () => {
        if (stream) return void streams.delete(req);
        requests.delete(res);
        if (!draining) return;
        finished++;
        if (requests.size === 0) onIdle?.();
      });
    },
    async start(ms) {
      draining = true;
      const streamsEnded = streams.size;
      for (const req of streams) req.socket.destroy();
      streams.clear();
      if (requests.size > 0) {
        await new Promise<void>((resolve) => {
          const cancel = setTimer(() => resolve(), ms);
          onIdle = () => {
            cancel();
            resolve();
          };
        });
      }
      onIdle = null;
      return { finished, cut: requests.size, streamsEnded };
    },
  };
}
