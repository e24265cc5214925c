import * as nodeModule from 'node:module';
import { ConfigError, formatProblem, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { StartupError } from './startup-error.js';
import { holdPort, type HeldPort } from './held-port.js';

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // one line per bad variable, all of them at once
  process.stderr.write(error.problems.map((problem) => `Invalid configuration: ${formatProblem(problem)}\n`).join(''));
  process.exit(2);
}

const logger = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY === true });
// Node 22.1 and newer: V8's code cache of the modules loaded from here on is kept between starts
// (in the OS temporary directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off)
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
// the port is bound before the gateway loads: clients (re)connecting meanwhile wait instead of being refused
let heldPort: HeldPort;
try {
  heldPort = await holdPort(config.port, config.host);
} catch (error) {
  if (!(error instanceof StartupError)) throw error;
  process.stderr.write(`Could not start: ${error.message}\n`);
  process.exit(1);
}
// loaded once the configuration is valid: a bad one is reported without loading the gateway
const { createGateway } = await import('./gateway.js');
const gateway = createGateway({ config, logger, heldPort });

/** After the drain, the upstream clients and the store get this long to close before the exit is forced. */
const CLOSE_GRACE_MS = 10_000;

let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    logger.warn({ signal }, `second ${signal}: exiting at once`);
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => {
    logger.error(`shutdown took longer than ${config.shutdownDrainMs + CLOSE_GRACE_MS} ms; exiting`);
    process.exit(1);
  }, config.shutdownDrainMs + CLOSE_GRACE_MS);
  force.unref();
  await gateway.stop();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

gateway.start().catch((error: unknown) => {
  if (error instanceof StartupError) {
    // an operator's problem, said in one line without a stack
    process.stderr.write(`Could not start: ${error.message}\n`);
  } else {
    logger.fatal({ err: error }, 'could not start');
  }
  process.exit(1);
});
