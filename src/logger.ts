import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';

export type { Logger };

/** Redacts anything that could carry a credential, wherever it appears in a log object. */
const REDACT = [
  'token',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'authorization',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.clientSecret',
  '*.client_secret',
  '*.authorization',
  '*.headers.authorization',
];

/** pino-pretty's entry point, or null where it is not installed (the logs then stay JSON). */
function prettyTarget(): string | null {
  try {
    return createRequire(import.meta.url).resolve('pino-pretty');
  } catch {
    return null;
  }
}

export interface LoggerOptions {
  /** @default 'info' */
  level?: string;
  /** where the JSON lines go @default stdout */
  destination?: NodeJS.WritableStream;
  /** human-readable lines on stdout (for a terminal) instead of JSON @default false */
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const { level = 'info', destination, pretty = false } = options;
  const opts = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'bitpanda-gateway' } };
  if (destination) return pino(opts, destination as pino.DestinationStream);
  const target = pretty ? prettyTarget() : null;
  if (target) {
    return pino({ ...opts, transport: { target, options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } } });
  }
  return pino(opts);
}

/** A logger that drops everything: the default for components built in tests. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** Bounded excerpt of untrusted text for logs. */
export function excerpt(text: unknown, max = 200): string {
  const s = typeof text === 'string' ? text : Buffer.isBuffer(text) ? text.toString('utf8') : String(text);
  return s.length > max ? `${s.slice(0, max)}…(${s.length} chars)` : s;
}
