import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadSimulatorConfig } from '../src/config.js';

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
      wsUrl: null,
      apiUrl: null,
      credentials: { kind: 'none' },
      scope: { mode: 'all' },
      eventsPollIntervalMs: 5000,
      eventsPageSize: 100,
      databasePath: './data/gateway.sqlite',
      redisUrl: null,
      logLevel: 'info',
      wsCompression: false,
      wsSendHighWaterBytes: 65_536,
      wsSendLimitBytes: 1_048_576,
      wsConnectionInitTimeoutMs: 3000,
      maxFilterPairs: 500,
      simulatorIntervalMs: 5000,
      hideInternalErrors: false,
    });
    expect(loadConfig({ NODE_ENV: 'production' }).hideInternalErrors).toBe(true);
    expect(loadConfig({ PORT: ' 8080 ', WS_COMPRESSION: 'Yes', DATABASE_PATH: '' })).toMatchObject({
      port: 8080,
      wsCompression: true,
      databasePath: './data/gateway.sqlite',
    });
  });

  it('reports every bad variable at once, each with what it expected and what arrived', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: '70000', LOG_LEVEL: 'loud', HOST: 'a b', WS_COMPRESSION: 'maybe', EVENTS_PAGE_SIZE: '10', BITPANDA_SCOPE: 'fiats:' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toEqual([
      { variable: 'PORT', expected: 'an integer from 0 to 65535', got: '70000' },
      { variable: 'HOST', expected: 'a host name or IP address to bind', got: 'a b' },
      { variable: 'BITPANDA_SCOPE', expected: expect.stringMatching(/^"all", "fiats:EUR,USD"/), got: 'fiats:' },
      { variable: 'LOG_LEVEL', expected: 'one of fatal, error, warn, info, debug, trace, silent', got: 'loud' },
      { variable: 'WS_COMPRESSION', expected: 'true or false', got: 'maybe' },
    ]);
    expect(message.split('\n')).toHaveLength(5);
    expect(message.split('\n')[0]).toBe('PORT: expected an integer from 0 to 65535, got "70000"');
  });

  it('checks rules between variables after the variables themselves', () => {
    expect(errorOf({ WS_SEND_HIGH_WATER_BYTES: '4096', WS_SEND_LIMIT_BYTES: '2048' })).toBe(
      'WS_SEND_LIMIT_BYTES: expected at least WS_SEND_HIGH_WATER_BYTES (4096), got "2048"',
    );
    expect(errorOf({ BITPANDA_TOKEN_URL: 'https://auth.example/token' }).split('\n')).toEqual([
      'BITPANDA_CLIENT_ID: expected a client id when BITPANDA_TOKEN_URL is set, got nothing',
      'BITPANDA_CLIENT_SECRET: expected a client secret when BITPANDA_TOKEN_URL is set, got nothing',
    ]);
  });

  it('reads the simulator settings from their own variables', () => {
    expect(loadSimulatorConfig({})).toEqual({ port: 4100, host: '127.0.0.1', intervalMs: 15_000, logLevel: 'info' });
    expect(loadSimulatorConfig({ SIM_PORT: '0', SIM_INTERVAL_MS: '250', LOG_LEVEL: 'warn' })).toMatchObject({ port: 0, intervalMs: 250, logLevel: 'warn' });
    expect(() => loadSimulatorConfig({ SIM_PORT: '-1', SIM_INTERVAL_MS: 'x' })).toThrow(
      'SIM_PORT: expected an integer from 0 to 65535, got "-1"\nSIM_INTERVAL_MS: expected an integer from 0 to 86400000, got "x"',
    );
  });

  it('reads the upstream scope', () => {
    expect(loadConfig({ BITPANDA_SCOPE: 'fiats:EUR,USD' }).scope).toEqual({ mode: 'fiats', fiats: ['EUR', 'USD'] });
    expect(loadConfig({ BITPANDA_SCOPE: 'pairs:cr/BTC/EUR,s/AAPL/EUR' }).scope).toEqual({
      mode: 'pairs',
      pairs: [
        { type: 'cr', asset: 'BTC', fiat: 'EUR' },
        { type: 's', asset: 'AAPL', fiat: 'EUR' },
      ],
    });
    expect(errorOf({ BITPANDA_SCOPE: 'pairs:xx/BTC/EUR' })).toMatch(/^BITPANDA_SCOPE: expected "all", "fiats:EUR,USD" or/);
  });

  it('reads credentials: fixed token or the OAuth triple, never both', () => {
    expect(loadConfig({ BITPANDA_ACCESS_TOKEN: 't' }).credentials).toEqual({ kind: 'fixed', accessToken: 't' });
    expect(
      loadConfig({ BITPANDA_TOKEN_URL: 'https://auth.example/token', BITPANDA_CLIENT_ID: 'id', BITPANDA_CLIENT_SECRET: 's' }).credentials,
    ).toEqual({ kind: 'oauth', tokenUrl: 'https://auth.example/token', clientId: 'id', clientSecret: 's' });
    expect(errorOf({ BITPANDA_TOKEN_URL: 'https://auth.example/token', BITPANDA_CLIENT_ID: 'id' })).toBe(
      'BITPANDA_CLIENT_SECRET: expected a client secret when BITPANDA_TOKEN_URL is set, got nothing',
    );
    expect(errorOf({ BITPANDA_ACCESS_TOKEN: 't', BITPANDA_TOKEN_URL: 'https://auth.example/token' })).toMatch(/^BITPANDA_TOKEN_URL: expected to be unset/);
  });

  it('never echoes credentials held in a bad URL', () => {
    const wrongScheme = errorOf({ REDIS_URL: 'https://user:hunter2@redis.example:6379/0?token=abc' });
    expect(wrongScheme).toBe('REDIS_URL: expected a redis or rediss URL, got "https://***:***@redis.example:6379/0"');
    const notAUrl = errorOf({ BITPANDA_API_URL: 'user:hunter2@api example?x=1' });
    expect(notAUrl).not.toContain('hunter2');
    expect(notAUrl).toMatch(/^BITPANDA_API_URL: expected a http or https URL without user info \(user:password@\), got/);
  });

  it('never echoes a secret', () => {
    const message = errorOf({ BITPANDA_CLIENT_ID: 'id', BITPANDA_CLIENT_SECRET: 'hunter2', PORT: 'x' });
    expect(message).toBe(
      'PORT: expected an integer from 0 to 65535, got "x"\nBITPANDA_TOKEN_URL: expected the OAuth token endpoint URL when client credentials are set, got nothing',
    );
    const both = errorOf({ BITPANDA_ACCESS_TOKEN: 'secret-token', BITPANDA_TOKEN_URL: 'https://id:hunter2@auth.example/token?key=k' });
    expect(both).not.toMatch(/hunter2|secret-token|key=k/);
  });
  it('has the documented operation limits and browser-safety defaults', () => {
    expect(loadConfig({})).toMatchObject({
      maxQueryDepth: 10,
      maxAliases: 15,
      maxTokens: 2000,
      maxDirectives: 50,
      maxQueryCost: 5000,
      maxRequestBytes: 102_400,
      maxSubscriptionsPerConnection: 100,
      corsOrigins: '*',
      graphiql: true,
      trustedDocuments: null,
      trustedDocumentsOnly: false,
    });
    const upstream = { BITPANDA_WS_URL: 'wss://stream.example', BITPANDA_API_URL: 'https://api.example' };
    expect(loadConfig(upstream).corsOrigins).toEqual([]);
    expect(loadConfig({ ...upstream, CORS_ORIGINS: 'https://app.example, http://localhost:5173/' }).corsOrigins).toEqual(['https://app.example', 'http://localhost:5173']);
    expect(loadConfig({ ...upstream, CORS_ORIGINS: '*', GRAPHIQL: 'false' })).toMatchObject({ corsOrigins: '*', graphiql: false });
    expect(errorOf({ CORS_ORIGINS: 'https://app.example/path' })).toMatch(/^CORS_ORIGINS: expected "\*" or a comma-separated list of origins/);
    expect(errorOf({ MAX_QUERY_DEPTH: '0', MAX_REQUEST_BYTES: '10' }).split('\n')).toEqual([
      'MAX_QUERY_DEPTH: expected an integer from 1 to 1000, got "0"',
      'MAX_REQUEST_BYTES: expected an integer from 1024 to 104857600, got "10"',
    ]);
    expect(errorOf({ TRUSTED_DOCUMENTS_ONLY: 'true' })).toBe('TRUSTED_DOCUMENTS: expected a manifest file when TRUSTED_DOCUMENTS_ONLY is true, got nothing');
  });

  it('refuses user info in upstream URLs, naming the variable and never showing the password', () => {
    const message = errorOf({
      BITPANDA_API_URL: 'https://user:hunter2@api.example',
      BITPANDA_WS_URL: 'wss://user:hunter2@stream.example',
      BITPANDA_TOKEN_URL: 'https://id:hunter2@auth.example/token',
      BITPANDA_CLIENT_ID: 'id',
      BITPANDA_CLIENT_SECRET: 's',
    });
    expect(message.split('\n')).toEqual([
      'BITPANDA_WS_URL: expected a ws or wss URL without user info (user:password@), got "wss://***:***@stream.example/"',
      'BITPANDA_API_URL: expected a http or https URL without user info (user:password@), got "https://***:***@api.example/"',
      'BITPANDA_TOKEN_URL: expected a http or https URL without user info (user:password@), got "https://***:***@auth.example/token"',
    ]);
    expect(loadConfig({ REDIS_URL: 'redis://:pw@127.0.0.1:6379' }).redisUrl).toBe('redis://:pw@127.0.0.1:6379');
  });
});
