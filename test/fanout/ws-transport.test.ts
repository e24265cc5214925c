import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { Transport } from '../../src/server/fanout/outbox.js';
import type { ProtocolConnection, ProtocolServer } from '../../src/server/fanout/protocol-server.js';
import { TextFrame } from '../../src/server/fanout/text-frame.js';
import { attachWsTransport, type WsTransport } from '../../src/server/fanout/ws-transport.js';
import { AsyncQueue, within } from '../helpers/queue.js';

/** The server side of each accepted socket: its transport, and how many writes reached its TCP socket. */
interface Accepted {
  transport: Transport;
  writes: () => number;
}

interface Harness {
  url: string;
  accepted: AsyncQueue<Accepted>;
  messages: AsyncQueue<string>;
  ws: WsTransport;
}

const running: Array<{ server: Server; ws: WsTransport }> = [];

async function start(options: { keepAliveMs?: number } = {}): Promise<Harness> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new AsyncQueue<Accepted>();
  const messages = new AsyncQueue<string>();
  const protocol: ProtocolServer = {
    subscriptions: 0,
    opened(transport, { socket }) {
      const raw = (socket as { _socket: Duplex })._socket;
      let writes = 0;
      const write = raw.write.bind(raw) as (chunk: unknown) => boolean;
      raw.write = ((chunk: unknown) => {
        writes++;
        return write(chunk);
      }) as typeof raw.write;
      accepted.push({ transport, writes: () => writes });
      return {
        outbox: null,
        async message(data: string) {
          messages.push(data);
        },
        tooLarge() {},
        fail() {},
        closed() {},
      } as unknown as ProtocolConnection;
    },
  };
  const ws = attachWsTransport({ server, path: '/graphql', protocol, keepAliveMs: options.keepAliveMs ?? 0 });
  running.push({ server, ws });
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, accepted, messages, ws };
}

function connect(url: string, options: WebSocket.ClientOptions = {}): { client: WebSocket; frames: AsyncQueue<string>; closed: Promise<number> } {
  const client = new WebSocket(url, 'graphql-transport-ws', options);
  const frames = new AsyncQueue<string>();
  client.on('message', (data) => frames.push(String(data)));
  const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
  return { client, frames, closed };
}

afterEach(async () => {
  for (const { server, ws } of running.splice(0)) {
    await ws.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('ws transport', () => {
  it('frames written in one turn reach the socket in one write, in order, and a text message after them stays after them', async () => {
    const h = await start();
    const { client, frames } = connect(h.url);
    const { transport, writes } = await within(h.accepted.shift(), 5000, 'the connection');
    const before = writes();
    for (let i = 1; i <= 3; i++) transport.write(new TextFrame([`{"n":${i}}`]));
    expect(transport.bufferedAmount).toBe(0);
    transport.write('{"n":4}');
    transport.write(new TextFrame(['{"n":5}']));
    expect(await within(frames.until((f) => f === '{"n":5}'), 5000, 'five frames')).toEqual(['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}', '{"n":5}']);
    // 1–3 in one write, 4 framed by ws (its header and its text), 5 held to the end of the turn
    expect(writes() - before).toBe(4);
    client.close();
  });

  it('frames of separate turns arrive, each turn flushed by itself', async () => {
    const h = await start();
    const { client, frames } = connect(h.url);
    const { transport } = await within(h.accepted.shift(), 5000, 'the connection');
    for (let turn = 0; turn < 3; turn++) {
      transport.write(new TextFrame([`{"turn":${turn}}`]));
      expect(await within(frames.shift(), 5000, `turn ${turn}`)).toBe(`{"turn":${turn}}`);
    }
    client.close();
  });

  it('keeps pinging a client that answers, and drops one that does not', async () => {
    const h = await start({ keepAliveMs: 120 });
    const answering = connect(h.url);
    const pings = new AsyncQueue<number>();
    answering.client.on('ping', () => pings.push(Date.now()));
    const silent = connect(h.url, { autoPong: false });
    await within(h.accepted.shift(), 5000, 'the first connection');
    const second = await within(h.accepted.shift(), 5000, 'the second connection');
    // frames to the silent client do not stand in for its pong
    second.transport.write(new TextFrame(['{"n":1}']));
    expect(await within(silent.closed, 5000, 'the silent client dropped')).toBe(1006);
    for (let i = 0; i < 3; i++) await within(pings.shift(), 5000, `ping ${i + 1}`);
    expect(answering.client.readyState).toBe(WebSocket.OPEN);
    answering.client.close();
  });

  it('a ping due while frames go out rides in their write', async () => {
    const h = await start({ keepAliveMs: 1200 });
    const { client, frames } = connect(h.url);
    const pinged = new AsyncQueue<void>();
    client.on('ping', () => pinged.push());
    const { transport, writes } = await within(h.accepted.shift(), 5000, 'the connection');
    const before = writes();
    let n = 0;
    // a frame every few ms (each in a turn of its own) until two pings arrived
    const writer = setInterval(() => transport.write(new TextFrame([`{"n":${++n}}`])), 2);
    try {
      await within(pinged.shift(), 5000, 'a ping');
      await within(pinged.shift(), 5000, 'a second ping');
    } finally {
      clearInterval(writer);
    }
    const received = await within(frames.find((f) => f === `{"n":${n}}`), 5000, 'the last frame');
    expect(received).toBe(`{"n":${n}}`);
    expect(frames.all).toEqual(Array.from({ length: n }, (_, i) => `{"n":${i + 1}}`));
    // one write per turn, each with one frame: no ping needed a write of its own
    expect(writes() - before).toBe(n);
    expect(client.readyState).toBe(WebSocket.OPEN);
    client.close();
  });
});
