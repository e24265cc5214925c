import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { killStillRunning } from './process.js';
import { AsyncQueue } from './queue.js';

const root = resolve(import.meta.dirname, '../..');

/** One JSON line an example printed. */
export type ExampleLine = { kind: string; [key: string]: any };

export interface ExampleRun {
  lines: AsyncQueue<ExampleLine>;
  stderr: string[];
  /** once the process has exited and its output is read */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** `promise`, or a rejection with the example's stderr if it exits first */
  whileRunning<T>(promise: Promise<T>): Promise<T>;
}

const children = new Set<ChildProcess>();

/** Kills the examples a test left running; returns how many there were. */
export function killLeftoverExamples(): number {
  return killStillRunning(children);
}

/** Runs `examples/<script>` as a user would (`npx tsx …`), parsing each stdout line as JSON. */
export function runExample(script: string, args: string[], env: Record<string, string> = {}): ExampleRun {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'examples', script), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const lines = new AsyncQueue<ExampleLine>();
  const stderr: string[] = [];
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as ExampleLine);
      } catch {
        lines.push({ kind: 'unparsed', line });
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('close', (code, signal) => done({ code, signal })),
  );
  return {
    lines,
    stderr,
    exited,
    whileRunning: (promise) =>
      Promise.race([
        promise,
        exited.then((exit) => {
          throw new Error(`${script} exited (${JSON.stringify(exit)}) first; stderr: ${stderr.join('').slice(0, 2000)}`);
        }),
      ]),
  };
}
