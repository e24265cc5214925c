import type { Config } from '../../src/config.js';
import { loadConfig } from '../../src/config.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway.js';
import { silentLogger } from '../../src/logger.js';
import type { RunningServer } from '../../src/server/http.js';
import type { Services } from '../../src/services.js';
import type { Simulator, SimulatorOptions } from '../../src/simulator/index.js';

export interface TestGateway {
  gateway: Gateway;
  server: RunningServer;
  services: Services;
  simulator: Simulator;
  config: Config;
  stop(): Promise<void>;
}

const running = new Set<TestGateway>();

/** Gateways a test forgot to stop: checked and stopped by `stopLeftovers()` in afterEach. */
export async function stopLeftovers(): Promise<number> {
  const left = [...running];
  await Promise.all(left.map((g) => g.stop()));
  return left.length;
}

/** A real gateway on port 0 with its in-process simulator (unless URLs are given). */
export async function startTestGateway(
  overrides: Partial<Config> = {},
  options: Partial<Pick<GatewayOptions, 'logger' | 'simulator' | 'upstream' | 'clientAuth' | 'pollerFailingBoundMs' | 'timers'>> = {},
): Promise<TestGateway> {
  const config: Config = {
    ...loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    databasePath: ':memory:',
    simulatorIntervalMs: 600_000,
    eventsPollIntervalMs: 50,
    // the simulator's webhooks only where a test asks for them
    eventsSource: 'poll',
    ...overrides,
  };
  const gateway = createGateway({ ...options, config, logger: options.logger ?? silentLogger });
  const server = await gateway.start();
  const handle: TestGateway = {
    gateway,
    server,
    services: gateway.services!,
    simulator: gateway.simulator!,
    config,
    async stop() {
      running.delete(handle);
      await gateway.stop();
    },
  };
  running.add(handle);
  return handle;
}
