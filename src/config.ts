import { ASSET_TYPE_CODES, type AssetTypeCode } from './domain/price.js';
import { redactUrl } from './redact-url.js';
import type { UpstreamScope } from './upstream/subscribe-plan.js';


export type Credentials =
  | { kind: 'none' }
  | { kind: 'fixed'; accessToken: string }
  | { kind: 'oauth'; tokenUrl: string; clientId: string; clientSecret: string };

export interface Config {
  port: number;
  host: string;
  /** null: the built-in simulator serves prices */
  wsUrl: string | null;
  /** null: the built-in simulator serves events */
  apiUrl: string | null;
  credentials: Credentials;
  scope: UpstreamScope;
  eventsPollIntervalMs: number;
  eventsPageSize: number;
  databasePath: string;
  redisUrl: string | null;
  /** prefix of every Redis key and pub/sub channel of this cluster (cluster mode only) */
  redisKeyPrefix: string;
  /** upstream leader lease in cluster mode; renewed every fifth of it */
  clusterLeaseTtlMs: number;
  logLevel: string;
  /** per-pair frame period of the built-in simulator */
  simulatorIntervalMs: number;
  /** permessage-deflate on the GraphQL WebSocket: off by default, it costs several times the CPU */
  wsCompression: boolean;
  /** bytes a GraphQL WebSocket may have buffered before its frames wait (and prices conflate) */
  wsSendHighWaterBytes: number;
  /** bytes a GraphQL WebSocket may fall behind on lossless subscriptions before it is closed with 1013 */
  wsSendLimitBytes: number;
  /** ms a GraphQL WebSocket client has to send `connection_init` (then 4408) */
  wsConnectionInitTimeoutMs: number;
  /** the most pairs one PriceFilter may list */
  maxFilterPairs: number;
  /** `NODE_ENV=production`: internal error messages stay out of what clients see */
  hideInternalErrors: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    expected: string,
    got: string | undefined,
  ) {
    super(`${variable}: expected ${expected}, got ${got === undefined ? 'nothing' : JSON.stringify(got)}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  }
  return n;
}

/** What a bad URL value may show of itself: never credentials or a query string. */
function shownUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return url.host && !url.username && !url.password && !url.search ? raw : redactUrl(raw);
  } catch {
    return /[@?]/.test(raw) ? '[a value that is not a URL; not shown, it may hold credentials]' : raw;
  }
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = value(env, name);
  if (raw === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `a ${protocols.join(' or ')} URL`, shownUrl(raw));
  }
  if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
    throw new ConfigError(name, `a ${protocols.join(' or ')} URL`, shownUrl(raw));
  }
  return raw.replace(/\/+$/, '');
}

function parseScope(raw: string | undefined): UpstreamScope {
  const expected =
    '"all", "fiats:EUR,USD" or "pairs:cr/BTC/EUR,s/AAPL/EUR" (type codes cr s f i co es)';
  if (raw === undefined || raw === 'all') return { mode: 'all' };
  const [mode, list = ''] = raw.split(/:(.*)/s, 2) as [string, string?];
  const items = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (mode === 'fiats' && items.length > 0 && items.every((f) => /^[A-Z0-9]{2,10}$/.test(f))) {
    return { mode: 'fiats', fiats: items };
  }
  if (mode === 'pairs' && items.length > 0) {
    const pairs = items.map((item) => item.split('/'));
    if (pairs.every((p) => p.length === 3 && (ASSET_TYPE_CODES as readonly string[]).includes(p[0]!) && p[1] && p[2])) {
      return {
        mode: 'pairs',
        pairs: pairs.map(([type, asset, fiat]) => ({ type: type as AssetTypeCode, asset: asset!, fiat: fiat! })),
      };
    }
  }
  throw new ConfigError('BITPANDA_SCOPE', expected, raw);
}

function parseBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, 'true or false', raw);
}

function keyPrefix(env: Env, name: string, fallback: string): string {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (raw.length > 100 || /\s/.test(raw)) throw new ConfigError(name, 'a Redis key prefix of at most 100 characters without spaces', raw);
  return raw;
}

function parseCredentials(env: Env): Credentials {
  const accessToken = value(env, 'BITPANDA_ACCESS_TOKEN');
  const tokenUrl = url(env, 'BITPANDA_TOKEN_URL', ['http', 'https']);
  const clientId = value(env, 'BITPANDA_CLIENT_ID');
  const clientSecret = value(env, 'BITPANDA_CLIENT_SECRET');
  if (accessToken !== undefined) {
    if (tokenUrl !== null) {
      throw new ConfigError('BITPANDA_TOKEN_URL', 'to be unset when BITPANDA_ACCESS_TOKEN is set (use one or the other)', shownUrl(tokenUrl));
    }
    return { kind: 'fixed', accessToken };
  }
  if (tokenUrl === null && clientId === undefined && clientSecret === undefined) return { kind: 'none' };
  if (tokenUrl === null) throw new ConfigError('BITPANDA_TOKEN_URL', 'the OAuth token endpoint URL when client credentials are set', undefined);
  if (clientId === undefined) throw new ConfigError('BITPANDA_CLIENT_ID', 'a client id when BITPANDA_TOKEN_URL is set', undefined);
  if (clientSecret === undefined) {
    // never echo a secret back: this one is simply missing
    throw new ConfigError('BITPANDA_CLIENT_SECRET', 'a client secret when BITPANDA_TOKEN_URL is set', undefined);
  }
  return { kind: 'oauth', tokenUrl, clientId, clientSecret };
}

function wsBudgets(env: Env): Pick<Config, 'wsSendHighWaterBytes' | 'wsSendLimitBytes'> {
  const wsSendHighWaterBytes = integer(env, 'WS_SEND_HIGH_WATER_BYTES', 65_536, 1024, 1_073_741_824);
  const wsSendLimitBytes = integer(env, 'WS_SEND_LIMIT_BYTES', 1_048_576, 1024, 1_073_741_824);
  if (wsSendLimitBytes < wsSendHighWaterBytes) {
    throw new ConfigError('WS_SEND_LIMIT_BYTES', `at least WS_SEND_HIGH_WATER_BYTES (${wsSendHighWaterBytes})`, String(wsSendLimitBytes));
  }
  return { wsSendHighWaterBytes, wsSendLimitBytes };
}

/** Reads the environment once; throws ConfigError naming the first invalid variable. */
export function loadConfig(env: Env): Config {
  const logLevel = value(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}`, logLevel);
  const host = value(env, 'HOST') ?? '0.0.0.0';
  if (/\s|\//.test(host)) throw new ConfigError('HOST', 'a host name or IP address to bind', host);
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host,
    wsUrl: url(env, 'BITPANDA_WS_URL', ['ws', 'wss']),
    apiUrl: url(env, 'BITPANDA_API_URL', ['http', 'https']),
    credentials: parseCredentials(env),
    scope: parseScope(value(env, 'BITPANDA_SCOPE')),
    eventsPollIntervalMs: integer(env, 'EVENTS_POLL_INTERVAL_MS', 5000, 10, 86_400_000),
    eventsPageSize: integer(env, 'EVENTS_PAGE_SIZE', 100, 1, 1000),
    databasePath: value(env, 'DATABASE_PATH') ?? './data/gateway.sqlite',
    redisUrl: url(env, 'REDIS_URL', ['redis', 'rediss']),
    redisKeyPrefix: keyPrefix(env, 'REDIS_KEY_PREFIX', 'bitpanda-gateway:'),
    clusterLeaseTtlMs: integer(env, 'CLUSTER_LEASE_TTL_MS', 5000, 500, 600_000),
    logLevel,
    simulatorIntervalMs: integer(env, 'SIMULATOR_INTERVAL_MS', 5000, 10, 600_000),
    wsCompression: parseBoolean(env, 'WS_COMPRESSION', false),
    ...wsBudgets(env),
    wsConnectionInitTimeoutMs: integer(env, 'WS_CONNECTION_INIT_TIMEOUT_MS', 3000, 1, 600_000),
    maxFilterPairs: integer(env, 'MAX_FILTER_PAIRS', 500, 1, 100_000),
    hideInternalErrors: value(env, 'NODE_ENV') === 'production',
  };
}

/** Settings of `npm run simulator` (the simulator on its own). */
export interface SimulatorConfig {
  port: number;
  host: string;
  /** per-pair frame period */
  intervalMs: number;
  logLevel: string;
}

/** Reads the simulator's environment (`SIM_PORT`, `SIM_HOST`, `SIM_INTERVAL_MS`, `LOG_LEVEL`). */
export function loadSimulatorConfig(env: Env = process.env): SimulatorConfig {
  const logLevel = value(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}`, logLevel);
  return {
    port: integer(env, 'SIM_PORT', 4100, 0, 65535),
    host: value(env, 'SIM_HOST') ?? '127.0.0.1',
    intervalMs: integer(env, 'SIM_INTERVAL_MS', 15_000, 0, 86_400_000),
    logLevel,
  };
}
