import { spawnProject } from './process.js';
import { within } from './queue.js';

/** `npm run simulator` as a process of its own: it outlives any gateway a test kills. */
export interface SimulatorProcess {
  url: string;
  /** the environment that points a gateway process at it; a demo, open to anonymous clients */
  env: Record<string, string>;
  /** `POST /__sim/rest/<name>` with `body`; the control's result */
  rest<T = unknown>(name: string, body?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export async function spawnSimulator(env: Record<string, string> = {}, timeoutMs = 60_000): Promise<SimulatorProcess> {
  const { child, logs, stderr, exited } = spawnProject({ SIM_PORT: '0', SIM_INTERVAL_MS: '600000', LOG_LEVEL: 'info', ...env }, 'src/simulator/main.ts');
  const lines = await within(
    Promise.race([
      logs.until((l) => typeof l.apiUrl === 'string'),
      exited.then((e) => {
        throw new Error(`simulator exited early (${JSON.stringify(e)}): ${stderr.join('')}`);
      }),
    ]),
    timeoutMs,
    'the simulator to listen',
  );
  const line = lines[lines.length - 1]!;
  const url = /listening on (\S+)/.exec(String(line.msg))?.[1];
  if (!url) throw new Error(`expected the simulator's URL in ${JSON.stringify(line)}`);
  return {
    url,
    env: {
      AUTH_ANONYMOUS: 'all',
      BITPANDA_WS_URL: String(line.wsUrl),
      BITPANDA_API_URL: String(line.apiUrl),
      BITPANDA_TOKEN_URL: String(line.tokenUrl),
      BITPANDA_CLIENT_ID: 'sim-client',
      BITPANDA_CLIENT_SECRET: 'sim-secret',
    },
    async rest<T>(name: string, body: Record<string, unknown> = {}): Promise<T> {
      const response = await fetch(`${url}/__sim/rest/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const answer = (await response.json()) as { ok?: boolean; result?: T };
      if (!response.ok || !answer.ok) throw new Error(`simulator control ${name}: expected 200, got ${response.status} ${JSON.stringify(answer)}`);
      return answer.result as T;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
