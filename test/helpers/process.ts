import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Simulator } from '../../src/simulator/index.js';
import { isBuilt } from './build.js';
import { AsyncQueue, within } from './queue.js';

const root = resolve(import.meta.dirname, '../..');

export interface GatewayProcess {
  child: ChildProcess;
  /** parsed pino lines, in order */
  logs: AsyncQueue<Record<string, unknown>>;
  stderr: string[];
  graphqlUrl: string;
  wsUrl: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();

/** Kills (SIGKILL) the processes of `tracked` still running and forgets them all; returns how many were running. */
export function killStillRunning(tracked: Set<ChildProcess>): number {
  let n = 0;
  for (const child of tracked) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      n++;
    }
  }
  tracked.clear();
  return n;
}

/** Kills what a test left running; returns how many there were. */
export function killLeftoverProcesses(): number {
  return killStillRunning(children);
}

/**
 * How to run `script` (a file under src/): `node dist/….js`, its build, when dist/ is current
 * (after `npm ci` or `npm run build`), else through the TypeScript loader (`--import tsx`), so
 * that an edit to src/ not yet built is what runs. The first starts several times faster.
 */
export function projectCommand(script: string, built = isBuilt()): string[] {
  if (!/^src\/.+\.ts$/.test(script)) throw new Error(`expected a TypeScript file under src/, got ${script}`);
  return built ? [script.replace(/^src\//, 'dist/').replace(/\.ts$/, '.js')] : ['--import', 'tsx', script];
}

/** Runs a command of the project (`src/main.ts` by default) as its own process, as `npm start` does (see projectCommand). */
export function spawnProject(env: Record<string, string>, script = 'src/main.ts'): { child: ChildProcess; logs: AsyncQueue<Record<string, unknown>>; stderr: string[]; exited: GatewayProcess['exited'] } {
  const child = spawn(process.execPath, projectCommand(script), {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const logs = new AsyncQueue<Record<string, unknown>>();
  const stderr: string[] = [];
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line, unparsed: true });
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  return { child, logs, stderr, exited };
}

/**
 * The environment that points a gateway process at the simulator `sim` (its prices, REST API and
 * OAuth client). Like the built-in simulator, it is a demo: anonymous clients may use everything.
 */
export function simulatorEnv(sim: Simulator): Record<string, string> {
  return {
    AUTH_ANONYMOUS: 'all',
    BITPANDA_WS_URL: sim.wsUrl,
    BITPANDA_API_URL: sim.apiUrl,
    BITPANDA_TOKEN_URL: sim.tokenUrl,
    BITPANDA_CLIENT_ID: 'sim-client',
    BITPANDA_CLIENT_SECRET: 'sim-secret',
  };
}

/** Starts the gateway process and waits for its "listening" log line. */
export async function spawnGateway(env: Record<string, string>, timeoutMs = 60_000): Promise<GatewayProcess> {
  const { child, logs, stderr, exited } = spawnProject({ LOG_LEVEL: 'info', ...env });
  const listening = await within(
    Promise.race([
      logs.until((l) => typeof l.url === 'string' && String(l.msg).includes('listening')),
      exited.then((e) => {
        throw new Error(`gateway exited early (${JSON.stringify(e)}): ${stderr.join('')}`);
      }),
    ]),
    timeoutMs,
    'the gateway to listen',
  );
  const line = listening[listening.length - 1]!;
  return {
    child,
    logs,
    stderr,
    graphqlUrl: String(line.url),
    wsUrl: String(line.ws),
    exited,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
