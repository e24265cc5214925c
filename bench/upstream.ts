import { closeSync, openSync, writeSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { monoMs, serveCommands } from './child.js';
import { ensureFeed, frameText, realPaceFeed, REAL_PACE_CYCLE_S, type FeedFrame } from './feed.js';

/**
 * The bench upstream: speaks the Bitpanda price protocol (subscribe actions answered with
 * success, `prices-v1` data frames) and replays the recorded feed at a fixed rate to every
 * connection subscribed to `prices-v1`. Frame `seq` carries its number in the bid's digits; the
 * time it was handed to the socket (shared monotonic clock, ms) is written as a float64 at byte
 * `seq * 8` of the send-times file, which the load generators read after each window.
 */
const recorded = await ensureFeed();
const real = realPaceFeed(recorded);
/** what is replayed: the recorded feed at `rate`, or one real-pace cycle (both channels) every 15 s */
let feed: FeedFrame[] = recorded;
const TICK_MS = 2;
/** Behind schedule by more than this many frames, the schedule restarts instead of bursting. */
const MAX_BEHIND = 50;

let wss: WebSocketServer | null = null;
let sendTimes = -1;
let rate = 1_000;
let stalled = true;
let nextSeq = 0;
let baseSeq = 0;
let baseTime = 0;
let slips = 0;
const subscribers = new Set<WebSocket>();
const changeSubscribers = new Set<WebSocket>();

function rebase(): void {
  baseSeq = nextSeq;
  baseTime = monoMs();
}

function tick(): void {
  if (stalled || subscribers.size === 0) return;
  const due = baseSeq + Math.floor(((monoMs() - baseTime) * rate) / 1_000);
  let n = due - nextSeq;
  if (n <= 0) return;
  if (n > MAX_BEHIND) {
    slips++;
    n = MAX_BEHIND;
  }
  const times = new Float64Array(n);
  const seconds = Math.floor(Date.now() / 1_000);
  for (let i = 0; i < n; i++) {
    const text = frameText(feed, nextSeq + i, seconds);
    times[i] = monoMs();
    for (const ws of feed[(nextSeq + i) % feed.length]!.channel === 'prices-v1' ? subscribers : changeSubscribers) ws.send(text);
  }
  writeSync(sendTimes, Buffer.from(times.buffer), 0, n * 8, nextSeq * 8);
  nextSeq += n;
  if (n === MAX_BEHIND) rebase();
}

function onConnection(ws: WebSocket): void {
  ws.on('message', (data) => {
    let message: { action?: unknown; channel?: unknown };
    try {
      message = JSON.parse(data.toString()) as typeof message;
    } catch {
      return void ws.send(JSON.stringify({ error: 'invalid message: expected a JSON object' }));
    }
    const { action, channel } = message;
    if ((action !== 'subscribe' && action !== 'unsubscribe') || (channel !== 'prices-v1' && channel !== 'price-changes-v1')) {
      return void ws.send(JSON.stringify({ action, channel, error: 'action or channel not supported' }));
    }
    if (channel === 'prices-v1') {
      if (action === 'subscribe') {
        // the schedule starts with the first subscriber, not at the last frame sent to nobody
        if (subscribers.size === 0) rebase();
        subscribers.add(ws);
      } else subscribers.delete(ws);
    } else if (action === 'subscribe') changeSubscribers.add(ws);
    else changeSubscribers.delete(ws);
    ws.send(JSON.stringify({ action, channel, status: 'success' }));
  });
  ws.on('close', () => {
    subscribers.delete(ws);
    changeSubscribers.delete(ws);
  });
  ws.on('error', () => undefined);
}

serveCommands({
  async start(args: { rate: number; sendTimesPath: string }) {
    rate = args.rate;
    sendTimes = openSync(args.sendTimesPath, 'w+');
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    wss.on('connection', onConnection);
    await new Promise<void>((resolve) => wss!.once('listening', () => resolve()));
    setInterval(tick, TICK_MS);
    return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`, feedFrames: feed.length };
  },
  /** `recorded` at `rate` frames/s, or `real`: Bitpanda's pace on both channels (rate follows from the feed). */
  mode(args: { feed: 'recorded' | 'real'; rate?: number }) {
    feed = args.feed === 'real' ? real : recorded;
    rate = args.feed === 'real' ? real.length / REAL_PACE_CYCLE_S : (args.rate ?? rate);
    rebase();
    return { rate, feedFrames: feed.length };
  },
  stall(args: { stalled: boolean }) {
    if (stalled && !args.stalled) rebase();
    stalled = args.stalled;
  },
  /** The next sequence number to be sent: every frame below it has been handed to the sockets. */
  seq() {
    const cpu = process.cpuUsage();
    return { seq: nextSeq, at: monoMs(), cpuUs: cpu.user + cpu.system, slips, subscribers: subscribers.size };
  },
  stop() {
    for (const ws of wss?.clients ?? []) ws.terminate();
    wss?.close();
    if (sendTimes >= 0) closeSync(sendTimes);
    setTimeout(() => process.exit(0), 20);
  },
});
