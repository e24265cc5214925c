import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reasonOf, StartupError } from './startup-error.js';

/**
 * Connections the kernel may queue before they are accepted (capped by `net.core.somaxconn`).
 * Node's default is 511: in a reconnect storm of thousands of clients, or while a restarting
 * gateway is still loading, a full queue drops SYNs, and a client's TCP stack retries those only
 * after 1, 3, 7, 15 and 31 seconds, so a few clients would come back far later than the rest.
 */
export const LISTEN_BACKLOG = 4096;

/** Listens on `port` (0 = any free one) and `host`; rejects with a StartupError naming both when the port cannot be bound. */
export async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException): void => {
      const where = `port ${port} on ${host}`;
      const message =
        error.code === 'EADDRINUSE'
          ? `${where} is already in use; stop what listens there or set PORT to a free port`
          : error.code === 'EACCES'
            ? `${where} may not be bound by this user (EACCES); use a port above 1023 or set HOST`
            : error.code === 'EADDRNOTAVAIL'
              ? `${where} cannot be bound: ${host} is not an address of this machine (EADDRNOTAVAIL)`
              : `${where} cannot be bound: ${reasonOf(error)}`;
      reject(new StartupError(message, { cause: error }));
    };
    server.once('error', fail);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', fail);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
