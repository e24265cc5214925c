/** `npm run simulator`: the Bitpanda-compatible upstream on its own. */
import { ConfigError, formatProblem, loadSimulatorConfig, type SimulatorConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { startSimulator } from './index.js';

let config: SimulatorConfig;
try {
  config = loadSimulatorConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(error.problems.map((problem) => `Invalid configuration: ${formatProblem(problem)}\n`).join(''));
  process.exit(2);
}
const { host, port, intervalMs } = config;
const logger = createLogger({ level: config.logLevel });

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
