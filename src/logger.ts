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

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const { level = 'info', destination } = options;
  const opts = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'bitpanda-gateway' } };
  return destination ? pino(opts, destination as pino.DestinationStream) : pino(opts);
}

/** A logger that drops everything: the default for components built in tests. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** Bounded excerpt of untrusted text for logs. */
export function excerpt(text: unknown, max = 200): string {
  const s = typeof text === 'string' ? text : Buffer.isBuffer(text) ? text.toString('utf8') : String(text);
  return s.length > max ? `${s.slice(0, max)}…(${s.length} chars)` : s;
}
