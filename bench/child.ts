/**
 * The child side of the bench's IPC: every child process answers named commands from the
 * orchestrator and exits when the orchestrator goes away, so no child outlives a run.
 */
export type Handler = (args: never) => unknown;

interface Request {
  kind: 'request';
  id: number;
  command: string;
  args: unknown;
}

/** A clock shared by every process of the machine (CLOCK_MONOTONIC), in milliseconds. */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function serveCommands(handlers: Record<string, Handler>): void {
  if (!process.send) throw new Error('serveCommands: expected to run as a forked child with an IPC channel');
  process.on('message', (message: Request) => {
    if (message?.kind !== 'request') return;
    const handler = handlers[message.command];
    const reply = (body: { ok: boolean; result?: unknown; error?: string }): void => {
      if (process.connected) process.send!({ kind: 'response', id: message.id, ...body });
    };
    if (!handler) return reply({ ok: false, error: `unknown command: expected one of ${Object.keys(handlers).join(', ')}, got ${message.command}` });
    Promise.resolve()
      .then(() => handler(message.args as never))
      .then(
        (result) => reply({ ok: true, result }),
        (error: unknown) => reply({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}

/** Full collections, twice, so what remains is live; a no-op unless run with --expose-gc. */
export async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
}
