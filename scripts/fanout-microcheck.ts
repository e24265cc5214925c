/**
 * A quick CPU check of the shared fan-out (not the benchmark: see bench/). In one run:
 *   R0: a raw `ws` server writing one prepared frame to every socket (the floor);
 *   G1: the gateway, every socket subscribed to the same operation (one group).
 * Clients run in child processes; the server's CPU comes from process.cpuUsage() over the
 * feed window and is divided by the messages the clients counted.
 *
 *   npx tsx scripts/fanout-microcheck.ts [sockets=2000] [events=200] [clientProcesses=4]
 * With `node --expose-gc --import tsx` it also reports the heap per subscribed connection.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as wsModule from 'ws';
import WebSocket, { WebSocketServer } from 'ws';
import { priceMid, priceSpread } from '../src/domain/price.js';

const QUERY = `subscription { priceUpdated(filter: { pairs: [{ asset: "BTC", fiat: "EUR" }] }) { id type asset fiat ask bid mid spread time } }`;

type ToClient = { url: string; count: number; graphql: boolean } | { report: true } | { exit: true };
type FromClient = { ready: true } | { received: number; cpuMs: number };

async function runClient(): Promise<void> {
  const sockets: WebSocket[] = [];
  let received = 0;
  const start = process.cpuUsage();
  process.on('message', async (message: ToClient) => {
    if ('url' in message) {
      await Promise.all(
        Array.from({ length: message.count }, () =>
          new Promise<void>((resolve, reject) => {
            const ws = new WebSocket(message.url, message.graphql ? 'graphql-transport-ws' : undefined);
            sockets.push(ws);
            ws.on('error', reject);
            ws.on('message', (data) => {
              const text = String(data);
              if (text.includes('"next"')) received++;
              else if (text.includes('connection_ack')) {
                ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY } }));
                resolve();
              }
            });
            ws.on('open', () => (message.graphql ? ws.send('{"type":"connection_init"}') : resolve()));
          }),
        ),
      );
      process.send!({ ready: true } satisfies FromClient);
    } else if ('report' in message) {
      const cpu = process.cpuUsage(start);
      process.send!({ received, cpuMs: (cpu.user + cpu.system) / 1000 } satisfies FromClient);
    } else {
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    }
  });
}

interface Clients {
  ask(message: ToClient): Promise<FromClient[]>;
  stop(): void;
}

function startClients(processes: number): Clients {
  const children: ChildProcess[] = Array.from({ length: processes }, () =>
    fork(new URL(import.meta.url).pathname, ['client'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }),
  );
  return {
    ask: (message) =>
      Promise.all(children.map((c) => new Promise<FromClient>((resolve) => { c.once('message', (m) => resolve(m as FromClient)); c.send(message); }))),
    stop: () => children.forEach((c) => c.send({ exit: true } satisfies ToClient)),
  };
}

interface Result {
  variant: string;
  delivered: number;
  serverCpuMs: number;
  usPerMessage: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  clientCpuMs: number;
}

/** Feeds `events` at a steady pace, waits until every client counted them, and measures. */
async function measure(
  variant: string,
  clients: Clients,
  expected: number,
  emit: (i: number) => void,
  events: number,
): Promise<Result> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const before = (await clients.ask({ report: true })) as Array<{ received: number; cpuMs: number }>;
  const base = before.reduce((s, r) => s + r.received, 0);
  delay.enable();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < events; i++) {
    emit(i);
    await new Promise((r) => setTimeout(r, 5));
  }
  let after: Array<{ received: number; cpuMs: number }>;
  for (;;) {
    after = (await clients.ask({ report: true })) as typeof after;
    if (after.reduce((s, r) => s + r.received, 0) - base >= expected) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const cpu = process.cpuUsage(cpu0);
  delay.disable();
  const delivered = after.reduce((s, r) => s + r.received, 0) - base;
  const serverCpuMs = (cpu.user + cpu.system) / 1000;
  return {
    variant,
    delivered,
    serverCpuMs: Math.round(serverCpuMs),
    usPerMessage: Number(((serverCpuMs * 1000) / delivered).toFixed(2)),
    loopDelayP99Ms: Number((delay.percentile(99) / 1e6).toFixed(1)),
    loopDelayMaxMs: Number((delay.max / 1e6).toFixed(1)),
    clientCpuMs: Math.round(after.reduce((s, r) => s + r.cpuMs, 0) - before.reduce((s, r) => s + r.cpuMs, 0)),
  };
}

async function rawFloor(sockets: number, events: number, processes: number, sample: string): Promise<Result> {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients = startClients(processes);
  await clients.ask({ url, count: sockets / processes, graphql: false });
  const sender = (wsModule as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }).Sender;
  const warm = async (n: number) => measure('warm-up', clients, n * sockets, broadcast, n);
  function broadcast(i: number): void {
    const frame = sender.frame(Buffer.from(sample.replace('"ask":"', `"ask":"${i}`)), { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false });
    for (const ws of wss.clients) {
      const raw = (ws as unknown as { _socket: Duplex })._socket;
      raw.cork();
      for (const part of frame) raw.write(part);
      raw.uncork();
    }
  }
  await warm(20);
  const result = await measure('R0 raw ws, prepared frame', clients, events * sockets, broadcast, events);
  clients.stop();
  for (const ws of wss.clients) ws.terminate();
  await new Promise((r) => server.close(r));
  return result;
}

const gc = (globalThis as { gc?: () => void }).gc;
function heapUsed(): number {
  gc?.();
  return process.memoryUsage().heapUsed;
}

async function gateway(sockets: number, events: number, processes: number): Promise<{ result: Result; sample: string; executions: number; heapPerConnection: number | null }> {
  const { loadConfig } = await import('../src/config.js');
  const { createGateway } = await import('../src/gateway.js');
  const { silentLogger } = await import('../src/logger.js');
  const config = { ...loadConfig({}), port: 0, host: '127.0.0.1', databasePath: ':memory:', simulatorIntervalMs: 600_000 };
  const gw = createGateway({ config, logger: silentLogger });
  const server = await gw.start();
  await gw.priceSocket!.ready({ timeoutMs: 10_000 });
  const clients = startClients(processes);
  const heap0 = heapUsed();
  await clients.ask({ url: server.wsUrl, count: sockets / processes, graphql: true });
  while (gw.services!.metrics.value('graphql_subscription_members') < sockets) await new Promise((r) => setTimeout(r, 10));
  const heapPerConnection = gc ? Math.round((heapUsed() - heap0) / sockets) : null;
  const emit = (i: number): void => void gw.simulator!.prices.controls.emitPrice('BTC', 'EUR', { ask: `${65000 + i}.12345`, bid: '64000.54321' });
  await measure('warm-up', clients, 20 * sockets, emit, 20);
  const exec0 = gw.services!.metrics.total('graphql_subscription_executions_total');
  const result = await measure('G1 gateway, shared execution', clients, events * sockets, emit, events);
  const executions = gw.services!.metrics.total('graphql_subscription_executions_total') - exec0;
  const price = gw.services!.store.prices.getPrice('BTC:EUR')!;
  const sample = `{"id":"1","type":"next","payload":{"data":{"priceUpdated":{"id":"${price.id}","type":"${price.type}","asset":"BTC","fiat":"EUR","ask":"${price.ask}","bid":"${price.bid}","mid":"${priceMid(price)}","spread":"${priceSpread(price)}","time":"${new Date(price.time * 1000).toISOString()}"}}}}`;
  clients.stop();
  await gw.stop();
  return { result, sample, executions, heapPerConnection };
}

if (process.argv[2] === 'client') {
  await runClient();
} else {
  const [sockets = 2000, events = 200, processes = 4] = process.argv.slice(2).map(Number);
  const g1 = await gateway(sockets, events, processes);
  const r0 = await rawFloor(sockets, events, processes, g1.sample);
  console.table([r0, g1.result]);
  console.log(
    `message ~${g1.sample.length} bytes; executions per event (G1): ${(g1.executions / events).toFixed(2)}; G1/R0 CPU per message: ${(g1.result.usPerMessage / r0.usPerMessage).toFixed(2)}x` +
      (g1.heapPerConnection === null ? '' : `; JS heap per subscribed connection: ${g1.heapPerConnection} bytes`),
  );
  process.exit(0);
}
