import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DIST, plainBenchChild } from './plain-child.js';

/** A bench child process (upstream, server variant or load generator) driven by commands. */
export interface Child {
  name: string;
  pid: number;
  call<T = unknown>(command: string, args?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the child to stop, then kills it if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL, as a crash would; resolves when it has exited */
  kill(): Promise<void>;
}

/** A server variant's process: G1 from the built dist/ on plain node, as `npm start` runs it; the others under tsx. */
export function spawnServer(name: string, variant: string): Child {
  return spawnChild(name, `server-${variant.toLowerCase()}.ts`, [], { plain: variant === 'G1' });
}

interface Response {
  kind: 'response';
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/**
 * Forks `bench/<file>` with --expose-gc, under tsx, or with `plain` as JavaScript on plain node
 * (see plainBenchChild); stdout and stderr go to the orchestrator's.
 */
export function spawnChild(name: string, file: string, extraArgs: string[] = [], options: { plain?: boolean } = {}): Child {
  const path = options.plain ? plainBenchChild(file) : fileURLToPath(new URL(`./${file}`, import.meta.url));
  const child: ChildProcess = fork(path, extraArgs, {
    execArgv: [
      '--expose-gc',
      '--max-old-space-size=8192',
      ...(options.plain ? [] : ['--import', 'tsx']),
      ...(process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : []),
    ],
    env: { ...process.env, BENCH_G1_DIST: DIST },
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  let exited: string | null = null;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `exited (code ${code}, signal ${signal})`;
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`${name}: ${exited} with a command pending`));
      }
      pending.clear();
      resolve();
    });
  });
  child.on('message', (message: Response) => {
    const p = message?.kind === 'response' ? pending.get(message.id) : undefined;
    if (!p) return;
    pending.delete(message.id);
    clearTimeout(p.timer);
    if (message.ok) p.resolve(message.result);
    else p.reject(new Error(`${name}: ${message.error}`));
  });
  return {
    name,
    pid: child.pid ?? -1,
    call<T>(command: string, args?: unknown, timeoutMs = 30_000): Promise<T> {
      if (exited) return Promise.reject(new Error(`${name}: ${exited}; cannot run ${command}`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: expected an answer to ${command} within ${timeoutMs} ms, got none`));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        child.send({ kind: 'request', id, command, args });
      });
    },
    async kill() {
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
    async stop(graceMs = 5_000) {
      if (exited) return;
      this.call('stop', undefined, graceMs).catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}
