/**
 * A start-up failure an operator can fix, said in one line (what failed, on what, why): main.ts
 * prints its message alone, without a stack, and exits non-zero.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** The system error code and message of `error` (`EACCES: permission denied, …`), for a one-line reason. */
export function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
