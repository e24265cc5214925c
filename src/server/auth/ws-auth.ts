import { connectionInitToken } from '../../auth/credentials.js';
import { isAuthError } from '../../auth/errors.js';
import { mayRenew, msUntilExpiry, type Identity, type TokenIdentity } from '../../domain/identity.js';
import type { Logger } from '../../logger.js';
import { WsCloseCode } from '../fanout/close-codes.js';
import { ConnectionRefused, type AuthenticateConnection, type ConnectionControl } from '../fanout/policy.js';
import type { ClientAuth, Timers } from './client-auth.js';
import { clientKey } from './connection-limiter.js';

/** The longest delay `setTimeout` takes; a later expiry is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The credentials of one live connection: closed with 4403 when they expire, unless renewed
 * first with a token of the same subject (`authenticate` on the same socket). Renewal changes
 * nothing the connection sees (the scope stays), so its subscriptions go on untouched.
 */
class ConnectionCredentials {
  private timer: unknown = null;
  private disposed = false;

  constructor(
    private identity: Identity,
    private readonly now: () => number,
    private readonly timers: Timers,
    private readonly control: ConnectionControl,
  ) {
    this.arm();
  }

  /** Replaces the identity when it may (same subject, same scope); false when it may not. */
  renew(next: TokenIdentity): boolean {
    if (this.disposed || !mayRenew(this.identity, next)) return false;
    this.identity = next;
    this.arm();
    return true;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    const left = msUntilExpiry(this.identity, this.now());
    if (!Number.isFinite(left)) return;
    this.timer = this.timers.setTimeout(() => this.check(), Math.min(Math.max(left, 0), MAX_TIMER_MS));
  }

  private check(): void {
    this.timer = null;
    if (this.disposed) return;
    if (msUntilExpiry(this.identity, this.now()) > 0) return this.arm();
    this.dispose();
    this.control.close(WsCloseCode.Forbidden, 'Token expired: reconnect with a fresh token, or renew it before it expires with the authenticate mutation');
  }
}

/** The slot of a connection when `MAX_CONNECTIONS_PER_CLIENT` is 0 (no cap). */
const uncounted = (): void => {};

/**
 * The context of every anonymous connection: it has no token to renew (`authenticate` on it is
 * refused, as `mayRenew` refuses an anonymous identity) and nothing expires.
 */
const ANONYMOUS_CONTEXT = Object.freeze({ renewConnection: (_identity: TokenIdentity): boolean => false });

/**
 * Client authentication on the GraphQL WebSocket, at `connection_init`: the token of the
 * payload's `authorization` (or of the upgrade's `Authorization` header) is verified (a bad or
 * expired one closes the socket with 4403), the connection counts against
 * `MAX_CONNECTIONS_PER_CLIENT` (over it: 1008), and its expiry is watched.
 */
export function createWsAuthenticator(options: { auth: ClientAuth; logger?: Logger }): AuthenticateConnection {
  const { auth, logger } = options;
  return async (connection, control) => {
    let found: Awaited<ReturnType<ClientAuth['identify']>>;
    try {
      found = await auth.identify(connectionInitToken(connection.connectionParams, connection.request.headers.authorization));
    } catch (error) {
      if (!isAuthError(error)) throw error;
      logger?.info({ reason: error.reason, detail: error.detail }, 'client token refused at connection_init');
      throw new ConnectionRefused(WsCloseCode.Forbidden, error.message);
    }
    // without a cap nothing is counted: the peer's address is not even looked up
    const release = auth.connections.max === 0 ? uncounted : auth.connections.acquire(clientKey(found.identity, connection.request.socket.remoteAddress));
    if (release === null) {
      throw new ConnectionRefused(WsCloseCode.PolicyViolation, `Too many connections: at most ${auth.connections.max} per client`);
    }
    // nothing to watch or renew: no per-connection state beyond the limiter's slot
    if (found.identity.kind === 'anonymous') return { viewer: found.viewer, context: ANONYMOUS_CONTEXT, release };
    const credentials = new ConnectionCredentials(found.identity, auth.now, auth.timers, control);
    return {
      viewer: found.viewer,
      context: { renewConnection: (identity: TokenIdentity) => credentials.renew(identity) },
      release: () => {
        credentials.dispose();
        release();
      },
    };
  };
}
