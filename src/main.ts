import { ConfigError, formatProblem, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { createGateway } from './gateway.js';

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // one line per bad variable, all of them at once
  process.stderr.write(error.problems.map((problem) => `Invalid configuration: ${formatProblem(problem)}\n`).join(''));
  process.exit(2);
}

const logger = createLogger({ level: config.logLevel });
const gateway = createGateway({ config, logger });

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => {
    logger.error('shutdown took longer than 10 s; exiting');
    process.exit(1);
  }, 10_000);
  force.unref();
  await gateway.stop();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

gateway.start().catch((error: unknown) => {
  logger.fatal({ err: error }, 'could not start');
  process.exit(1);
});
