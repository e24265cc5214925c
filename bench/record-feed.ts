import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import { startSimulator } from '../src/simulator/index.js';
import { DEFAULT_CATALOGUE, createMarket, seededRandom } from '../src/simulator/catalogue.js';

/** Where the recorded feed lives: one `prices-v1` frame per line, in the order the simulator sent them. */
export const FEED_PATH = fileURLToPath(new URL('./feed/prices-v1.jsonl', import.meta.url));

/**
 * Records `rounds` frames per pair of the default catalogue from the project's price simulator,
 * subscribed to the whole `prices-v1` channel, and writes them to `path`.
 */
export async function recordFeed(options: { path?: string; rounds?: number } = {}): Promise<number> {
  const { path = FEED_PATH, rounds = 4 } = options;
  const pairs = createMarket(DEFAULT_CATALOGUE, seededRandom()).pairs.length;
  const wanted = pairs * rounds;
  // 100 ticks per interval: the simulator staggers the pairs across them, as the upstream does
  const simulator = await startSimulator({ prices: { intervalMs: 1_000 } });
  const lines: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(simulator.wsUrl, { perMessageDeflate: false });
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`recordFeed: expected ${wanted} frames within 60 s, got ${lines.length}`));
      }, 60_000);
      ws.on('open', () => ws.send(JSON.stringify({ action: 'subscribe', channel: 'prices-v1' })));
      ws.on('message', (data) => {
        const text = data.toString();
        if (!text.includes('"CH":"prices-v1"')) return;
        lines.push(text);
        if (lines.length === wanted) {
          clearTimeout(timer);
          ws.close();
          resolve();
        }
      });
      ws.on('error', reject);
    });
  } finally {
    await simulator.stop();
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${lines.join('\n')}\n`);
  return lines.length;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const count = await recordFeed();
  process.stdout.write(`recorded ${count} frames into ${FEED_PATH}\n`);
}
