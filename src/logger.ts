import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import { redactText } from './redact-text.js';

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

/** Strings of a log object with URL user info and tokens redacted (redactText), a few levels deep; errors are left to the serializer. */
function redactStrings(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth === 0 || value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, depth - 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = redactStrings(v, depth - 1);
  return out;
}

/** pino's error serializer, with the message and stack redacted: an error's text often quotes a URL. */
function errSerializer(error: Error): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  for (const key of ['message', 'stack'] as const) {
    if (typeof serialized[key] === 'string') serialized[key] = redactText(serialized[key] as string);
  }
  return serialized;
}

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
  const opts: pino.LoggerOptions = {
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { service: 'bitpanda-gateway' },
    serializers: { err: errSerializer, error: (e: unknown) => (e instanceof Error ? errSerializer(e) : redactStrings(e, 4)) },
    formatters: { log: (object) => redactStrings(object, 4) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>);
      },
    },
  };
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
