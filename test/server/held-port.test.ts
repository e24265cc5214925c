import { createServer, request, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { holdPort } from '../../src/held-port.js';
import { StartupError } from '../../src/startup-error.js';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('holdPort', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const done of cleanup.splice(0)) done();
  });

  it('keeps connections made before the server is ready and hands them over with the port', async () => {
    let bothWaiting!: () => void;
    const waited = new Promise<void>((resolve) => (bothWaiting = resolve));
    const held = await holdPort(0, '127.0.0.1', { onWaiting: (n) => n === 2 && bothWaiting() });
    let connections = 0;
    const server: Server = createServer((req, res) => res.end(`served ${req.url}`));
    server.on('connection', () => connections++);
    cleanup.push(() => {
      server.closeAllConnections();
      server.close();
    });
    const early = [get(held.port, '/a'), get(held.port, '/b')];
    // both connections wait on the port before any server handles it
    await waited;
    const address = await held.handOver(server);
    expect(address.port).toBe(held.port);
    expect(await Promise.all(early)).toEqual([
      { status: 200, body: 'served /a' },
      { status: 200, body: 'served /b' },
    ]);
    expect(await get(held.port, '/later')).toEqual({ status: 200, body: 'served /later' });
    expect(connections).toBe(3);
  });

  it('refuses a port in use with the same StartupError as listen', async () => {
    const held = await holdPort(0, '127.0.0.1');
    cleanup.push(() => held.close());
    const second = holdPort(held.port, '127.0.0.1');
    await expect(second).rejects.toBeInstanceOf(StartupError);
    await expect(second).rejects.toThrow(`port ${held.port} on 127.0.0.1 is already in use`);
  });
});
