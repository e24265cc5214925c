import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Served {
  server: Server;
  /** http://127.0.0.1:port */
  base: string;
  /** ws://127.0.0.1:port/ */
  wsUrl: string;
  close(): Promise<void>;
}

/**
 * An HTTP server on a free loopback port: `handler` answers requests (404 when it leaves one
 * unanswered by returning false), `attach` adds upgrade handling.
 */
export async function serveOnLoopback(
  handler: (req: Parameters<RequestListener>[0], res: Parameters<RequestListener>[1]) => boolean = () => false,
  attach?: (server: Server) => void,
): Promise<Served> {
  const server = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(404).end();
  });
  attach?.(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    base: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** What a test started, disposed in reverse order by `disposeAll()` in afterEach. */
export function disposerList(): { add(dispose: () => unknown): void; disposeAll(): Promise<void> } {
  const disposers: Array<() => unknown> = [];
  return {
    add: (dispose) => void disposers.push(dispose),
    async disposeAll() {
      for (const dispose of disposers.splice(0).reverse()) await dispose();
    },
  };
}
