import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on `port` (0 = any free one) and `host`; rejects when the port cannot be bound. */
export async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
