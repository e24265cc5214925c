import { closeSync, openSync, readSync } from 'node:fs';
import { WebSocket } from 'ws';
import type { PriceFilter } from '../src/domain/price.js';
import { monoMs, serveCommands } from './child.js';
import { expectedCount, filterTable, loadFeed, realPaceFeed, seqFromBid, type FeedChannel, type FeedFrame, type FilterTable } from './feed.js';
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
  index: number;
  lastSeq: number;
  /** acknowledged and subscribed (again, after a reconnect) */
  subscribed: boolean;
  /** failed reconnect attempts since it was last subscribed */
  attempt: number;
  /** resolves the initial connect */
  onAck: (() => void) | null;
}

/** How clients retry after the server went away: exponential with full jitter, as graphql-ws clients do. */
export interface RetryPolicy {
  baseMs: number;
  capMs: number;
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

const ID_NEEDLES = [Buffer.from('"priceUpdated":{"id":"'), Buffer.from('"priceChanged":{"id":"')];
/** where each field's messages carry the sequence number: the bid of a price, the monthly volatility of a change */
const SEQ_NEEDLES = [Buffer.from('"bid":"'), Buffer.from('"monthlyVolatility":"')];
const QUOTE = 0x22;
const MAX_SAMPLES = 24_000_000;

const recordedFeed = loadFeed();
let feed: FeedFrame[] = recordedFeed;
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

function onControl(client: Client, data: Buffer): void {
  let message: { type?: string; payload?: unknown };
  try {
    message = JSON.parse(data.toString()) as typeof message;
  } catch {
    checks.unreadable++;
    return;
  }
  if (message.type === 'connection_ack') return onAck(client);
  if (message.type === 'ping') return void client.ws.send('{"type":"pong"}');
  if (message.type === 'pong') return;
  if (message.type === 'complete') checks.completes++;
  else checks.errors++;
  checks.firstError ??= data.toString().slice(0, 300);
}

function onData(client: Client, data: Buffer): void {
  const at = monoMs();
  let field = 0;
  let idAt = data.indexOf(ID_NEEDLES[0]!);
  if (idAt < 0) {
    field = 1;
    idAt = data.indexOf(ID_NEEDLES[1]!);
  }
  if (idAt < 0) return onControl(client, data);
  const keyStart = idAt + ID_NEEDLES[field]!.length;
  const keyEnd = data.indexOf(QUOTE, keyStart);
  const seqAt = data.indexOf(SEQ_NEEDLES[field]!, keyEnd);
  const seqStart = seqAt + SEQ_NEEDLES[field]!.length;
  const seq = keyEnd < 0 || seqAt < 0 ? -1 : seqFromBid(data, seqStart, data.indexOf(QUOTE, seqStart));
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
  if (sampling) keep(seq, at, client.index);
}

interface Setup {
  url: string;
  /** the operation of each filter (index as in `filters`) */
  queries: string[];
  filters: PriceFilter[];
  /** the channel each filter's field follows @default prices-v1 */
  channels?: FeedChannel[];
  /** source addresses to spread the clients over (127.0.0.0/8) @default the system's choice */
  localAddresses?: string[];
  /** reconnect after the server went away @default never */
  retry?: RetryPolicy;
}

let setup: Setup | null = null;
/** reconnect storm: when it began, clients back since, and when the last came back */
const storm = { active: false, since: 0, back: 0, lastBackAt: 0 };

function onAck(client: Client): void {
  client.ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: setup!.queries[client.spec.filter], variables: { filter: setup!.filters[client.spec.filter] } } }));
  if (!client.subscribed && storm.active) {
    storm.back++;
    storm.lastBackAt = monoMs();
  }
  client.subscribed = true;
  client.attempt = 0;
  if (client.spec.pause) client.ws.pause();
  const resolve = client.onAck;
  client.onAck = null;
  resolve?.();
}

function open(client: Client): void {
  const { url, localAddresses } = setup!;
  const localAddress = localAddresses?.length ? localAddresses[client.index % localAddresses.length] : undefined;
  const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false, skipUTF8Validation: true, ...(localAddress ? { localAddress } : {}) });
  client.ws = ws;
  ws.on('open', () => ws.send('{"type":"connection_init"}'));
  ws.on('message', (data: Buffer) => onData(client, data));
  ws.on('error', (error) => {
    if (!storm.active) checks.firstError ??= `client ${client.index}: ${error.message}`;
  });
  ws.on('close', (code, reason) => {
    if (stopping || client.ws !== ws) return;
    const wasSubscribed = client.subscribed;
    client.subscribed = false;
    const retry = setup!.retry;
    if (retry && client.onAck === null) {
      // full jitter: a uniform wait up to the exponential bound
      const bound = Math.min(retry.capMs, retry.baseMs * 2 ** client.attempt++);
      setTimeout(() => open(client), Math.random() * bound);
      return;
    }
    if (wasSubscribed || client.onAck !== null) {
      if (client.spec.designated) checks.closed.designated++;
      else checks.closed.healthy++;
      checks.firstError ??= `client ${client.index} closed by the server: ${code} ${reason.toString()}`;
    }
  });
}

function connect(spec: ClientSpec, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const client: Client = { ws: null as unknown as WebSocket, spec, index: clients.length, lastSeq: -1, subscribed: false, attempt: 0, onAck: null };
    clients.push(client);
    const timer = setTimeout(() => {
      client.onAck = null;
      client.ws.terminate();
      reject(new Error(`client ${client.index}: expected connection_ack within ${timeoutMs} ms`));
    }, timeoutMs);
    client.onAck = () => {
      clearTimeout(timer);
      resolve();
    };
    open(client);
    client.ws.once('close', (code) => {
      if (client.onAck === null) return;
      client.onAck = null;
      clearTimeout(timer);
      reject(new Error(`client ${client.index}: closed (${code}) before connection_ack`));
    });
  });
}

serveCommands({
  async setup(args: Setup & { query?: string; specs: ClientSpec[]; sendTimesPath: string; concurrency: number; realPace?: boolean }) {
    const queries = args.queries ?? args.filters.map(() => args.query!);
    setup = { ...args, queries };
    feed = args.realPace ? realPaceFeed(recordedFeed) : recordedFeed;
    table = filterTable(feed, args.filters, args.channels);
    sendTimesPath = args.sendTimesPath;
    const started = monoMs();
    let next = 0;
    let failed = 0;
    const worker = async (): Promise<void> => {
      while (next < args.specs.length) {
        const spec = args.specs[next++]!;
        await connect(spec, 20_000).catch(() => void failed++);
      }
    };
    await Promise.all(Array.from({ length: Math.min(args.concurrency, args.specs.length) }, worker));
    return { connected: args.specs.length - failed, failed, ms: monoMs() - started, total: clients.filter((c) => c.subscribed).length };
  },
  /** From now on, count the clients that come back after the server went away. */
  'storm-start'() {
    storm.active = true;
    storm.since = monoMs();
    storm.back = 0;
    storm.lastBackAt = 0;
  },
  'storm-status'() {
    const subscribed = clients.filter((c) => c.subscribed).length;
    return { clients: clients.length, subscribed, back: storm.back, lastBackMs: storm.lastBackAt > 0 ? storm.lastBackAt - storm.since : null };
  },
  'storm-end'() {
    storm.active = false;
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
    for (const client of clients) client.ws?.terminate();
    setTimeout(() => process.exit(0), 20);
  },
});
