import type { Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { listen } from './listen.js';

/**
 * The gateway's port, bound before the gateway has loaded (its modules and schema take a while
 * to load): connections made meanwhile wait, unread, instead of being refused, so clients
 * reconnecting after a restart are not pushed into longer backoffs by a closed port. The HTTP
 * server takes over the port and every waiting connection once it is ready.
 */
export interface HeldPort {
  readonly port: number;
  /** The server takes the listening socket and the connections that waited; resolves once it listens. */
  handOver(server: HttpServer): Promise<AddressInfo>;
  /** Closes the port and drops the waiting connections (start-up failed). */
  close(): void;
}

/** Binds `port` on `host` (0: any free one); rejects with listen()'s StartupError when it cannot. */
export async function holdPort(port: number, host: string, options: { onWaiting?: (waiting: number) => void } = {}): Promise<HeldPort> {
  const waiting = new Set<Socket>();
  function gone(this: Socket): void {
    waiting.delete(this);
  }
  // a client that gave up resets the connection: nothing to report
  const ignore = (): void => {};
  const early = createServer({ pauseOnConnect: true }, (socket) => {
    waiting.add(socket);
    socket.on('close', gone);
    socket.on('error', ignore);
    options.onWaiting?.(waiting.size);
  });
  const address = await listen(early as unknown as HttpServer, port, host);
  let handedOver = false;
  return {
    port: address.port,
    async handOver(server) {
      if (handedOver) throw new Error('holdPort: the port was already handed over');
      handedOver = true;
      early.removeAllListeners('connection');
      // the same listening socket: the server accepts from here on
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(early, () => {
          server.off('error', reject);
          resolve();
        });
      });
      for (const socket of waiting) {
        socket.off('close', gone);
        socket.off('error', ignore);
        if (socket.destroyed) continue;
        server.emit('connection', socket);
        socket.resume();
      }
      waiting.clear();
      return server.address() as AddressInfo;
    },
    close() {
      for (const socket of waiting) socket.destroy();
      waiting.clear();
      if (!handedOver) early.close();
    },
  };
}
