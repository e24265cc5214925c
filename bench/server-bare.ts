import WebSocket from 'ws';
import { serveVariant } from './server-harness.js';

/** The least a process can do with the feed: a ws client that counts messages (probe only). */
serveVariant(async (upstreamUrl) => {
  let frames = 0;
  const ws = new WebSocket(upstreamUrl, { perMessageDeflate: false });
  await new Promise((resolve) => ws.once('open', resolve));
  ws.on('message', () => {
    frames++;
  });
  for (const channel of ['prices-v1', 'price-changes-v1']) ws.send(JSON.stringify({ action: 'subscribe', channel }));
  return { wsUrl: 'ws://127.0.0.1:1/', counters: () => ({ executions: 0, frames }), async stop() { ws.terminate(); } };
});
