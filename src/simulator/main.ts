/** `npm run simulator`: the Bitpanda-compatible upstream on its own. */
import { createLogger } from '../logger.js';
import { startSimulator } from './index.js';

function integerEnv(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) {
    console.error(`${name}: expected a non-negative integer, got ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  return Number(raw);
}

const logger = createLogger({ level: process.env.LOG_LEVEL?.trim() || 'info' });
const port = integerEnv('SIM_PORT', 4100);
const host = process.env.SIM_HOST?.trim() || '127.0.0.1';
const intervalMs = integerEnv('SIM_INTERVAL_MS', 15_000);

const simulator = await startSimulator({ host, port, logger, prices: { intervalMs } });
logger.info(
  { wsUrl: simulator.wsUrl, apiUrl: simulator.apiUrl, tokenUrl: simulator.tokenUrl, intervalMs },
  `Bitpanda simulator listening on ${simulator.url} (controls: POST ${simulator.url}/__sim/prices/<control>)`,
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping the simulator');
  await simulator.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
