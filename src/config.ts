import { readFileSync } from 'node:fs';
import { ANONYMOUS_ACCESS, defaultAnonymousAccess, type AnonymousAccess } from './domain/identity.js';
import { ASSET_TYPE_CODES, type AssetTypeCode } from './domain/price.js';
import {
  ConfigError,
  flag,
  integer,
  oneOf,
  parsed,
  rawValue,
  readVariables,
  secret,
  shownUrl,
  text,
  url,
  type ConfigProblem,
  type Env,
  type ValuesOf,
} from './env-schema.js';
import type { UpstreamScope } from './upstream/subscribe-plan.js';
import { parseWebhookKeys, type WebhookKeySet } from './upstream/webhooks/keys.js';
import { createTargetResolver } from './upstream/webhooks/target.js';

/** Where notification events come from: polling `/v1/events`, Bitpanda's webhooks, or both. */
export type EventsSource = 'poll' | 'webhook' | 'both';
const EVENTS_SOURCES: readonly EventsSource[] = ['poll', 'webhook', 'both'];

export { ConfigError, formatProblem, type ConfigProblem } from './env-schema.js';

/**
 * The environment, read once by `main.ts` (and the simulator's own entry point) and nowhere
 * else. Each variable is one entry of a table below: its config key, its environment name, its
 * kind with its default and bounds, and a doc comment that becomes the `Config` field's. A
 * reading reports every bad variable at once (`ConfigError.problems`); rules between variables
 * (credentials, WebSocket budgets) run after the single variables.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const SCOPE_EXPECTED = '"all", "fiats:EUR,USD" or "pairs:cr/BTC/EUR,s/AAPL/EUR" (type codes cr s f i co es)';

/** `all`, `fiats:EUR,USD` or `pairs:cr/BTC/EUR,...`; null when it is none of them. */
function parseScope(raw: string): UpstreamScope | null {
  if (raw === 'all') return { mode: 'all' };
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
      return { mode: 'pairs', pairs: pairs.map(([type, asset, fiat]) => ({ type: type as AssetTypeCode, asset: asset!, fiat: fiat! })) };
    }
  }
  return null;
}

const logLevel = oneOf('LOG_LEVEL', { values: LOG_LEVELS, fallback: 'info' });

/** `*`, or the origins a browser may call from; [] = same origin only. */
export type CorsOrigins = '*' | readonly string[];

const ORIGINS_EXPECTED = '"*" or a comma-separated list of origins such as "https://app.example,http://localhost:5173"';

/** `*` or `https://a.example,http://localhost:5173` (scheme, host and port only); null when it is neither. */
function parseOrigins(raw: string): CorsOrigins | null {
  if (raw === '*') return '*';
  const origins: string[] = [];
  for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    let parsed: URL;
    try {
      parsed = new URL(item);
    } catch {
      return null;
    }
    if (!['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== item.replace(/\/$/, '')) return null;
    origins.push(parsed.origin);
  }
  return origins.length > 0 ? origins : null;
}

/** Operation limits and browser safety: the same on HTTP, SSE and WebSocket (README, "Limits and browser safety"). */
const LIMIT_VARIABLES = {
  /** deepest selection (introspection is bounded by graphql-js's MaxIntrospectionDepthRule instead) */
  maxQueryDepth: integer('MAX_QUERY_DEPTH', { fallback: 10, min: 1, max: 1000 }),
  /** aliases in one document */
  maxAliases: integer('MAX_ALIASES', { fallback: 15, min: 1, max: 100_000 }),
  /** lexical tokens in one document, counted while parsing */
  maxTokens: integer('MAX_TOKENS', { fallback: 2000, min: 1, max: 1_000_000 }),
  /** directives in one document */
  maxDirectives: integer('MAX_DIRECTIVES', { fallback: 50, min: 1, max: 100_000 }),
  /** estimated cost of one operation (list fields weigh by their size) */
  maxQueryCost: integer('MAX_QUERY_COST', { fallback: 5000, min: 1, max: 1_000_000_000 }),
  /** an HTTP body or one WebSocket message */
  maxRequestBytes: integer('MAX_REQUEST_BYTES', { fallback: 102_400, min: 1024, max: 104_857_600 }),
  /** live subscriptions on one WebSocket */
  maxSubscriptionsPerConnection: integer('MAX_SUBSCRIPTIONS_PER_CONNECTION', { fallback: 100, min: 1, max: 100_000 }),
  /** null: `*` on the built-in simulator, else same origin only */
  corsOrigins: parsed<CorsOrigins | null>('CORS_ORIGINS', { fallback: null, parse: parseOrigins, expected: ORIGINS_EXPECTED }),
  /** serve GraphiQL at /graphql */
  graphiql: flag('GRAPHIQL', { fallback: true }),
  /** the trusted-documents manifest (graphql-codegen's persisted-documents.json) */
  trustedDocuments: text('TRUSTED_DOCUMENTS'),
  /** refuse every document that is not in TRUSTED_DOCUMENTS */
  trustedDocumentsOnly: flag('TRUSTED_DOCUMENTS_ONLY', { fallback: false }),
};

/** The gateway's variables; README's configuration table documents each. */
const GATEWAY_VARIABLES = {
  /** HTTP + WebSocket port; 0 = any free one */
  port: integer('PORT', { fallback: 4000, min: 0, max: 65535 }),
  /** bind address */
  host: text('HOST', { fallback: '0.0.0.0', pattern: /^[^\s/]+$/, expected: 'a host name or IP address to bind' }),
  /** null: the built-in simulator serves prices */
  wsUrl: url('BITPANDA_WS_URL', { protocols: ['ws', 'wss'] , userInfo: false }),
  /** null: the built-in simulator serves events */
  apiUrl: url('BITPANDA_API_URL', { protocols: ['http', 'https'] , userInfo: false }),
  tokenUrl: url('BITPANDA_TOKEN_URL', { protocols: ['http', 'https'] , userInfo: false }),
  clientId: text('BITPANDA_CLIENT_ID'),
  clientSecret: secret('BITPANDA_CLIENT_SECRET'),
  accessToken: secret('BITPANDA_ACCESS_TOKEN'),
  /** what the upstream price socket subscribes */
  scope: parsed<UpstreamScope>('BITPANDA_SCOPE', { fallback: { mode: 'all' }, parse: parseScope, expected: SCOPE_EXPECTED }),
  eventsPollIntervalMs: integer('EVENTS_POLL_INTERVAL_MS', { fallback: 5000, min: 10, max: 86_400_000 }),
  eventsPageSize: integer('EVENTS_PAGE_SIZE', { fallback: 100, min: 1, max: 1000 }),
  /** null (unset): `both` on the built-in simulator, else `poll` */
  eventsSource: parsed<EventsSource | null>('EVENTS_SOURCE', {
    fallback: null,
    parse: (raw) => (EVENTS_SOURCES as readonly string[]).includes(raw) ? (raw as EventsSource) : null,
    expected: 'poll, webhook or both',
  }),
  /** a file (JWKS or PEM) with Bitpanda's webhook signing public keys */
  webhookKeysPath: text('BITPANDA_WEBHOOK_KEYS'),
  /** the public base URL Bitpanda posts webhooks to; null: the request's own Host and path */
  webhookUrl: url('BITPANDA_WEBHOOK_URL', { protocols: ['http', 'https'] }),
  /** the oldest webhook signature `created` accepted, in seconds */
  webhookMaxAgeS: integer('BITPANDA_WEBHOOK_MAX_AGE_S', { fallback: 300, min: 1, max: 86_400 }),
  /** SQLite file or `:memory:` */
  databasePath: text('DATABASE_PATH', { fallback: './data/gateway.sqlite' }),
  /** set: cluster mode on Redis */
  redisUrl: url('REDIS_URL', { protocols: ['redis', 'rediss'] }),
  /** prefix of every Redis key and pub/sub channel of this cluster (cluster mode only) */
  redisKeyPrefix: text('REDIS_KEY_PREFIX', {
    fallback: 'bitpanda-gateway:',
    pattern: /^\S{1,100}$/,
    expected: 'a Redis key prefix of at most 100 characters without spaces',
  }),
  /** upstream leader lease in cluster mode; renewed every fifth of it */
  clusterLeaseTtlMs: integer('CLUSTER_LEASE_TTL_MS', { fallback: 5000, min: 500, max: 600_000 }),
  logLevel,
  /** per-pair frame period of the built-in simulator */
  simulatorIntervalMs: integer('SIMULATOR_INTERVAL_MS', { fallback: 5000, min: 10, max: 600_000 }),
  /** permessage-deflate on the GraphQL WebSocket: off by default, it costs several times the CPU */
  wsCompression: flag('WS_COMPRESSION', { fallback: false }),
  /** bytes a GraphQL WebSocket may have buffered before its frames wait (and prices conflate) */
  wsSendHighWaterBytes: integer('WS_SEND_HIGH_WATER_BYTES', { fallback: 65_536, min: 1024, max: 1_073_741_824 }),
  /** bytes a GraphQL WebSocket may fall behind on lossless subscriptions before it is closed with 1013 */
  wsSendLimitBytes: integer('WS_SEND_LIMIT_BYTES', { fallback: 1_048_576, min: 1024, max: 1_073_741_824 }),
  /** ms between keep-alive pings on each GraphQL WebSocket (a socket that missed the previous one is dropped); 0: none */
  wsKeepAliveMs: integer('WS_KEEPALIVE_MS', { fallback: 12_000, min: 0, max: 600_000 }),
  /** ms a GraphQL WebSocket client has to send `connection_init` (then 4408) */
  wsConnectionInitTimeoutMs: integer('WS_CONNECTION_INIT_TIMEOUT_MS', { fallback: 3000, min: 1, max: 600_000 }),
  /** the longest a stop waits for requests in flight (after /ready turns 503, before the port closes) */
  shutdownDrainMs: integer('SHUTDOWN_DRAIN_MS', { fallback: 10_000, min: 0, max: 600_000 }),
  /** the most pairs one PriceFilter may list */
  maxFilterPairs: integer('MAX_FILTER_PAIRS', { fallback: 500, min: 1, max: 100_000 }),
  // ---- client authentication (see README, "Security model") ----
  /** JWKS whose keys verify clients' bearer JWTs; null: no token verifies, clients are anonymous */
  authJwksUrl: url('AUTH_JWKS_URL', { protocols: ['http', 'https', 'file'] }),
  /** when set, a client token's `iss` must equal it */
  authIssuer: text('AUTH_ISSUER'),
  /** when set, a client token's `aud` must hold it */
  authAudience: text('AUTH_AUDIENCE'),
  /** the claim holding the Bitpanda user id of the signed-in user */
  authUserClaim: text('AUTH_USER_CLAIM', { fallback: 'sub', pattern: /^[^\s]{1,100}$/, expected: 'a claim name' }),
  /** the scope (`scope` or `scp`) that lets a token see every user's events */
  authPartnerScope: text('AUTH_PARTNER_SCOPE', { fallback: 'notifications:all', pattern: /^[^\s]{1,200}$/, expected: 'one scope value, without spaces' }),
  /** what a client without a token may use; null: `all` on the built-in simulator, else `prices` */
  authAnonymous: parsed<AnonymousAccess | null>('AUTH_ANONYMOUS', {
    fallback: null,
    parse: (raw) => ((ANONYMOUS_ACCESS as readonly string[]).includes(raw) ? (raw as AnonymousAccess) : null),
    expected: `one of ${ANONYMOUS_ACCESS.join(', ')}`,
  }),
  /** open WebSockets and SSE streams per signed-in subject, or per IP address for anonymous clients; 0 = no cap */
  maxConnectionsPerClient: integer('MAX_CONNECTIONS_PER_CLIENT', { fallback: 0, min: 0, max: 1_000_000 }),
  nodeEnv: text('NODE_ENV'),
  ...LIMIT_VARIABLES,
};

type GatewayValues = ValuesOf<typeof GATEWAY_VARIABLES>;

export type Credentials =
  | { kind: 'none' }
  | { kind: 'fixed'; accessToken: string }
  | { kind: 'oauth'; tokenUrl: string; clientId: string; clientSecret: string };

/** The variables read into `credentials`, `hideInternalErrors`, `authAnonymous` or `webhookKeys` rather than kept as they are. */
type Combined = 'tokenUrl' | 'clientId' | 'clientSecret' | 'accessToken' | 'nodeEnv' | 'authAnonymous' | 'webhookKeysPath';

export type Config = Omit<GatewayValues, Combined | 'corsOrigins'> & {
  /** `CORS_ORIGINS`, its default resolved: `*` on the built-in simulator, else [] (same origin only) */
  corsOrigins: CorsOrigins;
  /** `AUTH_ANONYMOUS`, or its default: `all` on the built-in simulator (no upstream URL set), else `prices` */
  authAnonymous: AnonymousAccess;
  /** the upstream bearer token: none, a fixed one, or OAuth client credentials */
  credentials: Credentials;
  /** Bitpanda's webhook signing keys, read from `BITPANDA_WEBHOOK_KEYS` at start; null when unset */
  webhookKeys: WebhookKeySet | null;
  /** `NODE_ENV=production`: internal error messages stay out of what clients see */
  hideInternalErrors: boolean;
};

/** A fixed token or the OAuth triple, never both; adds a problem for each variable missing or in the way. */
function credentialsOf(env: Env, v: Partial<GatewayValues>, problems: ConfigProblem[]): Credentials {
  const given = (name: string): boolean => rawValue(env, name) !== undefined;
  if (given('BITPANDA_ACCESS_TOKEN')) {
    if (given('BITPANDA_TOKEN_URL')) {
      const got = shownUrl(rawValue(env, 'BITPANDA_TOKEN_URL')!);
      problems.push({ variable: 'BITPANDA_TOKEN_URL', expected: 'to be unset when BITPANDA_ACCESS_TOKEN is set (use one or the other)', got });
    }
    return v.accessToken ? { kind: 'fixed', accessToken: v.accessToken } : { kind: 'none' };
  }
  const oauth = ['BITPANDA_TOKEN_URL', 'BITPANDA_CLIENT_ID', 'BITPANDA_CLIENT_SECRET'];
  if (!oauth.some(given)) return { kind: 'none' };
  const missing = (variable: string, expected: string): void => {
    if (!given(variable)) problems.push({ variable, expected, got: undefined });
  };
  missing('BITPANDA_TOKEN_URL', 'the OAuth token endpoint URL when client credentials are set');
  if (given('BITPANDA_TOKEN_URL')) {
    missing('BITPANDA_CLIENT_ID', 'a client id when BITPANDA_TOKEN_URL is set');
    // never echo a secret back: this one is simply missing
    missing('BITPANDA_CLIENT_SECRET', 'a client secret when BITPANDA_TOKEN_URL is set');
  }
  const { tokenUrl, clientId, clientSecret } = v;
  return tokenUrl && clientId && clientSecret ? { kind: 'oauth', tokenUrl, clientId, clientSecret } : { kind: 'none' };
}

function checkWsBudgets(v: Partial<GatewayValues>, problems: ConfigProblem[]): void {
  const { wsSendHighWaterBytes: highWater, wsSendLimitBytes: limit } = v;
  if (highWater !== undefined && limit !== undefined && limit < highWater) {
    problems.push({ variable: 'WS_SEND_LIMIT_BYTES', expected: `at least WS_SEND_HIGH_WATER_BYTES (${highWater})`, got: String(limit) });
  }
}

/**
 * The webhook keys file, read and checked now so that a bad one stops the start with the other
 * problems; required when webhooks are a source and the upstream is not the built-in simulator
 * (whose own keys the gateway trusts).
 */
function webhookKeysOf(v: Partial<GatewayValues>, problems: ConfigProblem[]): WebhookKeySet | null {
  const path = v.webhookKeysPath;
  if (path === null || path === undefined) {
    const source = v.eventsSource;
    if ((source === 'webhook' || source === 'both') && v.apiUrl !== null) {
      problems.push({ variable: 'BITPANDA_WEBHOOK_KEYS', expected: `a file (JWKS or PEM) with Bitpanda's webhook public keys when EVENTS_SOURCE is ${source}`, got: undefined });
    }
    return null;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push({ variable: 'BITPANDA_WEBHOOK_KEYS', expected: 'a readable file (JWKS or PEM) with webhook public keys', got: `${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})` });
    return null;
  }
  try {
    return parseWebhookKeys(text, path);
  } catch (error) {
    problems.push({ variable: 'BITPANDA_WEBHOOK_KEYS', expected: 'a JWKS or PEM file with P-256 or Ed25519 public keys', got: (error as Error).message });
    return null;
  }
}

function checkWebhookUrl(v: Partial<GatewayValues>, problems: ConfigProblem[]): void {
  if (!v.webhookUrl) return;
  try {
    createTargetResolver({ publicUrl: v.webhookUrl });
  } catch {
    problems.push({ variable: 'BITPANDA_WEBHOOK_URL', expected: 'an http(s) URL without credentials, query or fragment', got: shownUrl(v.webhookUrl) });
  }
}

function checkTrustedDocuments(v: Partial<GatewayValues>, problems: ConfigProblem[]): void {
  if (v.trustedDocumentsOnly && v.trustedDocuments === null) {
    problems.push({ variable: 'TRUSTED_DOCUMENTS', expected: 'a manifest file when TRUSTED_DOCUMENTS_ONLY is true', got: undefined });
  }
}

/** Issuer and audience checks only mean something when tokens are verified at all. */
function checkAuth(env: Env, problems: ConfigProblem[]): void {
  if (rawValue(env, 'AUTH_JWKS_URL') !== undefined) return;
  for (const variable of ['AUTH_ISSUER', 'AUTH_AUDIENCE']) {
    const got = rawValue(env, variable);
    if (got !== undefined) problems.push({ variable, expected: 'to be unset when AUTH_JWKS_URL is unset (no token is verified)', got });
  }
}

/** Reads the environment once; throws a ConfigError listing every invalid variable. */
export function loadConfig(env: Env): Config {
  const { values, problems } = readVariables(GATEWAY_VARIABLES, env);
  const credentials = credentialsOf(env, values, problems);
  checkWsBudgets(values, problems);
  checkTrustedDocuments(values, problems);
  checkAuth(env, problems);
  const webhookKeys = webhookKeysOf(values, problems);
  checkWebhookUrl(values, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const { tokenUrl, clientId, clientSecret, accessToken, nodeEnv, corsOrigins, authAnonymous, webhookKeysPath, ...plain } = values as GatewayValues;
  // the built-in simulator (no upstream URL set) is a demo: any page may call it, anonymous clients see everything
  const onSimulator = plain.wsUrl === null && plain.apiUrl === null;
  return {
    ...plain,
    credentials,
    webhookKeys,
    hideInternalErrors: nodeEnv === 'production',
    corsOrigins: corsOrigins ?? (onSimulator ? '*' : []),
    authAnonymous: authAnonymous ?? defaultAnonymousAccess(onSimulator),
  };
}

/** The events sources in effect: `EVENTS_SOURCE`, else `both` on the built-in simulator and `poll` otherwise. */
export function eventsSourceOf(config: Pick<Config, 'eventsSource' | 'apiUrl'>): EventsSource {
  return config.eventsSource ?? (config.apiUrl === null ? 'both' : 'poll');
}

const SIMULATOR_VARIABLES = {
  port: integer('SIM_PORT', { fallback: 4100, min: 0, max: 65535 }),
  host: text('SIM_HOST', { fallback: '127.0.0.1', pattern: /^[^\s/]+$/, expected: 'a host name or IP address to bind' }),
  /** per-pair frame period */
  intervalMs: integer('SIM_INTERVAL_MS', { fallback: 15_000, min: 0, max: 86_400_000 }),
  logLevel,
};

/** Settings of `npm run simulator` (the simulator on its own). */
export type SimulatorConfig = ValuesOf<typeof SIMULATOR_VARIABLES>;

/** Reads the simulator's environment; throws a ConfigError listing every invalid variable. */
export function loadSimulatorConfig(env: Env = process.env): SimulatorConfig {
  const { values, problems } = readVariables(SIMULATOR_VARIABLES, env);
  if (problems.length > 0) throw new ConfigError(problems);
  return values as SimulatorConfig;
}
