import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

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
    });
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
    expect(notAUrl).toMatch(/^BITPANDA_API_URL: expected a http or https URL, got/);
  });
});
