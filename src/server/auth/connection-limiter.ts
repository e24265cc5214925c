import type { Identity } from '../../domain/identity.js';
import { createChangeListeners, type Watch } from '../../change-listeners.js';

/** The `extensions.code` (SSE, HTTP 429) and close reason (WebSocket) of a connection over the cap. */
export const TOO_MANY_CONNECTIONS = 'TOO_MANY_CONNECTIONS';

export interface ConnectionLimiter {
  /** A slot for one more connection of `client`: the function that gives it back (idempotent), or null over the cap. */
  acquire(client: string): (() => void) | null;
  /** open connections of one client */
  count(client: string): number;
  readonly max: number;
  /** calls `listener` after each slot taken or given back */
  watch: Watch;
}

/**
 * `MAX_CONNECTIONS_PER_CLIENT`: open WebSockets and SSE streams per client, shared by both
 * transports. 0 means no cap (nothing is counted).
 */
export function createConnectionLimiter(options: { max: number }): ConnectionLimiter {
  const { max } = options;
  if (!Number.isSafeInteger(max) || max < 0) throw new Error(`connections per client: expected 0 (no cap) or a positive integer, got ${max}`);
  const open = new Map<string, number>();
  const noop = (): void => {};
  const changes = createChangeListeners();
  return {
    max,
    count: (client) => open.get(client) ?? 0,
    watch: changes.watch,
    acquire(client) {
      if (max === 0) return noop;
      const now = open.get(client) ?? 0;
      if (now >= max) return null;
      open.set(client, now + 1);
      changes.changed();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(client) ?? 1) - 1;
        if (left <= 0) open.delete(client);
        else open.set(client, left);
        changes.changed();
      };
    },
  };
}

/** Who a connection counts against: a signed-in subject, or the IP address of an anonymous client. */
export function clientKey(identity: Identity, remoteAddress: string | undefined): string {
  return identity.kind === 'anonymous' ? `ip:${remoteAddress ?? 'unknown'}` : `subject:${identity.subject}`;
}
