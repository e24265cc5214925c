import { closeSync, openSync, readSync } from 'node:fs';
import { WebSocket } from 'ws';
import type { PriceFilter } from '../src/domain/price.js';
import { monoMs, serveCommands } from './child.js';
import { expectedCount, filterTable, loadFeed, seqFromBid, type FilterTable } from './feed.js';
import { createHistogram, record, type Histogram } from './histogram.js';
import type { ClientSpec } from './scenarios.js';

/**
 * A load generator: many graphql-transport-ws clients on plain `ws` in one process. Each sends
 * connection_init, then one subscribe, and checks every `next` it gets: the pair must be the one
 * the upstream sent under that sequence number, selected by the client's filter, and sequence
 * numbers must rise. Receipt times (shared monotonic clock) are kept per message and turned into
 * latencies after the window, against the upstream's send-times file.
 */
interface Client {
  ws: WebSocket;
  spec: ClientSpec;
  lastSeq: number;
  subscribed: boolean;
}

export interface Checks {
  wrongPair: number;
  notSelected: number;
  outOfOrder: number;
  unreadable: number;
  errors: number;
  completes: number;
  closed: { healthy: number; designated: number };
  firstError: string | null;
}

export interface Collected {
  latency: Histogram;
  /** messages of the sequence window received by the end of the drain */
  received: { healthy: number; designated: number };
  expected: { healthy: number; designated: number };
  missingSendTimes: number;
  checks: Checks;
}

const ID_NEEDLE = Buffer.from('"priceUpdated":{"id":"');
const BID_NEEDLE = Buffer.from('"bid":"');
const QUOTE = 0x22;
const MAX_SAMPLES = 24_000_000;

const feed = loadFeed();
let table: FilterTable | null = null;
let sendTimesPath = '';
const clients: Client[] = [];
const checks: Checks = {
  wrongPair: 0, notSelected: 0, outOfOrder: 0, unreadable: 0, errors: 0, completes: 0,
  closed: { healthy: 0, designated: 0 }, firstError: null,
};
let stopping = false;

// receipts kept from window start to collect: sequence number, time, client index
let sampling = false;
let samples = 0;
let seqs = new Uint32Array(1 << 20);
let times = new Float64Array(1 << 20);
let owners = new Uint32Array(1 << 20);
let inWindow = false;
let windowMessages = 0;
let windowStart = { t0: 0, cpu: process.cpuUsage() };

function keep(seq: number, at: number, owner: number): void {
  if (samples === seqs.length) {
    if (samples >= MAX_SAMPLES) return;
    const grow = <T extends Uint32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    seqs = grow(seqs);
    times = grow(times);
    owners = grow(owners);
  }
  seqs[samples] = seq;
  times[samples] = at;
  owners[samples++] = owner;
}

function onControl(client: Client, data: Buffer, onAck: () => void): void {
  let message: { type?: string; payload?: unknown };
  try {
    message = JSON.parse(data.toString()) as typeof message;
  } catch {
    checks.unreadable++;
    return;
  }
  if (message.type === 'connection_ack') return onAck();
  if (message.type === 'ping') return void client.ws.send('{"type":"pong"}');
  if (message.type === 'pong') return;
  if (message.type === 'complete') checks.completes++;
  else checks.errors++;
  checks.firstError ??= data.toString().slice(0, 300);
}

function onData(client: Client, index: number, data: Buffer, onAck: () => void): void {
  const at = monoMs();
  const idAt = data.indexOf(ID_NEEDLE);
  if (idAt < 0) return onControl(client, data, onAck);
  const keyStart = idAt + ID_NEEDLE.length;
  const keyEnd = data.indexOf(QUOTE, keyStart);
  const bidAt = data.indexOf(BID_NEEDLE, keyEnd);
  const bidStart = bidAt + BID_NEEDLE.length;
  const seq = keyEnd < 0 || bidAt < 0 ? -1 : seqFromBid(data, bidStart, data.indexOf(QUOTE, bidStart));
  if (seq < 0) {
    checks.unreadable++;
    return;
  }
  const position = seq % feed.length;
  if (data.toString('latin1', keyStart, keyEnd) !== feed[position]!.key) checks.wrongPair++;
  if (table!.matches[client.spec.filter]![position] !== 1) checks.notSelected++;
  // a repeated or older frame is a failed check, not a delivery
  if (seq <= client.lastSeq) {
    checks.outOfOrder++;
    return;
  }
  client.lastSeq = seq;
  if (inWindow) windowMessages++;
  if (sampling) keep(seq, at, index);
}

function connect(url: string, query: string, filters: PriceFilter[], spec: ClientSpec, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false, skipUTF8Validation: true });
    const client: Client = { ws, spec, lastSeq: -1, subscribed: false };
    const index = clients.push(client) - 1;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`client ${index}: expected connection_ack within ${timeoutMs} ms`));
    }, timeoutMs);
    const onAck = (): void => {
      clearTimeout(timer);
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: { filter: filters[spec.filter] } } }));
      client.subscribed = true;
      if (spec.pause) ws.pause();
      resolve();
    };
    ws.on('open', () => ws.send('{"type":"connection_init"}'));
    ws.on('message', (data: Buffer) => onData(client, index, data, onAck));
    ws.on('error', (error) => {
      checks.firstError ??= `client ${index}: ${error.message}`;
    });
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      if (stopping) return;
      if (spec.designated) checks.closed.designated++;
      else checks.closed.healthy++;
      checks.firstError ??= `client ${index} closed by the server: ${code} ${reason.toString()}`;
      reject(new Error(`client ${index}: closed (${code}) before connection_ack`));
    });
  });
}

serveCommands({
  async setup(args: { url: string; query: string; filters: PriceFilter[]; specs: ClientSpec[]; sendTimesPath: string; concurrency: number }) {
    table = filterTable(feed, args.filters);
    sendTimesPath = args.sendTimesPath;
    const started = monoMs();
    let next = 0;
    let failed = 0;
    const worker = async (): Promise<void> => {
      while (next < args.specs.length) {
        const spec = args.specs[next++]!;
        await connect(args.url, args.query, args.filters, spec, 20_000).catch(() => void failed++);
      }
    };
    await Promise.all(Array.from({ length: args.concurrency }, worker));
    return { connected: clients.length - failed, failed, ms: monoMs() - started };
  },
  'window-start'() {
    sampling = true;
    inWindow = true;
    windowMessages = 0;
    samples = 0;
    windowStart = { t0: monoMs(), cpu: process.cpuUsage() };
  },
  'window-end'() {
    inWindow = false;
    const cpu = process.cpuUsage(windowStart.cpu);
    return { messages: windowMessages, ms: monoMs() - windowStart.t0, cpuUs: cpu.user + cpu.system };
  },
  /** Latencies and counts for the frames of sequence range [s0, s1). */
  collect(args: { s0: number; s1: number }): Collected {
    sampling = false;
    const { s0, s1 } = args;
    const sent = Buffer.alloc((s1 - s0) * 8);
    const fd = openSync(sendTimesPath, 'r');
    readSync(fd, sent, 0, sent.length, s0 * 8);
    closeSync(fd);
    const sendTimes = new Float64Array(sent.buffer, sent.byteOffset, s1 - s0);
    const latency = createHistogram();
    const received = { healthy: 0, designated: 0 };
    let missingSendTimes = 0;
    for (let i = 0; i < samples; i++) {
      const seq = seqs[i]!;
      if (seq < s0 || seq >= s1) continue;
      if (clients[owners[i]!]!.spec.designated) {
        received.designated++;
        continue;
      }
      received.healthy++;
      const sentAt = sendTimes[seq - s0]!;
      if (sentAt === 0) missingSendTimes++;
      else record(latency, times[i]! - sentAt);
    }
    const expected = { healthy: 0, designated: 0 };
    for (const client of clients) {
      if (!client.subscribed) continue;
      const n = expectedCount(table!, client.spec.filter, s0, s1);
      if (client.spec.designated) expected.designated += n;
      else expected.healthy += n;
    }
    return { latency, received, expected, missingSendTimes, checks };
  },
  stop() {
    stopping = true;
    for (const client of clients) client.ws.terminate();
    setTimeout(() => process.exit(0), 20);
  },
});
